#include "nn/bf16_matvec_avx512.h"

#include <immintrin.h>

#include <cstring>

namespace almkit::nn {
namespace {

uint16_t round_to_bf16(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, 4);
  if ((bits & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((bits >> 16) | 0x40);  // quiet NaN
  bits += 0x7fffu + ((bits >> 16) & 1u);  // round to nearest, ties to even
  return static_cast<uint16_t>(bits >> 16);
}

float bf16_value(uint16_t v) {
  const uint32_t bits = static_cast<uint32_t>(v) << 16;
  float out;
  std::memcpy(&out, &bits, 4);
  return out;
}

#define ALMKIT_AVX512_BF16 __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512bf16")))

ALMKIT_AVX512_BF16 inline __m512 dot(__m512 acc, const uint16_t* x, __m512i w) {
  return _mm512_dpbf16_ps(acc, (__m512bh)_mm512_loadu_si512(x), (__m512bh)w);
}

ALMKIT_AVX512_BF16 inline __m512 dot_masked(__m512 acc, __mmask32 mask, const uint16_t* x, __m512i w) {
  return _mm512_dpbf16_ps(acc, (__m512bh)_mm512_maskz_loadu_epi16(mask, x), (__m512bh)w);
}

// One weight row against one row of x (high + low). The loop runs over the row's aligned
// 64-byte lines: `start` elements before the row (masked out) bring its first load to a line
// boundary, so no load straddles two lines; x is read at the same offsets (it is in L1).
ALMKIT_AVX512_BF16 float dot_row(const uint16_t* high, const uint16_t* low, const uint16_t* row, int64_t k) {
  const int64_t start = static_cast<int64_t>(reinterpret_cast<uintptr_t>(row) & 63) / 2;
  const uint16_t* w = row - start;
  const uint16_t* h = high - start;
  const uint16_t* l = low - start;
  const int64_t end = k + start;
  __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps(), a2 = _mm512_setzero_ps(), a3 = _mm512_setzero_ps();
  int64_t i = 0;
  if (start > 0) {  // the row's first, partial line (masked-out elements are never touched)
    const __mmask32 mask = static_cast<__mmask32>(end >= 32 ? ~0u << start : ((1u << end) - 1) & (~0u << start));
    const __m512i weights = _mm512_maskz_loadu_epi16(mask, w);
    a0 = dot_masked(a0, mask, h, weights);
    a1 = dot_masked(a1, mask, l, weights);
    i = 32;
  }
  for (; i + 64 <= end; i += 64) {  // two lines a pass: four independent accumulators
    const __m512i w0 = _mm512_loadu_si512(w + i), w1 = _mm512_loadu_si512(w + i + 32);
    a0 = dot(a0, h + i, w0);
    a1 = dot(a1, l + i, w0);
    a2 = dot(a2, h + i + 32, w1);
    a3 = dot(a3, l + i + 32, w1);
  }
  for (; i < end; i += 32) {
    const __mmask32 mask = static_cast<__mmask32>(end - i >= 32 ? ~0u : (1u << (end - i)) - 1);
    const __m512i weights = _mm512_maskz_loadu_epi16(mask, w + i);
    a0 = dot_masked(a0, mask, h + i, weights);
    a1 = dot_masked(a1, mask, l + i, weights);
  }
  return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)));
}

// Four weight rows a quarter of the range apart, one line of each per step: four streams keep
// more lines in flight than one (the hardware prefetcher follows each, and a stream waiting at a
// 4 KB page boundary does not stall the others): ~27 GB/s on one core here against ~22 for one
// stream (CPU-time rates, alternating runs). Needs rows that share their offset within a line
// (k * 2 a multiple of 64), so that one x load serves all four.
struct FourRows {
  __m512 high[4], low[4];  // accumulators: x's first and second bf16 terms against each row
};

// One 32-element block of the four rows at offset i, lanes outside `mask` read as zero.
ALMKIT_AVX512_BF16 inline void step(FourRows& acc, const uint16_t* h, const uint16_t* l, const uint16_t* const w[4],
                                    int64_t i, __mmask32 mask) {
  const __m512bh xh = (__m512bh)_mm512_maskz_loadu_epi16(mask, h + i);
  const __m512bh xl = (__m512bh)_mm512_maskz_loadu_epi16(mask, l + i);
#pragma GCC unroll 4
  for (int s = 0; s < 4; ++s) {
    const __m512bh v = (__m512bh)_mm512_maskz_loadu_epi16(mask, w[s] + i);
    acc.high[s] = _mm512_dpbf16_ps(acc.high[s], xh, v);
    acc.low[s] = _mm512_dpbf16_ps(acc.low[s], xl, v);
  }
}

ALMKIT_AVX512_BF16 void dot_four_rows(const uint16_t* high, const uint16_t* low, const uint16_t* const rows[4],
                                      int64_t k, float* const out[4]) {
  const int64_t start = static_cast<int64_t>(reinterpret_cast<uintptr_t>(rows[0]) & 63) / 2;
  const uint16_t* const w[4] = {rows[0] - start, rows[1] - start, rows[2] - start, rows[3] - start};
  const uint16_t* h = high - start;
  const uint16_t* l = low - start;
  const int64_t end = k + start;
  FourRows acc;
  for (int s = 0; s < 4; ++s) acc.high[s] = acc.low[s] = _mm512_setzero_ps();
  int64_t i = 0;
  if (start > 0) {
    step(acc, h, l, w, 0, static_cast<__mmask32>(end >= 32 ? ~0u << start : ((1u << end) - 1) & (~0u << start)));
    i = 32;
  }
  for (; i + 32 <= end; i += 32) step(acc, h, l, w, i, ~0u);
  if (i < end) step(acc, h, l, w, i, static_cast<__mmask32>((1u << (end - i)) - 1));
  for (int s = 0; s < 4; ++s) *out[s] = _mm512_reduce_add_ps(_mm512_add_ps(acc.high[s], acc.low[s]));
}

}  // namespace

void split_to_bf16_pairs(const float* x, int64_t count, uint16_t* high, uint16_t* low) {
  for (int64_t i = 0; i < count; ++i) {
    high[i] = round_to_bf16(x[i]);
    low[i] = round_to_bf16(x[i] - bf16_value(high[i]));
  }
}

ALMKIT_AVX512_BF16 void bf16_matvec_avx512(const uint16_t* high, const uint16_t* low, int64_t rows, int64_t k,
                                           const uint16_t* w, int64_t n_begin, int64_t n_end, int64_t n, float* y) {
  if (rows == 1 && (k * 2) % 64 == 0) {
    const int64_t quarter = (n_end - n_begin) / 4;
    for (int64_t j = n_begin; j < n_begin + quarter; ++j) {
      const uint16_t* const weight_rows[4] = {w + j * k, w + (j + quarter) * k, w + (j + 2 * quarter) * k,
                                              w + (j + 3 * quarter) * k};
      float* const out[4] = {y + j, y + j + quarter, y + j + 2 * quarter, y + j + 3 * quarter};
      dot_four_rows(high, low, weight_rows, k, out);
    }
    n_begin += 4 * quarter;
  }
  for (int64_t j = n_begin; j < n_end; ++j) {
    // rows after the first find this weight row in L1
    for (int64_t r = 0; r < rows; ++r) y[r * n + j] = dot_row(high + r * k, low + r * k, w + j * k, k);
  }
}

}  // namespace almkit::nn
