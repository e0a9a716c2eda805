// The Whisper encoder stack shared by Whisper and Qwen2-Audio's audio tower: two GELU
// convolutions (the second with stride 2), stored positions, pre-LN transformer layers.
// Each architecture adds its own tail (Whisper: layer norm; Qwen2-Audio: avg-pool + layer norm).
#pragma once

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
  // Whisper encoder config fields (with transformers' defaults for `defaults`).
  static WhisperEncoderShape from_config(const ModelConfig& config, const WhisperEncoderShape& defaults);
};

class WhisperEncoderStack {
 public:
  WhisperEncoderStack(WeightStore& weights, const std::string& prefix, const WhisperEncoderShape& shape);
  // features [B, bins, 2 * max_source_positions] -> hidden [B, max_source_positions, d_model]
  // (fewer frames when the shape accepts shorter input: (frames - 1) / 2 + 1 positions).
  // key_mask [B, positions] (1 = attend) or undefined for all.
  at::Tensor forward(const at::Tensor& features, const at::Tensor& key_mask, const LayerHook* hook) const;
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

}  // namespace almkit
