// The decode mat-vec of float32 weights (a few rows of x against W [N, K]), and what it shares
// with bf16_matvec (nn/linear.h): one loop, compiled for AVX-512 and for AVX2 + FMA
// (nn/f32_matvec_kernels.inc), that reads four weight rows a quarter of the range apart per step
// when decoding one row (four streams keep more lines in flight than one: OpenBLAS's sgemv reads
// one, with whatever core OPENBLAS_CORETYPE gave it); the output features are split over the
// compute threads by nn/matvec_dispatch.h. The same loop widens bf16 weights in registers for
// bf16_matvec's AVX2 kernel.
#pragma once

#include <cstdint>

#include "nn/matvec_dispatch.h"

namespace almkit::nn {

// kBest is the widest this CPU runs (ALMKIT_SIMD=avx2 / baseline caps it, core/simd_cap.h); tests
// and benchmarks name each one.
enum class F32Kernel { kBest, kScalar, kAvx2, kAvx512 };
// Whether this CPU runs `kernel` under ALMKIT_SIMD (kBest and kScalar run everywhere).
bool cpu_runs(F32Kernel kernel);
// What kBest is here. nn::linear leaves float32 products to BLAS when this is kScalar.
F32Kernel best_f32_kernel();
const char* kernel_name(F32Kernel kernel);

// y [rows, n] = x [rows, k] w^T (+ bias [n] when not null), all float32 and contiguous, w [n, k]
// at any alignment. Each weight row is read from memory once for all rows of x. Exposed for
// tests and benchmarks; a kernel this CPU does not run throws kUnsupported.
void f32_matvec(const float* x, int64_t rows, int64_t k, const float* w, int64_t n, float* y,
                const float* bias = nullptr, F32Kernel kernel = F32Kernel::kBest);
// The same as one share of a dispatch (nn/matvec_dispatch.h), for products of the same x run
// together; x, w, y and bias must outlive the dispatch.
MatvecShare f32_matvec_share(const float* x, int64_t rows, int64_t k, const float* w, int64_t n,
                             float* y, const float* bias = nullptr,
                             F32Kernel kernel = F32Kernel::kBest);

// bf16_matvec's AVX2 + FMA kernel: output features [n_begin, n_end) of y [rows, n] from x
// [rows, k] float32 and bf16 w [n, k], the weights widened in registers. Needs AVX2 and FMA.
void bf16_matvec_avx2(const float* x, int64_t rows, int64_t k, const uint16_t* w, int64_t n_begin,
                      int64_t n_end, int64_t n, float* y);

}  // namespace almkit::nn
