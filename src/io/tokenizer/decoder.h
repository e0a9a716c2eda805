// tokenizer.json "decoder" and "post_processor": tokens -> text (ByteLevel, ByteFallback,
// Metaspace, Strip, Fuse, Replace, Sequence) and ids -> ids with special tokens added
// (TemplateProcessing, RobertaProcessing, BertProcessing, ByteLevel, Sequence).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace almkit::tokenizer {

class Decoder {
 public:
  virtual ~Decoder() = default;
  // Transforms the token strings; `added[i]` marks added tokens (ByteLevel leaves them as is).
  virtual void decode_chain(std::vector<std::string>& tokens, std::vector<bool>& added) const = 0;
  // The same as a step of a Sequence whose tokens may grow to `max_bytes` in all (Replace obeys
  // it, as Normalizer::normalize_within).
  virtual void decode_chain_within(std::vector<std::string>& tokens, std::vector<bool>& added,
                                   size_t max_bytes) const {
    static_cast<void>(max_bytes);
    decode_chain(tokens, added);
  }
};

std::unique_ptr<Decoder> make_decoder(const nlohmann::json& config, const std::string& source);

class PostProcessor {
 public:
  virtual ~PostProcessor() = default;
  // Adds the special tokens around one sequence of ids.
  virtual void process(std::vector<int32_t>& ids) const = 0;
};

using TokenLookup = std::function<std::optional<int32_t>(const std::string&)>;
// `known_id` tells whether the tokenizer holds an id: a special token's id that it does not hold
// would reach the model's embedding table out of range, so it is a format error naming `source`.
std::unique_ptr<PostProcessor> make_post_processor(const nlohmann::json& config,
                                                   const TokenLookup& lookup,
                                                   const std::function<bool(int32_t)>& known_id,
                                                   const std::string& source);

}  // namespace almkit::tokenizer
