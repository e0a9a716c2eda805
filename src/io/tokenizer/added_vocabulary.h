// Added tokens of tokenizer.json ("added_tokens"): found in the text before the model sees it,
// leftmost-longest, with lstrip / rstrip / single_word, and "normalized" tokens matched after
// normalization (tokenizers' AddedVocabulary).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace almkit::tokenizer {

struct AddedToken {
  std::string content;
  int32_t id = 0;
  bool special = false;
  bool lstrip = false;
  bool rstrip = false;
  bool single_word = false;
  bool normalized = false;
};

// A piece of text: either plain text [begin, end) or an added token.
struct TextSegment {
  size_t begin, end;
  int32_t token_id;  // -1 for plain text
};

// Finds a set of added tokens in text (a byte trie; leftmost, then longest match).
class AddedTokenMatcher {
 public:
  void build(const std::vector<const AddedToken*>& tokens);
  bool empty() const { return tokens_.empty(); }
  // Splits `text` into plain and token segments; lstrip/rstrip widen a token over whitespace.
  void split(std::string_view text, std::vector<TextSegment>& out) const;

 private:
  // Longest token starting at `pos`, or -1.
  int32_t longest_match(std::string_view text, size_t pos, size_t& end) const;
  std::vector<const AddedToken*> tokens_;
  std::unordered_map<uint64_t, int32_t> children_;  // (node << 8 | byte) -> node
  std::vector<int32_t> terminal_;                   // node -> token index or -1
  bool first_byte_[256] = {};
};

}  // namespace almkit::tokenizer
