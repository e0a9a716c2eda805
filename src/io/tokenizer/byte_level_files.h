// "Slow tokenizer" files of byte-level BPE checkpoints (vocab.json + merges.txt, with
// tokenizer_config.json's added_tokens_decoder and added_tokens.json) turned into the
// tokenizer.json that transformers' converters build: GPT-2 / Whisper defaults, or Qwen2's NFC
// normalizer and split regex when tokenizer_class says Qwen2Tokenizer.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace almkit::tokenizer {

struct ByteLevelFiles {
  nlohmann::json vocab;        // vocab.json
  std::string merges;          // merges.txt
  nlohmann::json config;       // tokenizer_config.json ({} when absent)
  nlohmann::json added;        // added_tokens.json ({} when absent)
  nlohmann::json special_map;  // special_tokens_map.json ({} when absent)
};

nlohmann::json byte_level_files_to_tokenizer_json(const ByteLevelFiles& files,
                                                  const std::string& source);

}  // namespace almkit::tokenizer
