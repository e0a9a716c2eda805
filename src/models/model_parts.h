// The three pluggable parts of an audio-language model and how an architecture hands them to
// the runtime. The runtime only sees these interfaces, never an architecture's name.
#pragma once

#include <ATen/ATen.h>

#include <functional>
#include <memory>
#include <string>

#include "almkit/features.h"
#include "models/weights.h"
#include "nn/kv_cache.h"

namespace almkit {

// Called after each layer with the hidden state, which the hook may replace in place
// (steering vectors, ablations); `attention` is defined when attention weights were asked for.
struct LayerHook {
  std::function<void(const std::string& stack, int layer, at::Tensor& hidden,
                     const at::Tensor& attention)>
      callback;
  bool want_attention = false;
};

struct EncodedAudio {
  at::Tensor hidden;          // [clips, frames, dim], padded to the longest clip
  at::Tensor output_lengths;  // [clips] int64: real frames per clip
};

class AudioEncoder {
 public:
  virtual ~AudioEncoder() = default;
  // features [clips, bins, frames] (the extractor's output), feature_lengths [clips] int64.
  virtual EncodedAudio encode(const at::Tensor& features, const at::Tensor& feature_lengths,
                              const LayerHook* hook) const = 0;
  virtual WhisperMelOptions feature_options() const = 0;
};

class Projector {
 public:
  virtual ~Projector() = default;
  virtual at::Tensor project(const at::Tensor& audio_hidden) const = 0;
};

struct DecoderInput {
  at::Tensor embeddings;      // [B, T, hidden]
  at::Tensor positions;       // [B, T] int64
  at::Tensor attention_mask;  // [B, past + T] 1 = real, 0 = padding
};

class LanguageModel {
 public:
  virtual ~LanguageModel() = default;
  virtual at::Tensor embed(const at::Tensor& ids) const = 0;  // [B, T] -> [B, T, hidden]
  // Runs the decoder stack, extending `cache`; returns the final normalised hidden states.
  virtual at::Tensor forward(const DecoderInput& input, nn::KvCache& cache,
                             const LayerHook* hook) const = 0;
  virtual at::Tensor logits(const at::Tensor& hidden) const = 0;
  virtual nn::KvCache new_cache() const = 0;
  // Encoder-decoder models (Whisper) attend to the audio through cross-attention instead of
  // audio embeddings spliced into the prompt.
  virtual bool attends_to_audio() const { return false; }
  virtual int64_t vocab_size() const = 0;
  virtual int64_t max_positions() const = 0;
};

struct GenerationDefaults {
  std::vector<int64_t> eos_token_ids;
  int64_t pad_token_id = -1;
  int64_t bos_token_id = -1;
  int64_t decoder_start_token_id = -1;
};

struct ModelParts {
  std::string model_type;
  std::unique_ptr<AudioEncoder> encoder;  // null for text-only models
  std::unique_ptr<Projector> projector;   // null when the encoder output is used as is
  std::unique_ptr<LanguageModel> language_model;
  int64_t audio_token_id = -1;  // placeholder spliced with audio embeddings
  GenerationDefaults generation;
};

}  // namespace almkit
