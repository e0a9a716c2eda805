// The BLIP-2 Q-Former (transformers' Blip2QFormerModel): learned queries, LayerNorm'ed, through
// BERT-style post-LN layers of self-attention, cross-attention to the encoder states (every
// `cross_attention_frequency`-th layer) and a feed-forward block. The bridge of BLIP-2, SALMONN
// and Granite Speech between an audio encoder and an LM; `QFormerProjector` makes it a Projector.
#pragma once

#include <string>
#include <vector>

#include "models/config.h"
#include "models/model_parts.h"
#include "nn/attention.h"
#include "nn/layers.h"

namespace almkit {

// Blip2QFormerConfig's fields (transformers 4.47 defaults).
struct QFormerConfig {
  int64_t hidden_size = 768;
  int64_t num_hidden_layers = 12;
  int64_t num_attention_heads = 12;
  int64_t intermediate_size = 3072;
  std::string hidden_act = "gelu";
  double layer_norm_eps = 1e-12;
  int64_t cross_attention_frequency = 2;
  int64_t encoder_hidden_size = 1408;
  static QFormerConfig read(const ModelConfig& config);
};

class QFormer {
 public:
  // `prefix` holds `layernorm.*` and `encoder.layer.N.*` (e.g. "qformer").
  QFormer(WeightStore& weights, const std::string& prefix, const QFormerConfig& config);
  // queries [B, Q, hidden] (not yet normalised), encoder_states [B, S, encoder_hidden_size],
  // encoder_key_mask [B, S] (1 = attend) or undefined -> [B, Q, hidden] (last_hidden_state).
  // The hook sees each layer's output as stack "projector".
  at::Tensor forward(const at::Tensor& queries, const at::Tensor& encoder_states, const at::Tensor& encoder_key_mask,
                     const LayerHook* hook) const;
  const QFormerConfig& config() const { return config_; }

 private:
  struct Layer {
    nn::MultiHeadAttention self_attention, cross_attention;
    nn::LayerNorm self_output_norm, cross_output_norm, output_norm;
    nn::Linear intermediate, output;
    bool has_cross_attention = false;
  };
  QFormerConfig config_;
  nn::LayerNorm layernorm_;
  std::vector<Layer> layers_;
};

// Queries (`query_tokens` [1, Q, hidden]) through the Q-Former over each window of
// `window_size` encoder frames (0: the whole clip, one call), then `projection` to the LM
// width. A clip of L frames gives ceil(L / window) x Q rows (Q without windows).
class QFormerProjector : public Projector {
 public:
  struct Names {
    std::string query_tokens = "query_tokens";
    std::string qformer = "qformer";
    std::string projection = "language_projection";
  };
  QFormerProjector(WeightStore& weights, const Names& names, const QFormerConfig& config, int64_t num_queries,
                   int64_t output_width, int64_t window_size);
  EncodedAudio project(const EncodedAudio& encoded, const LayerHook* hook) const override;

 private:
  QFormer qformer_;
  at::Tensor query_tokens_;
  nn::Linear projection_;
  int64_t num_queries_, window_size_;
};

// The projector-only checkpoint of model_type "blip2_qformer_projector" (`num_query_tokens`,
// `output_hidden_size`, `qformer_config`, weights as in Blip2ForConditionalGeneration).
ModelParts build_blip2_qformer_projector(const ModelConfig& config, WeightStore& weights);

}  // namespace almkit
