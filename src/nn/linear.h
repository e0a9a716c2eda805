// y = x W^T + b for every weight matrix of every architecture. bfloat16 weights on a CPU take
// almkit's own kernels: libtorch 1.13 has a fast bf16 matmul only through oneDNN on AVX-512
// CPUs and otherwise runs ~1 GFLOP/s, while decoding is bound by reading the weights, which a
// bf16 -> fp32 AVX2 kernel does at memory speed with half the bytes of fp32.
#pragma once

#include <ATen/ATen.h>

#include <vector>

namespace almkit::nn {

// The most rows of x a decode step's mat-vec kernels take; more are a prompt's or an encoder's,
// a real GEMM (compute-bound) with its own passes around it (nn/amx_route.h, nn/prompt_rows.h).
constexpr int64_t kMatvecRowLimit = 16;

// x [..., K] (any float dtype), weight [N, K], bias [N] or undefined. float32 weights: up to 16
// contiguous float32 rows of x take f32_matvec (nn/f32_matvec.h) on a CPU with AVX2 or AVX-512
// when autograd does not track them; otherwise one row goes to BLAS's gemv (libtorch would use
// gemm, which copies the weights first) and more to at::linear. bf16 weights: up to 16 rows take
// bf16_matvec (x in fp32); more rows take bf16_gemm (nn/bf16_gemm.h) on CPUs with AVX512-BF16,
// x rounded to bf16 there, and elsewhere bf16_linear_widened_panels.
at::Tensor linear(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias = at::Tensor());

// A weight and its bias (undefined: none), as linear() takes them.
struct LinearWeights {
  const at::Tensor& weight;
  const at::Tensor& bias;
};
// linear(x, weight, bias) for each product, bit for bit. When every one takes the decode kernels
// (a few float32 rows, no autograd; f32_matvec or bf16_matvec) they run as one dispatch over all
// their output features, one pool join for them all (nn/matvec_dispatch.h), x split into bf16
// pairs once; otherwise each product runs alone.
std::vector<at::Tensor> linear_same_input(const at::Tensor& x,
                                          const std::vector<LinearWeights>& products);

// y = x w^T + bias for a prompt's rows on a CPU without AVX512-BF16: w (bf16 [N, K]) is widened
// to fp32 a panel of >= 256 rows (~8 MB or more) at a time and each panel multiplied by BLAS into its columns of y, so
// the product runs at fp32 GEMM speed without writing (and reading back) a whole fp32 copy of
// the weights on every call. x [M, K] float32; bias fp32 [N] or undefined. Exposed for tests.
at::Tensor bf16_linear_widened_panels(const at::Tensor& x, const at::Tensor& w, const at::Tensor& bias);

// The kernels of bf16_matvec: kBest is the fastest this CPU runs (AVX512-BF16's vdpbf16ps, x
// kept as two bf16 terms (nn/bf16_matvec_avx512.h); else AVX2 + FMA widening the weights; else
// plain C++; ALMKIT_SIMD=avx2 / baseline caps the choice). Tests name each one, so that every
// kernel is checked on whatever CPU runs them.
enum class Bf16Kernel { kBest, kScalar, kAvx2, kAvx512Bf16 };
// Whether this CPU runs `kernel` (kBest and kScalar run everywhere).
bool cpu_runs(Bf16Kernel kernel);

// The CPU kernel behind linear() for bf16 weights and up to a few rows: y [M, N] float32 from
// x [M, K] float32 and w [N, K] bfloat16 (both contiguous), plus bias [N] when not null.
// Exposed for tests and benchmarks; a kernel this CPU does not run throws kUnsupported.
void bf16_matvec(const float* x, int64_t rows, int64_t k, const uint16_t* w, int64_t n, float* y,
                 const float* bias = nullptr, Bf16Kernel kernel = Bf16Kernel::kBest);

}  // namespace almkit::nn
