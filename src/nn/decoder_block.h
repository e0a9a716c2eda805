// The pre-norm transformer block of decoder-only language models (Llama, Qwen2, Mistral,
// Granite, ...): norm -> self-attention (grouped-query, rotary) -> residual, norm -> gated MLP
// -> residual. Weight names are the transformers ones every such family shares
// (`input_layernorm`, `self_attn.{q,k,v,o}_proj`, `post_attention_layernorm`,
// `mlp.{gate,up,down}_proj`); what differs between families is in the shape.
#pragma once

#include <ATen/ATen.h>

#include <string>

#include "nn/attention.h"
#include "nn/layers.h"

namespace almkit::nn {

struct DecoderBlockShape {
  int64_t hidden = 0;
  int64_t intermediate = 0;
  AttentionShape attention;        // heads, KV heads, head_dim, biases, score scale
  bool layer_norm = false;         // false: RMSNorm (weight only); true: LayerNorm (weight, bias)
  double norm_eps = 1e-6;
  std::string activation = "silu";  // of the gate: silu (SwiGLU), gelu / gelu_pytorch_tanh (GeGLU)
  bool mlp_bias = false;
  double residual_multiplier = 1.0;  // Granite scales both residual branches
};

class DecoderBlock {
 public:
  static DecoderBlock load(WeightStore& weights, const std::string& prefix, const DecoderBlockShape& shape);
  // h [B, T, hidden]; `mask` additive [B, 1, T, S]; cos/sin from Rope (undefined: no rotation).
  // Appends this pass's keys and values to `cache`; `probabilities` receives the attention
  // weights when non-null; `head_hook` sees the heads' outputs before o_proj.
  at::Tensor forward(const at::Tensor& h, const at::Tensor& mask, KeyValue* cache, const at::Tensor& cos,
                     const at::Tensor& sin, at::Tensor* probabilities, const HeadHook* head_hook = nullptr) const;

 private:
  at::Tensor norm(const at::Tensor& x, bool post_attention) const;
  DecoderBlockShape shape_;
  RmsNorm input_rms_, post_attention_rms_;
  LayerNorm input_layer_norm_, post_attention_layer_norm_;
  MultiHeadAttention self_attn_;
  Linear gate_proj_, up_proj_, down_proj_;
};

}  // namespace almkit::nn
