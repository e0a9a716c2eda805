// The decode mat-vec of float32 weights (a few rows of x against W [N, K]), and what it shares
// with bf16_matvec (nn/linear.h): one loop, compiled for AVX-512 and for AVX2 + FMA
// (nn/f32_matvec_kernels.inc), that reads four weight rows a quarter of the range apart per step
// when decoding one row (four streams keep more lines in flight than one: OpenBLAS's sgemv reads
// one, with whatever core OPENBLAS_CORETYPE gave it), and the split of the output features over
// the compute threads (spin_parallel_for). The same loop widens bf16 weights in registers for
// bf16_matvec's AVX2 kernel.
#pragma once

#include <cstdint>
#include <functional>

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

// bf16_matvec's AVX2 + FMA kernel: output features [n_begin, n_end) of y [rows, n] from x
// [rows, k] float32 and bf16 w [n, k], the weights widened in registers. Needs AVX2 and FMA.
void bf16_matvec_avx2(const float* x, int64_t rows, int64_t k, const uint16_t* w, int64_t n_begin,
                      int64_t n_end, int64_t n, float* y);

// The threading of a decode mat-vec: kernel(begin, end) fills output features [begin, end) of
// y [rows, n] for every row, then bias[begin, end) is added (when not null); the features are cut
// into chunks of ~128 KB of weights (weight_bytes in all) that the compute threads claim. One
// thread inside a parallel region or for fewer than 128 features.
void split_matvec(int64_t rows, int64_t n, int64_t weight_bytes, float* y, const float* bias,
                  const std::function<void(int64_t, int64_t)>& kernel);

}  // namespace almkit::nn
