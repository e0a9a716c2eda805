// Prompt-sized products with bfloat16 weights on CPUs with AVX512-BF16 (`vdpbf16ps`): the
// weights are read as they are stored, never widened to fp32, and the activations are packed once
// per call into bf16 panels. Products of a few rows (decoding) stay with bf16_matvec in linear.h.
#pragma once

#include <cstdint>

namespace almkit::nn {

// How x enters the bf16 dot products. kSplit writes each x as the sum of two bf16 values (its
// rounding and the rounding of the remainder), so the product keeps ~16 bits of x, about what
// an fp32 GEMM of the same bf16 weights gives, for twice the arithmetic. kRoundInput rounds x to
// bf16 as a bf16 model in transformers does (half the work, ~3 significant digits).
enum class Bf16Input { kSplit, kRoundInput };

// Whether prompt-sized bf16 products should go to libtorch's oneDNN instead of bf16_gemm: a CPU
// with AMX-BF16 tiles that the OS manages (oneDNN runs them there, ~3.5x bf16_gemm's vdpbf16ps
// on a Sapphire Rapids core). False under ALMKIT_SIMD caps and with ALMKIT_BF16_GEMM=almkit
// (bf16_gemm everywhere, for comparisons).
bool bf16_products_through_amx();

// y [m, n] float32 = x [m, k] float32 times w [n, k] bfloat16 transposed, plus bias [n] when not
// null; x, w and y contiguous, k even. Splits n over the compute threads. Throws kUnsupported
// unless cpu_features().avx512_bf16 (core/cpu_features.h; false under ALMKIT_SIMD=avx2 or
// baseline) and kInvalidArgument for an odd k.
void bf16_gemm(const float* x, int64_t m, int64_t k, const uint16_t* w, int64_t n, float* y,
               const float* bias = nullptr, Bf16Input input = Bf16Input::kSplit);

}  // namespace almkit::nn
