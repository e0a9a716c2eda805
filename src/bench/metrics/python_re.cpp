#include "bench/metrics/python_re.h"

#include <vector>

namespace almkit::bench {
namespace {

// Python's str.isspace() set, which is what `\s` matches on a str.
constexpr const char* kSpace =
    "\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x{85}\\x{a0}\\x{1680}\\x{2000}-\\x{200a}\\x{2028}\\x{2029}"
    "\\x{202f}\\x{205f}\\x{3000}";
// Python's `\w`: str.isalnum() (letters and numbers) or '_'.
constexpr const char* kWord = "\\p{L}\\p{N}_";
// Python's `\d`: str.isdecimal(), the Nd category.
constexpr const char* kDigit = "\\p{Nd}";

// One character class of a Python pattern, from the '[' at pattern[i]; leaves i on its ']'.
// `\s`, `\d` and `\w` are spliced in as Python's sets. PCRE2 cannot nest a negated set inside a
// class, so a class holding `\S`, `\D` or `\W` becomes an alternation of its plain items and
// each complement, `(?:[items]|[^set]...)`, and a negated one a lookahead over it.
std::string translate_class(const std::string& pattern, size_t& i) {
  std::string items;
  std::vector<std::string> complements;
  bool negated = false;
  ++i;
  if (i < pattern.size() && pattern[i] == '^') {
    negated = true;
    ++i;
  }
  // A ']' right after '[' or '[^' is a literal, as in Python.
  if (i < pattern.size() && pattern[i] == ']') {
    items += "\\]";
    ++i;
  }
  for (; i < pattern.size() && pattern[i] != ']'; ++i) {
    const char c = pattern[i];
    if (c == '\\' && i + 1 < pattern.size()) {
      const char e = pattern[++i];
      switch (e) {
        case 's': items += kSpace; break;
        case 'd': items += kDigit; break;
        case 'w': items += kWord; break;
        case 'S': complements.push_back(kSpace); break;
        case 'D': complements.push_back(kDigit); break;
        case 'W': complements.push_back(kWord); break;
        default: items += std::string(1, '\\') + e;
      }
    } else {
      // Python reads '[' in a class as itself; PCRE2 would start a POSIX class at "[:".
      items += c == '[' ? std::string("\\[") : std::string(1, c);
    }
  }
  // Unterminated: left open, so the compile reports it.
  if (i >= pattern.size()) return std::string(negated ? "[^" : "[") + items;
  if (complements.empty()) return std::string(negated ? "[^" : "[") + items + "]";
  std::string any = "(?:";
  if (!items.empty()) any += "[" + items + "]|";
  for (size_t k = 0; k < complements.size(); ++k) {
    any += (k ? "|[^" : "[^") + complements[k] + "]";
  }
  any += ")";
  return negated ? "(?:(?!" + any + ")(?s:.))" : any;
}

}  // namespace

Regex python_regex(const std::string& pattern) {
  const std::string word = std::string("[") + kWord + "]";
  const std::string boundary =
      "(?:(?<=" + word + ")(?!" + word + ")|(?<!" + word + ")(?=" + word + "))";
  const std::string not_boundary =
      "(?:(?<=" + word + ")(?=" + word + ")|(?<!" + word + ")(?!" + word + "))";
  auto set = [](const char* contents, bool negated) {
    return std::string(negated ? "[^" : "[") + contents + "]";
  };
  std::string out;
  for (size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '[') {
      out += translate_class(pattern, i);
      continue;
    }
    if (c != '\\' || i + 1 >= pattern.size()) {
      out += c;
      continue;
    }
    const char e = pattern[++i];
    switch (e) {
      case 'b': out += boundary; break;
      case 'B': out += not_boundary; break;
      case 's': out += set(kSpace, false); break;
      case 'S': out += set(kSpace, true); break;
      case 'd': out += set(kDigit, false); break;
      case 'D': out += set(kDigit, true); break;
      case 'w': out += set(kWord, false); break;
      case 'W': out += set(kWord, true); break;
      default: out += std::string(1, '\\') + e;
    }
  }
  return Regex(out);
}

std::string python_sub(const Regex& regex, const std::string& subject,
                       const std::string& replacement_template) {
  std::string out;
  size_t copied = 0;
  for (const auto& match : regex.find_all(subject)) {
    out.append(subject, copied, match.start - copied);
    for (size_t i = 0; i < replacement_template.size(); ++i) {
      const char c = replacement_template[i];
      if (c == '\\' && i + 1 < replacement_template.size() && replacement_template[i + 1] >= '1' &&
          replacement_template[i + 1] <= '9') {
        const size_t group = size_t(replacement_template[++i] - '0');
        if (group < match.groups.size()) out += match.groups[group];
      } else {
        out += c;
      }
    }
    copied = match.end;
  }
  out.append(subject, copied, std::string::npos);
  return out;
}

std::vector<std::string> python_split_on(const Regex& regex, const std::string& subject) {
  std::vector<std::string> parts;
  size_t copied = 0;
  for (const auto& match : regex.find_all(subject)) {
    parts.push_back(subject.substr(copied, match.start - copied));
    copied = match.end;
  }
  parts.push_back(subject.substr(copied));
  return parts;
}

}  // namespace almkit::bench
