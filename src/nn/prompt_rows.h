// The elementwise passes of a prompt or an encoder (hundreds of rows), around the bf16 products
// that go to oneDNN's AMX tiles (nn/linear.h): rounding rows to bf16, widening a bf16 product
// with its bias (and a residual), the SiLU gate, rotary positions and RMS norm. ATen's
// float <-> bf16 copies ran at ~1 ns a number here and took 11 % of a Qwen2-0.5B prefill, the
// scalar SiLU another 10 %, and every pass ran on one thread. These are AVX-512 where the CPU has
// it (plain C++ otherwise) and run over rows on ATen's OpenMP threads, the ones oneDNN's products
// use between them, so no second pool spins beside them. Results equal the plain formulas: the
// bf16 rounding and widening bit for bit (round to nearest even, as c10::BFloat16), the SiLU to a
// few float ulps (its exp is a polynomial), norm and rotation bit for bit with nn/row_kernels.h.
#pragma once

#include <cstdint>

namespace almkit::nn::prompt_rows {

// out[i] = x[i] rounded to bf16 (bits, round to nearest even; NaN -> 0x7fc0).
void round_to_bf16(const float* x, int64_t count, uint16_t* out);

// out[r, j] = residual[r, j] + (product[r, j] + bias[j]), product bf16 widened; bias and residual
// may be null (then left out). out may alias residual.
void widen_bf16(const uint16_t* product, int64_t rows, int64_t n, const float* bias, const float* residual,
                float* out);

// out[i] = silu(gate[i]) * up[i] = gate[i] / (1 + exp(-gate[i])) * up[i], float32.
void silu_times(const float* gate, const float* up, int64_t count, float* out);

// The same on bf16 products (widened), the result rounded to bf16: the gated MLP's input to its
// down projection, without a float32 copy of either product.
void silu_times_bf16(const uint16_t* gate, const uint16_t* up, int64_t count, uint16_t* out);

// out[r, j] = gelu(product[r, j] + bias[j]) rounded to bf16 (the erf form, as at::gelu; bias may be
// null): an encoder MLP's first product into its second without a float32 copy. The vector erf is
// Abramowitz and Stegun's 7.1.26 as ATen's AVX-512 gelu uses it (1.5e-7 absolute), the plain one
// std::erf.
void gelu_bf16(const uint16_t* product, int64_t rows, int64_t n, const float* bias, uint16_t* out);

// nn::rows::rms_norm and nn::rows::rotate_half (same results) over many rows, threaded.
void rms_norm(const float* x, int64_t rows, int64_t dim, const float* weight, float eps, float* out);
void rotate_half(float* x, int64_t rows, int64_t heads, int64_t head_dim, const float* cos, const float* sin);

}  // namespace almkit::nn::prompt_rows
