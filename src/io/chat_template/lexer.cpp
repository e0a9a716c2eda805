#include "io/chat_template/lexer.h"

#include <algorithm>
#include <cstring>

#include "almkit/error.h"
#include "io/tokenizer/unicode.h"

namespace almkit::jinja {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

class Lexer {
 public:
  explicit Lexer(std::string source) : source_(std::move(source)) {
    if (source_.size() >= 2 && source_.compare(source_.size() - 2, 2, "\r\n") == 0) {
      source_.resize(source_.size() - 2);
    } else if (!source_.empty() && source_.back() == '\n') {
      source_.pop_back();
    }
    line_starts_.push_back(0);
    characters_before_block_.reserve(source_.size() / kBlock + 1);
    size_t characters = 0;
    for (size_t i = 0; i < source_.size(); ++i) {
      if (i % kBlock == 0) characters_before_block_.push_back(characters);
      characters += is_character_start(source_[i]);
      if (source_[i] == '\n') line_starts_.push_back(i + 1);
    }
    if (source_.size() % kBlock == 0) characters_before_block_.push_back(characters);  // the end
  }

  std::vector<Token> run() {
    size_t pos = 0;
    while (pos < source_.size()) {
      const size_t tag = find_tag(pos);
      std::string text = source_.substr(pos, tag - pos);
      const size_t text_begin = pos;
      if (tag == source_.size()) {
        emit_text(std::move(text), text_begin, '\0', false, false);
        break;
      }
      const char type = source_[tag + 1];  // '{', '%' or '#'
      const char modifier = tag + 2 < source_.size() ? source_[tag + 2] : '\0';
      emit_text(std::move(text), text_begin, type, modifier == '-', modifier == '+');
      pos = tag + 2 + ((modifier == '-' || modifier == '+') ? 1 : 0);
      if (type == '#') {
        const size_t end = source_.find("#}", pos);
        if (end == std::string::npos) fail(tag, "unterminated comment '{#'");
        const bool strip = end > pos && source_[end - 1] == '-';
        pos = end + 2;
        after_tag(strip, true);
        continue;
      }
      pos = lex_tag(tag, pos, type == '{');
    }
    tokens_.push_back({TokenKind::kEnd, "", where(source_.size())});
    return std::move(tokens_);
  }

 private:
  // Every token asks for its line and column: a binary search over line starts and at most
  // kBlock bytes counted, not a scan from the line start (quadratic on a one-line template).
  Location where(size_t offset) const {
    const auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset) - 1;
    // Columns count characters, not bytes.
    const size_t column = characters_before(offset) - characters_before(*it) + 1;
    return {static_cast<int>(it - line_starts_.begin()) + 1, static_cast<int>(column)};
  }

  static bool is_character_start(char byte) { return (byte & 0xC0) != 0x80; }

  // UTF-8 characters in source_[0, offset).
  size_t characters_before(size_t offset) const {
    size_t count = characters_before_block_[offset / kBlock];
    for (size_t i = offset / kBlock * kBlock; i < offset; ++i) {
      count += is_character_start(source_[i]);
    }
    return count;
  }

  [[noreturn]] void fail(size_t offset, const std::string& message) const {
    const Location at = where(offset);
    throw Error(ErrorCode::kInvalidFormat, "chat template line " + std::to_string(at.line) +
                                               ", column " + std::to_string(at.column) + ": " +
                                               message);
  }

  size_t find_tag(size_t pos) const {
    while (true) {
      const size_t brace = source_.find('{', pos);
      if (brace == std::string::npos || brace + 1 >= source_.size()) return source_.size();
      const char next = source_[brace + 1];
      if (next == '{' || next == '%' || next == '#') return brace;
      pos = brace + 1;
    }
  }

  // Text before a tag, after the previous tag's trimming; `tag_type` is the tag that follows.
  void emit_text(std::string text, size_t offset, char tag_type, bool strip_before,
                 bool keep_indent) {
    size_t start = 0;
    if (strip_next_) {
      while (start < text.size() && is_space(text[start])) ++start;
      line_starting_ = start > 0 ? text[start - 1] == '\n' : line_starting_;
    } else if (trim_newline_) {
      if (text.compare(0, 1, "\n") == 0) {
        start = 1;
        line_starting_ = true;
      } else if (text.compare(0, 2, "\r\n") == 0) {
        start = 2;
        line_starting_ = true;
      }
    }
    text.erase(0, start);
    strip_next_ = trim_newline_ = false;
    if (strip_before) {
      while (!text.empty() && is_space(text.back())) text.pop_back();
    } else if ((tag_type == '%' || tag_type == '#') && !keep_indent) {
      // lstrip_blocks: only spaces between the line start and a block tag are removed.
      const size_t line_begin = text.rfind('\n') == std::string::npos ? 0 : text.rfind('\n') + 1;
      if (line_begin > 0 || line_starting_) {
        bool blank = line_begin < text.size();
        for (size_t i = line_begin; i < text.size(); ++i) blank &= is_space(text[i]);
        if (blank) text.resize(line_begin);
      }
    }
    if (!text.empty()) tokens_.push_back({TokenKind::kText, std::move(text), where(offset)});
  }

  void after_tag(bool strip, bool is_block) {
    strip_next_ = strip;
    trim_newline_ = !strip && is_block;
    line_starting_ = false;
  }

  size_t lex_tag(size_t tag, size_t pos, bool is_output) {
    tokens_.push_back({is_output ? TokenKind::kOutputBegin : TokenKind::kStatementBegin,
                       is_output ? "{{" : "{%", where(tag)});
    const size_t first_token = tokens_.size();
    const char closer = is_output ? '}' : '%';
    int depth = 0;
    while (true) {
      while (pos < source_.size() && is_space(source_[pos])) ++pos;
      if (pos >= source_.size())
        fail(tag, std::string("unterminated tag '") + (is_output ? "{{" : "{%") + "'");
      const char c = source_[pos];
      if (depth == 0) {
        const bool dash = c == '-' && pos + 2 < source_.size() && source_[pos + 1] == closer &&
                          source_[pos + 2] == '}';
        if (dash || (c == closer && pos + 1 < source_.size() && source_[pos + 1] == '}')) {
          tokens_.push_back({is_output ? TokenKind::kOutputEnd : TokenKind::kStatementEnd,
                             is_output ? "}}" : "%}", where(pos)});
          pos += dash ? 3 : 2;
          after_tag(dash, !is_output);
          if (!is_output) pos = maybe_raw(first_token, pos);
          return pos;
        }
      }
      const Location at = where(pos);
      if (c == '\'' || c == '"') {
        pos = lex_string(pos, at);
      } else if (std::isdigit(static_cast<unsigned char>(c))) {
        size_t end = pos;
        while (end < source_.size() && std::isdigit(static_cast<unsigned char>(source_[end])))
          ++end;
        bool is_float = false;
        if (end + 1 < source_.size() && source_[end] == '.' &&
            std::isdigit(static_cast<unsigned char>(source_[end + 1]))) {
          is_float = true;
          ++end;
          while (end < source_.size() && std::isdigit(static_cast<unsigned char>(source_[end])))
            ++end;
        }
        tokens_.push_back({is_float ? TokenKind::kFloat : TokenKind::kInteger,
                           source_.substr(pos, end - pos), at});
        pos = end;
      } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
        size_t end = pos;
        while (end < source_.size() &&
               (std::isalnum(static_cast<unsigned char>(source_[end])) || source_[end] == '_')) {
          ++end;
        }
        tokens_.push_back({TokenKind::kName, source_.substr(pos, end - pos), at});
        pos = end;
      } else {
        static const char* const kTwo[] = {"**", "//", "==", "!=", "<=", ">="};
        std::string op;
        for (const char* two : kTwo) {
          if (source_.compare(pos, 2, two) == 0) op = two;
        }
        if (op.empty()) {
          if (std::strchr("+-*/%~<>=()[]{},.:|", c) == nullptr || c == '\0') {
            fail(pos, std::string("unexpected character '") + c + "' in tag");
          }
          op = std::string(1, c);
        }
        if (op == "(" || op == "[" || op == "{") ++depth;
        if ((op == ")" || op == "]" || op == "}") && depth > 0) --depth;
        tokens_.push_back({TokenKind::kOperator, op, at});
        pos += op.size();
      }
    }
  }

  size_t lex_string(size_t pos, Location at) {
    const char quote = source_[pos++];
    std::string value;
    while (true) {
      if (pos >= source_.size()) fail(pos - 1, "unterminated string literal");
      const char c = source_[pos++];
      if (c == quote) break;
      if (c != '\\' || pos >= source_.size()) {
        value += c;
        continue;
      }
      const char e = source_[pos++];
      switch (e) {
        case 'n':
          value += '\n';
          break;
        case 't':
          value += '\t';
          break;
        case 'r':
          value += '\r';
          break;
        case '0':
          value += '\0';
          break;
        case '\\':
          value += '\\';
          break;
        case '\'':
          value += '\'';
          break;
        case '"':
          value += '"';
          break;
        case '\n':
          break;
        case 'x':
        case 'u':
        case 'U': {
          const size_t digits = e == 'x' ? 2 : e == 'u' ? 4 : 8;
          if (pos + digits > source_.size()) fail(pos, "truncated escape in string literal");
          const std::string hex = source_.substr(pos, digits);
          if (hex.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos) {
            fail(pos, "escape \\" + std::string(1, e) + " needs " + std::to_string(digits) +
                          " hex digits, got '" + hex + "'");
          }
          const auto code_point = static_cast<char32_t>(std::stoul(hex, nullptr, 16));
          if (code_point > 0x10FFFF || (code_point >= 0xD800 && code_point <= 0xDFFF)) {
            fail(pos, "escape \\" + std::string(1, e) + hex + " is not a Unicode scalar value");
          }
          tokenizer::append_utf8(value, code_point);
          pos += digits;
          break;
        }
        default:
          value += '\\';
          value += e;
      }
    }
    tokens_.push_back({TokenKind::kString, std::move(value), at});
    return pos;
  }

  // {% raw %}...{% endraw %}: the body is text, tags inside are not interpreted.
  size_t maybe_raw(size_t first_token, size_t pos) {
    if (tokens_.size() != first_token + 2 || tokens_[first_token].kind != TokenKind::kName ||
        tokens_[first_token].text != "raw") {
      return pos;
    }
    const Location at = tokens_[first_token].where;
    tokens_.resize(first_token - 1);
    size_t search = pos;
    while (true) {
      const size_t open = source_.find("{%", search);
      if (open == std::string::npos) fail(pos, "{% raw %} without {% endraw %}");
      size_t k = open + 2;
      if (k < source_.size() && (source_[k] == '-' || source_[k] == '+')) ++k;
      while (k < source_.size() && is_space(source_[k])) ++k;
      if (source_.compare(k, 6, "endraw") == 0) {
        std::string body = source_.substr(pos, open - pos);
        if (strip_next_)
          body.erase(0, body.find_first_not_of(" \t\r\n\f\v") == std::string::npos
                            ? body.size()
                            : body.find_first_not_of(" \t\r\n\f\v"));
        if (source_[open + 2] == '-') {
          while (!body.empty() && is_space(body.back())) body.pop_back();
        }
        if (!body.empty()) tokens_.push_back({TokenKind::kText, std::move(body), at});
        const size_t close = source_.find("%}", k);
        if (close == std::string::npos) fail(open, "unterminated tag '{%'");
        after_tag(source_[close - 1] == '-', true);
        return close + 2;
      }
      search = open + 2;
    }
  }

  static constexpr size_t kBlock = 256;
  std::string source_;
  std::vector<size_t> line_starts_;
  std::vector<size_t> characters_before_block_;  // UTF-8 characters before byte i * kBlock
  std::vector<Token> tokens_;
  bool strip_next_ = false;
  bool trim_newline_ = false;
  bool line_starting_ = true;
};

}  // namespace

std::vector<Token> tokenize(const std::string& source) {
  return Lexer(source).run();
}

}  // namespace almkit::jinja
