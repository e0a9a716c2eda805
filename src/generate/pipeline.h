// The architecture-agnostic runtime: encodes audio, splices it into the prompt (or hands it to
// cross-attention), prefills, generates with a KV cache and scores continuations.
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <functional>
#include <vector>

#include "almkit/model.h"
#include "models/model_parts.h"

namespace almkit {

struct SamplingOptions {
  int64_t max_new_tokens = 32;
  bool greedy = true;
  double temperature = 1.0;
  int64_t top_k = 0;    // 0: off
  double top_p = 1.0;   // 1: off
  uint64_t seed = 0;
  std::vector<int64_t> stop_token_ids;  // added to the model's eos ids
  bool stop_at_eos = true;  // false: run all max_new_tokens steps (transformers' eos_token_id=None)
  int64_t min_new_tokens = 0;           // stop ids get -inf logits before this many new tokens
  // Called after each step with the batch row and its new token; return false to stop.
  std::function<bool(int64_t row, int64_t token)> on_token;
  bool keep_step_logits = false;
  // With logprobs >= 0: called before on_token with each new token's log-probability, rank and
  // `logprobs` alternatives under the raw logits (before min_new_tokens and sampling).
  int64_t logprobs = -1;
  std::function<void(int64_t row, const StepLogprobs& step)> on_logprobs;
};

struct Generation {
  std::vector<std::vector<int64_t>> tokens;  // new tokens per row (stop token included)
  at::Tensor step_logits;                    // [B, steps, vocab] when keep_step_logits
};

class Pipeline {
 public:
  explicit Pipeline(ModelParts parts);
  const ModelParts& parts() const { return parts_; }
  const LanguageModel& language_model() const;  // throws for projector-only checkpoints

  // features [clips, bins, frames], feature_lengths [clips]: encoder output (before projector).
  EncodedAudio encode(const at::Tensor& features, const at::Tensor& feature_lengths,
                      const LayerHook* hook = nullptr) const;
  // Projected audio frames ready to splice (encoder output unchanged without a projector).
  EncodedAudio project(const EncodedAudio& encoded, const LayerHook* hook = nullptr) const;

  // ids/attention_mask [B, T]. Row r's placeholders take the next clips_per_row[r] clips of
  // `projected_audio`: one placeholder per clip (transformers 4.47), expanded to the clip's frame
  // count, or placeholders already repeated per frame (>= 4.48); a row whose placeholders do not
  // fit its clips is an error naming the row. Empty clips_per_row: inferred from the
  // placeholders (a reference file's batch). Encoder-decoder models instead get the audio in
  // cache.encoder_states. Returns the decoder input of the first forward pass, positions from
  // the language model.
  DecoderInput prepare(const at::Tensor& ids, const at::Tensor& attention_mask,
                       const EncodedAudio* projected_audio, nn::KvCache& cache,
                       std::vector<int64_t> clips_per_row = {}) const;

  // Prefills `input` then decodes; `cache` must be fresh from new_cache() (+ encoder states).
  Generation generate(const DecoderInput& input, nn::KvCache& cache, const SamplingOptions& options,
                      const LayerHook* hook = nullptr) const;

  // Log-probabilities of each continuation after a batch-1 prompt, sharing the prompt's cache;
  // top_k > 0 also gives that many alternatives per token (OptionScore::top_logprobs).
  std::vector<OptionScore> score(const DecoderInput& prompt, nn::KvCache& cache,
                                       const std::vector<std::vector<int64_t>>& continuations,
                                       const LayerHook* hook = nullptr, int64_t top_k = 0) const;

 private:
  ModelParts parts_;
};

}  // namespace almkit
