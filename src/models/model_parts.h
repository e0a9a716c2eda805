// The three pluggable parts of an audio-language model and how an architecture hands them to
// the runtime. The runtime only sees these interfaces, never an architecture's name.
#pragma once

#include <ATen/ATen.h>

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "almkit/features.h"
#include "io/weight_store.h"
#include "nn/kv_cache.h"

namespace almkit {

// Called after each layer with the hidden state, which the hook may replace in place
// (steering vectors, ablations); `attention` is defined when attention weights were asked for.
struct LayerHook {
  std::function<void(const std::string& stack, int layer, at::Tensor& hidden,
                     const at::Tensor& attention)>
      callback;
  bool want_attention = false;
  // Also called once before the first layer, with layer -1 and the stack's input (embeddings
  // after the audio merge; the encoder's convolution stem + positions), itself replaceable.
  bool want_input = false;
  // Called inside each self-attention layer with every head's output before the output
  // projection, [B, T, heads, head_dim], replaceable in place (head ablation, per-head read-outs).
  std::function<void(const std::string& stack, int layer, at::Tensor& per_head)> heads;
};

// `hook` when it has anything to call, else null (what the stacks' forward passes take).
inline const LayerHook* active_hook(const LayerHook& hook) {
  return hook.callback || hook.heads ? &hook : nullptr;
}

// `hook`'s head callback bound to one layer, in the form nn::MultiHeadAttention takes (empty
// when there is none).
inline std::function<void(at::Tensor&)> layer_head_hook(const LayerHook* hook, const char* stack, int layer) {
  if (!hook || !hook->heads) return {};
  return [hook, stack, layer](at::Tensor& per_head) { hook->heads(stack, layer, per_head); };
}

// Encoded (or projected) audio: each clip's frames, padded to the longest clip.
struct EncodedAudio {
  at::Tensor hidden;          // [clips, frames, dim]
  at::Tensor output_lengths;  // [clips] int64: real frames per clip
  // [clips, frames] bool: true where a frame belongs to its clip.
  at::Tensor frame_mask() const;
};

class AudioEncoder {
 public:
  virtual ~AudioEncoder() = default;
  // The features this encoder reads, built from the checkpoint's preprocessor_config.json (with
  // the family's defaults where the folder has none).
  virtual const FeatureExtractor& features() const = 0;
  // features as features().extract() lays them out, feature_lengths [clips] int64 (valid frames;
  // undefined: every frame is real).
  virtual EncodedAudio encode(const at::Tensor& features, const at::Tensor& feature_lengths,
                              const LayerHook* hook) const = 0;
};

// Encoder frames -> the embeddings that take the audio placeholders' place. A projector may
// change the number of frames (stacking, windowed queries) and says so in the lengths it returns.
class Projector {
 public:
  virtual ~Projector() = default;
  // `hook` sees each internal layer's output as stack "projector" (Q-Former layers).
  virtual EncodedAudio project(const EncodedAudio& encoded, const LayerHook* hook) const = 0;
};

struct DecoderInput {
  at::Tensor embeddings;      // [B, T, hidden]
  at::Tensor positions;       // [B, T] int64 (or the LM's own layout, e.g. [3, B, T] for M-RoPE)
  at::Tensor attention_mask;  // [B, past + T] 1 = real, 0 = padding
  at::Tensor audio_mask;      // [B, T] int64, 1 where the prompt holds an audio frame (or undefined)
};

class LanguageModel {
 public:
  virtual ~LanguageModel() = default;
  virtual at::Tensor embed(const at::Tensor& ids) const = 0;  // [B, T] -> [B, T, hidden]
  // Runs the decoder stack, extending `cache`; returns the final normalised hidden states.
  virtual at::Tensor forward(const DecoderInput& input, nn::KvCache& cache,
                             const LayerHook* hook) const = 0;
  virtual at::Tensor logits(const at::Tensor& hidden) const = 0;
  // The final norm forward() applies after the last layer (logit lens: logits(final_norm(h)));
  // the default throws kUnsupported.
  virtual at::Tensor final_norm(const at::Tensor& hidden) const;
  // Positions of a first pass from its attention mask [B, T] (cumsum - 1, 1 at padding, as
  // transformers' generate() derives them); a model with another scheme overrides this.
  // `audio_mask` [B, T] (1 where the prompt holds an audio frame) is undefined without audio.
  virtual at::Tensor prompt_positions(const at::Tensor& attention_mask, const at::Tensor& audio_mask) const;
  // Positions of `count` tokens that follow a pass made at `previous` positions.
  virtual at::Tensor next_positions(const at::Tensor& previous, int64_t count) const;
  virtual nn::KvCache new_cache() const = 0;
  // Encoder-decoder models (Whisper) attend to the audio through cross-attention instead of
  // audio embeddings spliced into the prompt.
  virtual bool attends_to_audio() const { return false; }
  virtual int64_t vocab_size() const = 0;
  virtual int64_t max_positions() const = 0;
  // Internal tensors a transformers reference file may hold under these names (e.g.
  // "rope_inv_freq"), for `reference-check`.
  virtual std::vector<std::pair<std::string, at::Tensor>> reference_tensors() const { return {}; }
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
  std::unique_ptr<LanguageModel> language_model;  // null only for projector-only checkpoints
  int64_t audio_token_id = -1;  // placeholder spliced with audio embeddings
  GenerationDefaults generation;
};

}  // namespace almkit
