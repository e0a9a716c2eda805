// What `almkit init-model` needs from a family besides its builder: the config.json of each
// size it offers, the tokens it adds to a real vocabulary (audio placeholders) and its chat
// template. The tensors come from the builder itself (a recording WeightStore), so a family
// never lists its weight names twice.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace almkit {

// The ids of a tokenizer the checkpoint will ship with (after the recipe's added tokens).
struct InitTokens {
  std::map<std::string, int64_t> special;  // content -> id, added tokens included
  int64_t vocab_size = 0;                  // embedding rows (the vocabulary padded to 64)
  bool has_tokenizer = false;
  int64_t id(const std::string& content, int64_t fallback) const {
    const auto it = special.find(content);
    return it == special.end() ? fallback : it->second;
  }
};

struct InitRecipe {
  std::vector<std::string> sizes;        // "small" first: the size tests and demos use
  std::string tokenizer_hint;            // the fetched vocabulary it is meant for (`--tokenizer`)
  bool needs_tokenizer = false;
  std::vector<std::string> added_tokens; // special tokens appended to the vocabulary
  std::string chat_template;             // written to tokenizer_config.json ("" keeps the tokenizer's)
  // config.json for `size` (one of `sizes`, checked before) and the tokens.
  std::function<nlohmann::json(const std::string& size, const InitTokens& tokens)> config;
  // preprocessor_config.json for that config, or null for a model without audio input.
  std::function<nlohmann::json(const nlohmann::json& config)> preprocessor_config;
};

// Sizes of text models every recipe can offer: the published shape or "small".
struct TextModelSize {
  int64_t vocab, hidden, layers, heads, kv_heads, intermediate, max_positions;
  bool tie;
};

}  // namespace almkit
