#include "bench/benchmarks/voicebench/ifeval_text.h"

#include <algorithm>
#include <iterator>

#include "bench/python_text.h"

namespace almkit::bench {
namespace {

#include "bench/benchmarks/voicebench/ifeval_case_tables.inc"

template <size_t N>
bool in_ranges(const char32_t (&ranges)[N][2], char32_t c) {
  // The first range ending at or after c.
  const auto* found =
      std::lower_bound(std::begin(ranges), std::end(ranges), c,
                       [](const char32_t* range, char32_t v) { return range[1] < v; });
  return found != std::end(ranges) && (*found)[0] <= c;
}

// json.loads on a str, following Modules/_json.c's scan_once_unicode and json.decoder.
class JsonValidator {
 public:
  explicit JsonValidator(std::u32string text) : s_(std::move(text)) {}
  bool run() {
    if (!s_.empty() && s_[0] == 0xFEFF) return false;  // "Unexpected UTF-8 BOM"
    skip_ws();
    if (!value(0)) return false;
    skip_ws();
    return at_ == s_.size();  // "Extra data"
  }

 private:
  void skip_ws() {
    while (at_ < s_.size() &&
           (s_[at_] == ' ' || s_[at_] == '\t' || s_[at_] == '\n' || s_[at_] == '\r'))
      ++at_;
  }
  bool literal(const char* word) {
    size_t k = at_;
    for (const char* p = word; *p; ++p, ++k)
      if (k >= s_.size() || s_[k] != char32_t(*p)) return false;
    at_ = k;
    return true;
  }
  static bool digit(char32_t c) { return c >= '0' && c <= '9'; }
  static bool hex(char32_t c) {
    return digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }
  bool string() {  // at_ is just past the opening quote
    while (at_ < s_.size()) {
      const char32_t c = s_[at_++];
      if (c == '"') return true;
      if (c < 0x20) return false;  // strict: "Invalid control character"
      if (c != '\\') continue;
      if (at_ >= s_.size()) return false;
      const char32_t e = s_[at_++];
      if (e == 'u') {
        for (int i = 0; i < 4; ++i, ++at_)
          if (at_ >= s_.size() || !hex(s_[at_])) return false;
      } else if (!(e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' ||
                   e == 'r' || e == 't')) {
        return false;
      }
    }
    return false;  // "Unterminated string"
  }
  bool number() {
    const size_t start = at_;
    if (at_ < s_.size() && s_[at_] == '-') ++at_;
    if (at_ < s_.size() && s_[at_] == '0') {
      ++at_;
    } else if (at_ < s_.size() && digit(s_[at_])) {
      while (at_ < s_.size() && digit(s_[at_])) ++at_;
    } else {
      return false;
    }
    bool is_float = false;
    if (at_ + 1 < s_.size() && s_[at_] == '.' && digit(s_[at_ + 1])) {
      at_ += 2;
      while (at_ < s_.size() && digit(s_[at_])) ++at_;
      is_float = true;
    }
    if (at_ < s_.size() && (s_[at_] == 'e' || s_[at_] == 'E')) {
      size_t k = at_ + 1;
      if (k < s_.size() && (s_[k] == '+' || s_[k] == '-')) ++k;
      if (k < s_.size() && digit(s_[k])) {
        while (k < s_.size() && digit(s_[k])) ++k;
        at_ = k;
        is_float = true;
      }
    }
    // int() of more than 4300 digits raises ValueError (CPython 3.11's int_max_str_digits).
    const size_t digits = at_ - start - (s_[start] == '-' ? 1 : 0);
    return is_float || digits <= 4300;
  }
  bool value(int depth) {
    if (at_ >= s_.size() || depth > 900) return false;
    const char32_t c = s_[at_];
    if (c == '"') {
      ++at_;
      return string();
    }
    if (c == '{') {
      ++at_;
      skip_ws();
      if (at_ < s_.size() && s_[at_] == '}') return ++at_, true;
      while (true) {
        if (at_ >= s_.size() || s_[at_] != '"') return false;
        ++at_;
        if (!string()) return false;
        skip_ws();
        if (at_ >= s_.size() || s_[at_] != ':') return false;
        ++at_;
        skip_ws();
        if (!value(depth + 1)) return false;
        skip_ws();
        if (at_ < s_.size() && s_[at_] == '}') return ++at_, true;
        if (at_ >= s_.size() || s_[at_] != ',') return false;
        ++at_;
        skip_ws();
      }
    }
    if (c == '[') {
      ++at_;
      skip_ws();
      if (at_ < s_.size() && s_[at_] == ']') return ++at_, true;
      while (true) {
        if (!value(depth + 1)) return false;
        skip_ws();
        if (at_ < s_.size() && s_[at_] == ']') return ++at_, true;
        if (at_ >= s_.size() || s_[at_] != ',') return false;
        ++at_;
        skip_ws();
      }
    }
    if (c == 'n') return literal("null");
    if (c == 't') return literal("true");
    if (c == 'f') return literal("false");
    if (c == 'N') return literal("NaN");
    if (c == 'I') return literal("Infinity");
    if (c == '-' && literal("-Infinity")) return true;
    return number();
  }

  std::u32string s_;
  size_t at_ = 0;
};

}  // namespace

bool python_char_isupper(char32_t c) {
  return in_ranges(kPythonUpper, c);
}
bool python_char_islower(char32_t c) {
  return in_ranges(kPythonLower, c);
}
bool python_char_istitle(char32_t c) {
  return in_ranges(kPythonTitle, c);
}

// str.isupper() (wanted = upper flag) or str.islower(): one cased character at least, and none
// of the other case or title case.
static bool cased_only(const std::string& text, bool (*wanted)(char32_t), bool (*other)(char32_t)) {
  bool cased = false;
  for (char32_t c : utf8_to_codepoints(text)) {
    if (other(c) || python_char_istitle(c)) return false;
    cased = cased || wanted(c);
  }
  return cased;
}

bool python_isupper(const std::string& text) {
  return cased_only(text, python_char_isupper, python_char_islower);
}

bool python_islower(const std::string& text) {
  return cased_only(text, python_char_islower, python_char_isupper);
}

bool python_json_loads_ok(const std::string& text) {
  return JsonValidator(utf8_to_codepoints(text)).run();
}

std::vector<std::string> python_str_split(const std::string& text, const std::string& separator) {
  std::vector<std::string> pieces;
  size_t start = 0;
  for (size_t at = text.find(separator); at != std::string::npos;
       at = text.find(separator, start)) {
    pieces.push_back(text.substr(start, at - start));
    start = at + separator.size();
  }
  pieces.push_back(text.substr(start));
  return pieces;
}

size_t ifeval_count_words(const std::string& text) {
  size_t words = 0;
  bool inside = false;
  for (char32_t c : utf8_to_codepoints(text)) {
    const bool word = python_is_word_char(c);
    words += word && !inside;
    inside = word;
  }
  return words;
}

}  // namespace almkit::bench
