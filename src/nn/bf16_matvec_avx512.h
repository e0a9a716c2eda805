// The decode mat-vec (a few rows of x against bf16 weights) with AVX512-BF16's vdpbf16ps. One
// instruction multiplies 32 bf16 pairs, so a 64-byte line of weights costs a load and two
// dot-products (the AVX2 kernel: four widening loads, shifts and FMAs). For one row of x it reads
// four weight rows a quarter of the range apart per step, which is what brings one core to its
// read bandwidth (four streams: ~27 GB/s here, one stream ~22). x keeps ~16 bits: each value is
// the sum of two bf16 terms (its rounding and the rounding of the rest), as bf16_gemm's kSplit.
#pragma once

#include <cstdint>

namespace almkit::nn {

// x[i] ~= high[i] + low[i] (bf16 bit patterns): high = x rounded to nearest even, low = the
// remainder rounded. Plain C++, any CPU.
void split_to_bf16_pairs(const float* x, int64_t count, uint16_t* high, uint16_t* low);

// y[r, j] = sum_i (high[r, i] + low[r, i]) * w[j, i] for output features j in [n_begin, n_end)
// of y [rows, n]; high / low [rows, k] from split_to_bf16_pairs, w [n, k] bf16 (any alignment:
// each weight row is read in aligned 64-byte lines, its ragged ends with masked loads; four rows
// at a time when rows == 1 and k * 2 is a multiple of 64). Each weight row is read from memory
// once for all rows of x. Needs a CPU with AVX512-BF16.
void bf16_matvec_avx512(const uint16_t* high, const uint16_t* low, int64_t rows, int64_t k, const uint16_t* w,
                        int64_t n_begin, int64_t n_end, int64_t n, float* y);

}  // namespace almkit::nn
