// tokenizer.json "pre_tokenizer": splits normalized text into the words the model encodes one by
// one (Split with its five behaviours, ByteLevel, Metaspace, Whitespace, WhitespaceSplit,
// Digits, Punctuation, Sequence), with Hugging Face tokenizers' (Rust) semantics.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace almkit::tokenizer {

class PreTokenizer {
 public:
  virtual ~PreTokenizer() = default;
  // Replaces each piece by its sub-pieces. `first_section`: the pieces start the input text
  // (Metaspace's prepend_scheme "first").
  virtual void split(std::vector<std::string>& pieces, bool first_section) const = 0;
  // True when this stage (or one inside a Sequence) is ByteLevel: the model then works on bytes.
  virtual bool is_byte_level() const { return false; }
};

std::unique_ptr<PreTokenizer> make_pre_tokenizer(const nlohmann::json& config,
                                                 const std::string& source);

// GPT-2's word regex (ByteLevel's use_regex).
extern const char* const kGpt2SplitPattern;

}  // namespace almkit::tokenizer
