#include "nn/bf16_gemm.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <immintrin.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "almkit/error.h"
#include "core/simd_cap.h"
#include "core/spin_pool.h"

namespace almkit::nn {
namespace {

// The register tile: 32 rows of x (two vectors of 16 lanes) by 12 weight rows (broadcast pairs),
// 24 accumulators of the 32 vector registers. Each step over a pair of k reads 2 (or 4, split)
// vectors of x and 12 four-byte weight pairs for 24 (or 48) vdpbf16ps.
constexpr int64_t kTileRows = 32;
constexpr int64_t kTileCols = 12;

#define ALMKIT_AVX512_BF16 __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512bf16")))

// Packs rows [row0, row0 + 32) of x into one panel: for each pair of k, `terms` groups of 32
// 32-bit words (a row's two bf16 of that pair), first the rounded x, then the remainders. Rows
// past m are zeros.
ALMKIT_AVX512_BF16 void pack_panel(const float* x, int64_t m, int64_t k, int64_t row0, int terms,
                                   uint32_t* panel, std::vector<uint32_t>& high,
                                   std::vector<uint32_t>& low) {
  const int64_t pairs = k / 2, stride = kTileRows * terms;
  high.resize(pairs + 16);
  low.resize(pairs + 16);
  for (int64_t r = 0; r < kTileRows; ++r) {
    const int64_t row = row0 + r;
    if (row >= m) {
      for (int64_t p = 0; p < pairs; ++p) {
        for (int t = 0; t < terms; ++t) panel[p * stride + t * kTileRows + r] = 0;
      }
      continue;
    }
    const float* source = x + row * k;
    int64_t i = 0;
    for (; i + 16 <= k; i += 16) {
      const __m512 value = _mm512_loadu_ps(source + i);
      const __m256bh rounded = _mm512_cvtneps_pbh(value);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(high.data() + i / 2),
                          reinterpret_cast<const __m256i&>(rounded));
      if (terms > 1) {
        const __m512 widened = _mm512_castsi512_ps(_mm512_maskz_slli_epi32(
            0xFFFF, _mm512_maskz_cvtepu16_epi32(0xFFFF, reinterpret_cast<const __m256i&>(rounded)),
            16));
        const __m256bh remainder = _mm512_cvtneps_pbh(_mm512_sub_ps(value, widened));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(low.data() + i / 2),
                            reinterpret_cast<const __m256i&>(remainder));
      }
    }
    for (; i < k; ++i) {  // tail of fewer than 16: same rounding, one value at a time
      const __m512 value = _mm512_set1_ps(source[i]);
      const __m256bh rounded = _mm512_cvtneps_pbh(value);
      const uint16_t bits =
          static_cast<uint16_t>(_mm256_extract_epi16(reinterpret_cast<const __m256i&>(rounded), 0));
      reinterpret_cast<uint16_t*>(high.data())[i] = bits;
      if (terms > 1) {
        float widened;
        const uint32_t wide_bits = uint32_t{bits} << 16;
        std::memcpy(&widened, &wide_bits, 4);
        const __m256bh remainder = _mm512_cvtneps_pbh(_mm512_set1_ps(source[i] - widened));
        reinterpret_cast<uint16_t*>(low.data())[i] = static_cast<uint16_t>(
            _mm256_extract_epi16(reinterpret_cast<const __m256i&>(remainder), 0));
      }
    }
    for (int64_t p = 0; p < pairs; ++p) panel[p * stride + r] = high[p];
    if (terms > 1) {
      for (int64_t p = 0; p < pairs; ++p) panel[p * stride + kTileRows + r] = low[p];
    }
  }
}

// One 32 x 12 tile over the whole of k, written to y transposed back to rows (rows < rows_valid,
// columns < cols_valid), bias added.
template <int kTerms>
ALMKIT_AVX512_BF16 void tile_kernel(const uint32_t* panel, int64_t pairs,
                                    const uint16_t* const* weight_rows, float* y, int64_t n,
                                    int64_t rows_valid, int64_t cols_valid, const float* bias) {
  __m512 acc[kTileCols][2];
  for (int j = 0; j < kTileCols; ++j) acc[j][0] = acc[j][1] = _mm512_setzero_ps();
  const uint16_t* w[kTileCols];
  for (int j = 0; j < kTileCols; ++j) w[j] = weight_rows[j];
  for (int64_t p = 0; p < pairs; ++p) {
    const uint32_t* a = panel + p * kTileRows * kTerms;
    const __m512bh a0 = reinterpret_cast<__m512bh>(_mm512_loadu_si512(a));
    const __m512bh a1 = reinterpret_cast<__m512bh>(_mm512_loadu_si512(a + 16));
    __m512bh a2, a3;
    if (kTerms > 1) {
      a2 = reinterpret_cast<__m512bh>(_mm512_loadu_si512(a + 32));
      a3 = reinterpret_cast<__m512bh>(_mm512_loadu_si512(a + 48));
    }
#pragma GCC unroll 12
    for (int j = 0; j < kTileCols; ++j) {
      uint32_t pair;
      std::memcpy(&pair, w[j] + 2 * p, 4);
      const __m512bh b = reinterpret_cast<__m512bh>(_mm512_set1_epi32(static_cast<int>(pair)));
      acc[j][0] = _mm512_dpbf16_ps(acc[j][0], a0, b);
      acc[j][1] = _mm512_dpbf16_ps(acc[j][1], a1, b);
      if (kTerms > 1) {
        acc[j][0] = _mm512_dpbf16_ps(acc[j][0], a2, b);
        acc[j][1] = _mm512_dpbf16_ps(acc[j][1], a3, b);
      }
    }
  }
  alignas(64) float tile[kTileCols][kTileRows];
  for (int j = 0; j < kTileCols; ++j) {
    _mm512_store_ps(tile[j], acc[j][0]);
    _mm512_store_ps(tile[j] + 16, acc[j][1]);
  }
  for (int64_t r = 0; r < rows_valid; ++r) {
    float* out = y + r * n;
    for (int64_t j = 0; j < cols_valid; ++j) out[j] = tile[j][r] + (bias ? bias[j] : 0.f);
  }
}

bool detect_avx512_bf16() {
  // ALMKIT_SIMD=avx2 or baseline: run as a CPU without these instructions (to test or compare
  // the paths such CPUs take), as the front end's and attention's kernels do
  if (simd_cap() != SimdCap::kNone) return false;
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
         __builtin_cpu_supports("avx512bf16");
}

}  // namespace

bool cpu_has_avx512_bf16() {
  static const bool supported = detect_avx512_bf16();
  return supported;
}

void bf16_gemm(const float* x, int64_t m, int64_t k, const uint16_t* w, int64_t n, float* y,
               const float* bias, Bf16Input input) {
  if (!cpu_has_avx512_bf16())
    throw Error(ErrorCode::kUnsupported, "bf16_gemm needs a CPU with AVX512-BF16");
  if (k % 2 != 0)
    throw Error(ErrorCode::kInvalidArgument, "bf16_gemm needs an even k, got " + std::to_string(k));
  if (m <= 0 || n <= 0) return;
  const int terms = input == Bf16Input::kSplit ? 2 : 1;
  const int64_t pairs = k / 2, panels = (m + kTileRows - 1) / kTileRows;
  const int64_t panel_words = pairs * kTileRows * terms;
  // through libtorch's CPU allocator, so the caching one keeps this buffer between calls
  at::Tensor packed = at::empty({panels * panel_words}, at::TensorOptions().dtype(at::kInt));
  uint32_t* packed_data = reinterpret_cast<uint32_t*>(packed.data_ptr<int32_t>());
  const int threads = at::in_parallel_region() ? 1 : at::get_num_threads();
  spin_parallel_for(panels, threads, 1, [&](int64_t begin, int64_t end) {
    std::vector<uint32_t> high, low;
    for (int64_t q = begin; q < end; ++q)
      pack_panel(x, m, k, q * kTileRows, terms, packed_data + q * panel_words, high, low);
  });
  // Each chunk of weight rows (~256 KB) stays in L2 while every panel passes over it.
  const int64_t chunk_rows =
      std::max<int64_t>(kTileCols, (256 << 10) / (2 * k) / kTileCols * kTileCols);
  const int chunks_per_part =
      static_cast<int>(std::clamp<int64_t>(n / std::max(1, threads) / chunk_rows, 1, 64));
  spin_parallel_for(
      n, threads, kTileCols,
      [&](int64_t begin, int64_t end) {
        const uint16_t* rows[kTileCols];
        for (int64_t q = 0; q < panels; ++q) {
          const int64_t row0 = q * kTileRows, rows_valid = std::min(kTileRows, m - row0);
          for (int64_t col0 = begin; col0 < end; col0 += kTileCols) {
            const int64_t cols_valid = std::min(kTileCols, end - col0);
            // a partial tile repeats its last weight row in the unused columns (computed, not
            // written)
            for (int64_t j = 0; j < kTileCols; ++j)
              rows[j] = w + (col0 + std::min(j, cols_valid - 1)) * k;
            float* out = y + row0 * n + col0;
            const float* b = bias ? bias + col0 : nullptr;
            if (terms > 1) {
              tile_kernel<2>(packed_data + q * panel_words, pairs, rows, out, n, rows_valid,
                             cols_valid, b);
            } else {
              tile_kernel<1>(packed_data + q * panel_words, pairs, rows, out, n, rows_valid,
                             cols_valid, b);
            }
          }
        }
      },
      chunks_per_part);
}

}  // namespace almkit::nn
