#include "bench/metrics/python_re.h"

namespace almkit::bench {
namespace {

// Python's str.isspace() set, which is what `\s` matches on a str.
constexpr const char* kSpace =
    "\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x{85}\\x{a0}\\x{1680}\\x{2000}-\\x{200a}\\x{2028}\\x{2029}"
    "\\x{202f}\\x{205f}\\x{3000}";
// Python's `\w`: str.isalnum() (letters and numbers) or '_'.
constexpr const char* kWord = "\\p{L}\\p{N}_";

}  // namespace

Regex python_regex(const std::string& pattern) {
  const std::string word = std::string("[") + kWord + "]";
  const std::string boundary =
      "(?:(?<=" + word + ")(?!" + word + ")|(?<!" + word + ")(?=" + word + "))";
  const std::string not_boundary =
      "(?:(?<=" + word + ")(?=" + word + ")|(?<!" + word + ")(?!" + word + "))";
  std::string out;
  bool in_class = false;
  for (size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '\\' && i + 1 < pattern.size()) {
      const char e = pattern[++i];
      // Inside a class the class contents are spliced in; outside, a whole class is written.
      auto put_class = [&](const char* contents, bool negated) {
        if (in_class && !negated) {
          out += contents;
        } else {
          out += std::string(negated ? "[^" : "[") + contents + "]";
        }
      };
      switch (e) {
        case 'b':
          out += in_class ? "\\b" : boundary;
          break;
        case 'B':
          out += not_boundary;
          break;
        case 's':
          put_class(kSpace, false);
          break;
        case 'S':
          put_class(kSpace, true);
          break;
        case 'd':
          put_class("\\p{Nd}", false);
          break;
        case 'D':
          put_class("\\p{Nd}", true);
          break;
        case 'w':
          put_class(kWord, false);
          break;
        case 'W':
          put_class(kWord, true);
          break;
        default:
          out += '\\';
          out += e;
      }
      continue;
    }
    if (c == '[' && !in_class) {
      in_class = true;
      out += c;
      // A ']' right after '[' or '[^' is a literal, as in Python.
      if (i + 1 < pattern.size() && pattern[i + 1] == '^') out += pattern[++i];
      if (i + 1 < pattern.size() && pattern[i + 1] == ']') {
        out += "\\]";
        ++i;
      }
      continue;
    }
    if (c == ']' && in_class) in_class = false;
    out += c;
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
