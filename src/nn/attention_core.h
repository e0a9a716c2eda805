// The heart of attention, softmax(q k^T * scale + mask) v, without the projections: ATen's
// matmul / softmax, or the fused, blocked loop of nn/flash_attention.h for prompts and encoders.
#pragma once

#include <ATen/Tensor.h>

namespace almkit::nn {

// Which loop computes softmax(q k^T * scale + mask) v. kAuto: the fused, blocked loop of
// nn/flash_attention.h for float32 CPU tensors of at least kFusedMinQueries queries (prompts,
// encoders) when no attention weights or gradients are asked for, else ATen's matmul / softmax.
// kComposite and kFused force one (kFused still falls back where the fused loop cannot run).
enum class AttentionCore { kAuto, kComposite, kFused };
constexpr int64_t kFusedMinQueries = 32;

// q [B, heads, T, D], k / v [B, kv_heads, S, D] (heads a multiple of kv_heads), `mask` additive,
// broadcastable to [B, 1, T, S] (undefined: none). Returns [B, T, heads * D], the output
// projection's input; `probabilities`, when non-null, receives the weights [B, heads, T, S].
// bf16_products: the model's weights are bf16, so the fused loop may multiply in bf16
// (FlashAttentionProblem::bf16_products).
at::Tensor attention_core(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                          const at::Tensor& mask, double scale, at::Tensor* probabilities = nullptr,
                          AttentionCore core = AttentionCore::kAuto, bool bf16_products = false);

}  // namespace almkit::nn
