// The Whisper encoder and the audio towers built from it (Qwen2-Audio, Audio Flamingo 3,
// Voxtral, Ultravox): two GELU convolutions (the second with stride 2), stored positions, pre-LN
// transformer layers, a final layer norm; the towers differ in whether keys past a clip are
// masked, whether the output is average-pooled, and whether the features fill the 30 s window.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "models/config.h"
#include "models/model_parts.h"
#include "nn/attention.h"

namespace almkit {

struct WhisperEncoderShape {
  int64_t num_mel_bins = 80;
  int64_t d_model = 384;
  int64_t layers = 4;
  int64_t heads = 6;
  int64_t ffn_dim = 1536;
  int64_t max_source_positions = 1500;
  std::string activation = "gelu";
  // Whisper (and transformers' Qwen2-Audio tower) require the full window of features;
  // Ultravox's encoder also takes shorter ones, with the first positions.
  bool accepts_shorter_input = false;
  // false: the tower adds its own positions (Qwen2.5-Omni's sinusoids per chunk); forward() then
  // needs them, stem() and run_layers() do not.
  bool learned_positions = true;
  // Whisper-large-v3's tower: the class defaults of Qwen2-Audio's, Qwen2.5-Omni's, Voxtral's
  // and Audio Flamingo 3's encoder configs.
  static WhisperEncoderShape large_v3();
  // Whisper encoder config fields (with transformers' defaults for `defaults`); the newer
  // towers' names (hidden_size, num_hidden_layers, num_attention_heads, intermediate_size) too.
  static WhisperEncoderShape from_config(const ModelConfig& config, const WhisperEncoderShape& defaults);
};

class WhisperEncoderStack {
 public:
  WhisperEncoderStack(WeightStore& weights, const std::string& prefix, const WhisperEncoderShape& shape);
  // features [B, bins, 2 * max_source_positions] -> hidden [B, max_source_positions, d_model]
  // (fewer frames when the shape accepts shorter input: (frames - 1) / 2 + 1 positions).
  // key_mask [B, positions] (1 = attend) or undefined for all. real_positions > 0: only the first
  // real_positions are computed exactly (the rest are masked keys nobody reads, returned as zeros),
  // from the frames they reach.
  at::Tensor forward(const at::Tensor& features, const at::Tensor& key_mask, const LayerHook* hook,
                     int64_t real_positions = 0) const;
  // The convolutions alone: features [B, bins, T] -> [B, (T - 1) / 2 + 1, d_model]; frame_mask
  // [B, T] (1 = real), when given, zeroes padded frames between the two (Qwen2.5-Omni's chunks).
  at::Tensor stem(const at::Tensor& features, const at::Tensor& frame_mask = at::Tensor()) const;
  // The transformer layers over h [B, S, d_model] with an additive mask [B or 1, 1, S, S] (or
  // undefined); the hook sees each layer's output as stack "encoder".
  at::Tensor run_layers(at::Tensor h, const at::Tensor& mask, const LayerHook* hook) const;
  const WhisperEncoderShape& shape() const { return shape_; }
  // The log-mel this stack reads: the checkpoint's preprocessor_config.json over Whisper's
  // defaults, with the stack's bin count.
  WhisperMelOptions feature_options(const ModelConfig& config) const;

 private:
  struct Layer {
    nn::LayerNorm self_attn_layer_norm, final_layer_norm;
    nn::MultiHeadAttention self_attn;
    nn::Linear fc1, fc2;
  };
  WhisperEncoderShape shape_;
  at::Tensor conv1_weight_, conv1_bias_, conv2_weight_, conv2_bias_, embed_positions_;
  std::vector<Layer> layers_;
};

// Whisper's attention shape: q/v/out biased, k without bias, head_dim = d_model / heads.
nn::AttentionShape whisper_attention_shape(int64_t d_model, int64_t heads);

struct WhisperTowerOptions {
  std::string prefix = "audio_tower";  // Whisper: "model.encoder"
  // Keys past each clip's frames are masked (Qwen2-Audio, Audio Flamingo 3, Ultravox); Whisper
  // and Voxtral attend to the whole window and report every position as real.
  bool mask_padding = true;
  bool pool = false;         // average-pool pairs of frames before the layer norm (Qwen2-Audio, AF3)
  bool full_window = true;   // false: features of the clip's own length, padded to a hop (Ultravox)
};

// The tower as an AudioEncoder owning its front end (the checkpoint's preprocessor_config.json
// over Whisper's defaults). Output lengths: conv frames (L - 1) / 2 + 1 of L mel frames, then
// (n - 2) / 2 + 1 after pooling; every position without masking.
std::unique_ptr<AudioEncoder> build_whisper_tower(const ModelConfig& config, WeightStore& weights,
                                                  const WhisperEncoderShape& shape, const WhisperTowerOptions& options);

}  // namespace almkit
