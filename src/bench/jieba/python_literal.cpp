#include "bench/jieba/python_literal.h"

#include <algorithm>
#include <charconv>
#include <cstdint>

#include "almkit/error.h"

namespace almkit::bench::jieba {
namespace {

using json = nlohmann::json;

void append_utf8(std::string& out, uint32_t c) {
  if (c < 0x80) {
    out += char(c);
  } else if (c < 0x800) {
    out += char(0xC0 | (c >> 6));
    out += char(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += char(0xE0 | (c >> 12));
    out += char(0x80 | ((c >> 6) & 0x3F));
    out += char(0x80 | (c & 0x3F));
  } else {
    out += char(0xF0 | (c >> 18));
    out += char(0x80 | ((c >> 12) & 0x3F));
    out += char(0x80 | ((c >> 6) & 0x3F));
    out += char(0x80 | (c & 0x3F));
  }
}

bool is_ident(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

class Parser {
 public:
  Parser(const std::string& source, const std::string& file) : s_(source), file_(file) {}

  json assignment(const std::string& name) {
    for (;;) {
      skip_blank(true);
      if (at_end()) fail("no assignment to '" + name + "'");
      const std::string word = identifier();
      if (word == "from" || word == "import") {  // `from __future__ import unicode_literals`
        while (!at_end() && s_[pos_] != '\n') ++pos_;
        continue;
      }
      if (word != name) fail("expected '" + name + " = {...}', found '" + word + "'");
      skip_blank(false);
      expect('=');
      json value = parse_value();
      skip_blank(true);
      if (!at_end()) fail("unexpected text after the literal");
      return value;
    }
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    const size_t line = 1 + size_t(std::count(s_.begin(), s_.begin() + long(pos_), '\n'));
    throw Error(ErrorCode::kInvalidFormat,
                file_ + ": line " + std::to_string(line) + ": " + what +
                    " (not the Python literal python3-jieba ships; reinstall it: apt install "
                    "python3-jieba)");
  }
  bool at_end() const { return pos_ >= s_.size(); }
  char peek() const { return at_end() ? '\0' : s_[pos_]; }

  // Spaces, comments and (inside brackets, or between statements) newlines.
  void skip_blank(bool newlines) {
    while (!at_end()) {
      const char c = s_[pos_];
      if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || (newlines && c == '\n')) {
        ++pos_;
      } else if (c == '\\' && pos_ + 1 < s_.size() && s_[pos_ + 1] == '\n') {
        pos_ += 2;  // explicit line joining
      } else if (c == '#') {
        while (!at_end() && s_[pos_] != '\n') ++pos_;
      } else {
        break;
      }
    }
  }

  void expect(char c) {
    if (peek() != c) fail(std::string("expected '") + c + "'");
    ++pos_;
  }

  std::string identifier() {
    const size_t start = pos_;
    while (!at_end() && is_ident(s_[pos_])) ++pos_;
    if (start == pos_) fail("expected a name");
    return s_.substr(start, pos_ - start);
  }

  json parse_value() {
    skip_blank(true);
    const char c = peek();
    if (c == '{') return parse_dict();
    if (c == '\'' || c == '"') return parse_string(false);
    if ((c == 'u' || c == 'U' || c == 'r' || c == 'R') && pos_ + 1 < s_.size() &&
        (s_[pos_ + 1] == '\'' || s_[pos_ + 1] == '"')) {
      ++pos_;
      return parse_string(c == 'r' || c == 'R');
    }
    if (c == '-' || c == '+' || c == '.' || (c >= '0' && c <= '9')) return parse_number();
    if (is_ident(c)) {
      const size_t start = pos_;
      const std::string word = identifier();
      if (word == "True") return true;
      if (word == "False") return false;
      if (word == "None") return nullptr;
      pos_ = start;
      fail("'" + word + "' is not a literal");
    }
    fail(at_end() ? "the literal ends early" : std::string("unexpected '") + c + "'");
  }

  json parse_dict() {
    expect('{');
    json object = json::object();
    for (;;) {
      skip_blank(true);
      if (peek() == '}') break;
      const size_t key_at = pos_;
      json key = parse_value();
      if (!key.is_string()) {
        pos_ = key_at;
        fail("a dict key that is not a string");
      }
      skip_blank(true);
      expect(':');
      object[key.get<std::string>()] = parse_value();  // a repeated key: the last one wins
      skip_blank(true);
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() != '}') fail("expected ',' or '}' in a dict");
    }
    ++pos_;
    return object;
  }

  uint32_t hex_digits(int count) {
    uint32_t value = 0;
    for (int i = 0; i < count; ++i, ++pos_) {
      const char h = peek();
      int digit = (h >= '0' && h <= '9')   ? h - '0'
                  : (h >= 'a' && h <= 'f') ? h - 'a' + 10
                  : (h >= 'A' && h <= 'F') ? h - 'A' + 10
                                           : -1;
      if (digit < 0) fail("a truncated \\x, \\u or \\U escape");
      value = value * 16 + uint32_t(digit);
    }
    return value;
  }

  void append_codepoint(std::string& out, uint32_t c) {
    if (c > 0x10FFFF) fail("an escape beyond U+10FFFF");
    if (c >= 0xD800 && c <= 0xDFFF) fail("a surrogate escape (not encodable as UTF-8)");
    append_utf8(out, c);
  }

  json parse_string(bool raw) {
    const char quote = s_[pos_];
    if (s_.compare(pos_, 3, std::string(3, quote)) == 0) fail("a triple-quoted string");
    ++pos_;
    std::string out;
    for (;;) {
      if (at_end() || s_[pos_] == '\n') fail("an unterminated string");
      const char c = s_[pos_++];
      if (c == quote) break;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (at_end()) fail("an unterminated string");
      const char e = s_[pos_++];
      if (raw) {  // r'...': the backslash stays, and only protects the next character
        out += '\\';
        out += e;
        continue;
      }
      switch (e) {
        case '\n':
          break;
        case '\\':
          out += '\\';
          break;
        case '\'':
          out += '\'';
          break;
        case '"':
          out += '"';
          break;
        case 'a':
          out += '\a';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'v':
          out += '\v';
          break;
        case 'x':
          append_codepoint(out, hex_digits(2));
          break;
        case 'u':
          append_codepoint(out, hex_digits(4));
          break;
        case 'U':
          append_codepoint(out, hex_digits(8));
          break;
        case 'N':
          fail("a \\N{...} escape");
        default:
          if (e >= '0' && e <= '7') {  // up to three octal digits
            uint32_t value = uint32_t(e - '0');
            for (int i = 0; i < 2 && peek() >= '0' && peek() <= '7'; ++i, ++pos_)
              value = value * 8 + uint32_t(peek() - '0');
            append_codepoint(out, value);
          } else {  // Python keeps an unknown escape as written
            out += '\\';
            out += e;
          }
      }
    }
    return out;
  }

  json parse_number() {
    bool negative = false;
    while (peek() == '-' || peek() == '+') {  // unary signs, possibly spaced: - 3.5
      negative ^= peek() == '-';
      ++pos_;
      skip_blank(true);
    }
    const size_t start = pos_;
    bool is_float = false;
    while (!at_end()) {
      const char c = s_[pos_];
      if (c >= '0' && c <= '9') {
        ++pos_;
      } else if (c == '.') {
        is_float = true;
        ++pos_;
      } else if ((c == 'e' || c == 'E') && pos_ > start) {
        is_float = true;
        ++pos_;
        if (peek() == '+' || peek() == '-') ++pos_;
      } else {
        break;
      }
    }
    if (is_ident(peek())) fail("a malformed number");
    const std::string text = (negative ? "-" : "") + s_.substr(start, pos_ - start);
    const char* first = text.data();
    const char* last = text.data() + text.size();
    if (is_float) {
      double value = 0;
      auto [end, error] = std::from_chars(first, last, value);
      if (error != std::errc() || end != last) fail("a malformed number '" + text + "'");
      return value;
    }
    int64_t value = 0;
    auto [end, error] = std::from_chars(first, last, value);
    if (error != std::errc() || end != last)
      fail("a malformed or too large integer '" + text + "'");
    return value;
  }

  const std::string& s_;
  const std::string& file_;
  size_t pos_ = 0;
};

}  // namespace

json parse_python_assignment(const std::string& source, const std::string& name,
                             const std::string& file) {
  return Parser(source, file).assignment(name);
}

}  // namespace almkit::bench::jieba
