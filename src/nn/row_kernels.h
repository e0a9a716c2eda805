// Plain loops for the small per-layer steps of decoding (a few rows of float32 activations):
// an RMS norm, rotary positions, gated activations, one-query attention. As ATen ops each of
// these is 5-12 dispatches of a few microseconds on 896 numbers; a Qwen2-0.5B decode step issued
// ~1,800 of them, 10-12 ms per token next to 42 ms of reading weights on 2 threads. Callers in
// nn/ use them when activations are float32 on the CPU and fall back to ATen otherwise, so the
// results agree with the ATen path to float rounding (summation order), not bit for bit.
#pragma once

#include <cstdint>

namespace almkit::nn::rows {

// out[r, :] = weight * x[r, :] / sqrt(mean(x[r, :]^2) + eps); x and out may alias.
void rms_norm(const float* x, int64_t rows, int64_t dim, const float* weight, float eps, float* out);

// Rotate-half RoPE in place on x [rows, heads, head_dim] (rows = batch x positions, heads
// contiguous within a row), with cos / sin [rows, head_dim] shared by the heads of a row.
void rotate_half(float* x, int64_t rows, int64_t heads, int64_t head_dim, const float* cos, const float* sin);

// out[i] = silu(gate[i]) * up[i]
void silu_times(const float* gate, const float* up, int64_t count, float* out);

// One query per sequence attending to S cached keys: q [heads, head_dim] for one sequence,
// keys / values of kv_heads = heads / groups heads, each S x head_dim rows `key_stride` /
// `value_stride` floats apart per head (a view into a larger cache buffer); mask [S] additive
// (nullptr: none). out [heads, head_dim]. `scores` is scratch of at least S floats.
struct OneQueryAttention {
  int64_t heads, kv_heads, head_dim, keys;
  int64_t key_head_stride, value_head_stride;  // floats between consecutive heads' first keys
  float scale;
};
void attend_one_query(const OneQueryAttention& shape, const float* q, const float* k, const float* v,
                      const float* mask, float* scores, float* out);

}  // namespace almkit::nn::rows
