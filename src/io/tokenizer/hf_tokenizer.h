// The tokenizer.json pipeline (Hugging Face tokenizers): added tokens -> normalizer ->
// pre-tokenizer -> BPE model -> post processor on encode; decoder on decode.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>
#include <vector>

#include "almkit/tokenizer.h"
#include "io/tokenizer/added_vocabulary.h"
#include "io/tokenizer/bpe_model.h"
#include "io/tokenizer/decoder.h"
#include "io/tokenizer/normalizer.h"
#include "io/tokenizer/pre_tokenizer.h"

namespace almkit::tokenizer {

class HfTokenizer : public Tokenizer {
 public:
  // `source` names the file in error messages.
  HfTokenizer(const nlohmann::json& tokenizer_json, const std::string& source);

  std::vector<int32_t> encode(const std::string& text, bool add_special_tokens) const override;
  std::string decode(const std::vector<int32_t>& ids, bool skip_special_tokens) const override;
  std::optional<int32_t> token_to_id(const std::string& token) const override;
  std::string id_to_token(int32_t id) const override;
  int32_t vocab_size() const override;
  bool is_special(int32_t id) const override;

  // Marks more added tokens special (tokenizer_config.json's additional_special_tokens).
  void mark_special(const std::string& content);

 private:
  void set_added_tokens(const std::vector<AddedToken>& tokens);
  void encode_plain(std::string_view text, bool first_section, std::vector<int32_t>& ids) const;

  std::unique_ptr<Normalizer> normalizer_;
  std::unique_ptr<PreTokenizer> pre_tokenizer_;
  std::unique_ptr<BpeModel> model_;
  std::unique_ptr<PostProcessor> post_processor_;
  std::unique_ptr<Decoder> decoder_;
  std::vector<AddedToken> added_tokens_;
  std::unordered_map<int32_t, size_t> added_by_id_;
  std::unordered_map<std::string, int32_t> added_by_content_;
  AddedTokenMatcher raw_matcher_;         // normalized == false: matched in the input text
  AddedTokenMatcher normalized_matcher_;  // normalized == true: matched after normalization
};

}  // namespace almkit::tokenizer
