#include "io/tokenizer/added_vocabulary.h"

#include "io/tokenizer/unicode.h"

namespace almkit::tokenizer {
namespace {

uint64_t edge(int32_t node, unsigned char byte) {
  return (static_cast<uint64_t>(node) << 8) | byte;
}

// The code point that ends just before `pos` (valid UTF-8 assumed).
char32_t code_point_before(std::string_view text, size_t pos) {
  size_t start = pos - 1;
  while (start > 0 && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
  return next_code_point(text, start);
}

}  // namespace

void AddedTokenMatcher::build(const std::vector<const AddedToken*>& tokens) {
  tokens_ = tokens;
  children_.clear();
  terminal_.assign(1, -1);
  for (size_t t = 0; t < tokens_.size(); ++t) {
    const std::string& content = tokens_[t]->content;
    if (content.empty()) continue;
    first_byte_[static_cast<unsigned char>(content[0])] = true;
    int32_t node = 0;
    for (unsigned char c : content) {
      auto [it, inserted] =
          children_.emplace(edge(node, c), static_cast<int32_t>(terminal_.size()));
      if (inserted) terminal_.push_back(-1);
      node = it->second;
    }
    terminal_[node] = static_cast<int32_t>(t);
  }
}

int32_t AddedTokenMatcher::longest_match(std::string_view text, size_t pos, size_t& end) const {
  int32_t node = 0, found = -1;
  for (size_t i = pos; i < text.size(); ++i) {
    auto it = children_.find(edge(node, static_cast<unsigned char>(text[i])));
    if (it == children_.end()) break;
    node = it->second;
    if (terminal_[node] >= 0) {
      found = terminal_[node];
      end = i + 1;
    }
  }
  return found;
}

void AddedTokenMatcher::split(std::string_view text, std::vector<TextSegment>& out) const {
  size_t plain_begin = 0, pos = 0;
  while (pos < text.size()) {
    if (!first_byte_[static_cast<unsigned char>(text[pos])]) {
      ++pos;
      continue;
    }
    size_t end = 0;
    const int32_t found = longest_match(text, pos, end);
    if (found < 0) {
      ++pos;
      continue;
    }
    const AddedToken& token = *tokens_[static_cast<size_t>(found)];
    if (token.single_word) {
      const bool start_ok = pos == 0 || !is_word_character(code_point_before(text, pos));
      size_t after = end;
      const bool end_ok = end == text.size() || !is_word_character(next_code_point(text, after));
      if (!start_ok || !end_ok) {
        ++pos;
        continue;
      }
    }
    size_t begin = pos;
    if (token.lstrip) {
      const std::string_view before =
          trim_whitespace(text.substr(plain_begin, pos - plain_begin), false, true);
      begin = plain_begin + before.size();
    }
    if (token.rstrip) {
      const std::string_view rest = trim_whitespace(text.substr(end), true, false);
      end = text.size() - rest.size();
    }
    if (begin > plain_begin) out.push_back({plain_begin, begin, -1});
    out.push_back({begin, end, token.id});
    plain_begin = pos = end;
  }
  if (plain_begin < text.size()) out.push_back({plain_begin, text.size(), -1});
}

}  // namespace almkit::tokenizer
