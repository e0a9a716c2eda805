// Multi-head attention with grouped-query heads, optional rotary positions and a KV cache;
// used as self-attention and as cross-attention by every architecture.
#pragma once

#include <ATen/ATen.h>

#include <functional>
#include <string>

#include "nn/kv_cache.h"
#include "nn/layers.h"
#include "nn/rope.h"

namespace almkit::nn {

struct AttentionShape {
  int64_t hidden = 0;
  int64_t num_heads = 0;
  int64_t num_kv_heads = 0;
  int64_t head_dim = 0;
  bool query_bias = true, key_bias = true, value_bias = true, output_bias = true;
  // Module names under the attention's prefix (transformers' own: BERT-style Q-Formers use
  // "attention.query" ... "output.dense").
  std::string query_name = "q_proj", key_name = "k_proj", value_name = "v_proj";
  std::string output_name = "o_proj";  // Whisper: "out_proj"
  int64_t context_width = 0;  // width keys / values are computed from; 0: hidden (self-attention)
  double scale = 0.0;  // multiplies q.k; 0: 1/sqrt(head_dim) (Granite sets attention_multiplier)
  double softmax_scale() const;
};

// Sees, and may replace in place, every head's output before the output projection:
// [B, T, heads, head_dim] (head ablation, per-head read-outs). Runs on every attention path.
using HeadHook = std::function<void(at::Tensor& per_head)>;

class MultiHeadAttention {
 public:
  static MultiHeadAttention load(WeightStore& weights, const std::string& prefix,
                                 const AttentionShape& shape);

  // x [B, T, hidden]. `mask` is additive, broadcastable to [B, 1, T, S] (undefined: none).
  // Self-attention appends to `cache` when given; `rope` with cos/sin rotates q and k.
  // `probabilities`, when non-null, receives the attention weights [B, heads, T, S];
  // `head_hook`, when non-null and set, sees the heads' outputs before o_proj.
  at::Tensor self_attention(const at::Tensor& x, const at::Tensor& mask, KeyValue* cache,
                            const at::Tensor& cos, const at::Tensor& sin,
                            at::Tensor* probabilities = nullptr, const HeadHook* head_hook = nullptr) const;
  // Attends from x to `context` [B, S, context width]; keys/values cached in `cache` once
  // computed. `mask` is additive, broadcastable to [B, 1, T, S] (undefined: every key).
  at::Tensor cross_attention(const at::Tensor& x, const at::Tensor& context, KeyValue* cache,
                             at::Tensor* probabilities = nullptr, const at::Tensor& mask = at::Tensor()) const;

 private:
  at::Tensor split_heads(const at::Tensor& x, int64_t heads) const;
  // One new position per sequence in float32 on a CPU: row kernels instead of ~40 ATen ops.
  bool can_decode_step(const at::Tensor& x, const at::Tensor& mask, const KeyValue* cache,
                       const at::Tensor& cos, at::Tensor* probabilities) const;
  at::Tensor decode_step(const at::Tensor& x, const at::Tensor& mask, KeyValue& cache, const at::Tensor& cos,
                         const at::Tensor& sin, const HeadHook* head_hook) const;
  at::Tensor attend(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                    const at::Tensor& mask, at::Tensor* probabilities, const HeadHook* head_hook = nullptr) const;
  // [B, T, heads * head_dim] -> o_proj, the head hook seeing it as [B, T, heads, head_dim] first.
  at::Tensor output_projection(const at::Tensor& heads_flat, const HeadHook* head_hook) const;
  AttentionShape shape_;
  Linear q_proj_, k_proj_, v_proj_, o_proj_;
};

// Additive causal mask [B, 1, T, past + T] that also hides padded keys
// (attention_mask [B, past + T], 1 = real); masked entries hold the dtype's lowest value.
at::Tensor causal_mask(const at::Tensor& attention_mask, int64_t query_length, at::ScalarType dtype,
                       int64_t sliding_window = 0);
// Additive mask [B, 1, 1, S] hiding keys where key_mask is 0.
at::Tensor padding_mask(const at::Tensor& key_mask, at::ScalarType dtype);

}  // namespace almkit::nn
