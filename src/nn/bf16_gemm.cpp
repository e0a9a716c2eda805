#include "nn/bf16_gemm.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <immintrin.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "almkit/error.h"
#include "core/cpu_features.h"
#include "core/spin_pool.h"

namespace almkit::nn {
namespace {

// A blocked product in the usual (GotoBLAS) shape, sized for this family of CPUs (32 KB L1d,
// 1 MB L2 per core):
// - the register tile is 12 rows of x (each a broadcast bf16 pair) by 32 output columns (two
//   vectors of 16 lanes, each lane one weight row's pair): 24 accumulators, and the output is
//   written a row vector at a time (masked at the edges), so blocks of k can add into it;
// - x is rounded (and split) once per call into panels of 12 rows, [pair][term][row];
// - k goes in blocks of kPairsPerBlock pairs (the 12-row panel's block, 12 KB, stays in L1 over
//   a row of tiles) and each thread packs its weight block (kBlockCols columns of that k block,
//   256 KB, in L2) into [32-column strip][pair][column] once, to be read by every panel.
// The weights are read as stored (bf16, [n, k]) and copied only into that per-call block.
constexpr int64_t kTileRows = 12;
constexpr int64_t kTileCols = 32;
constexpr int64_t kPairsPerBlock = 256;
constexpr int64_t kBlockCols = 256;

#define ALMKIT_AVX512_BF16 __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512bf16")))

// Rounds rows [row0, row0 + 12) of x to bf16 pairs (and, for two terms, the rounding of the
// remainder) into one panel: word [pair * terms * 12 + term * 12 + row]. Rows past m are zeros.
ALMKIT_AVX512_BF16 void pack_rows(const float* x, int64_t m, int64_t k, int64_t row0, int terms,
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
        const __m512 widened = _mm512_castsi512_ps(_mm512_slli_epi32(
            _mm512_cvtepu16_epi32(reinterpret_cast<const __m256i&>(rounded)), 16));
        const __m256bh remainder = _mm512_cvtneps_pbh(_mm512_sub_ps(value, widened));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(low.data() + i / 2),
                            reinterpret_cast<const __m256i&>(remainder));
      }
    }
    if (i < k) {  // tail of fewer than 16 (an even count): the same rounding on a masked load
      const __mmask16 mask = static_cast<__mmask16>((1u << (k - i)) - 1);
      const __m512 value = _mm512_maskz_loadu_ps(mask, source + i);
      const __m256bh rounded = _mm512_cvtneps_pbh(value);
      alignas(32) uint32_t words[8];
      _mm256_store_si256(reinterpret_cast<__m256i*>(words), reinterpret_cast<const __m256i&>(rounded));
      std::memcpy(high.data() + i / 2, words, (k - i) * 2);
      if (terms > 1) {
        const __m512 widened = _mm512_castsi512_ps(_mm512_slli_epi32(
            _mm512_cvtepu16_epi32(reinterpret_cast<const __m256i&>(rounded)), 16));
        const __m256bh remainder = _mm512_cvtneps_pbh(_mm512_sub_ps(value, widened));
        _mm256_store_si256(reinterpret_cast<__m256i*>(words), reinterpret_cast<const __m256i&>(remainder));
        std::memcpy(low.data() + i / 2, words, (k - i) * 2);
      }
    }
    for (int64_t p = 0; p < pairs; ++p) panel[p * stride + r] = high[p];
    if (terms > 1) {
      for (int64_t p = 0; p < pairs; ++p) panel[p * stride + kTileRows + r] = low[p];
    }
  }
}

// 16 rows of 16 words (rows[i] .. rows[i] + 15) written as 16 rows of 16, out[j * stride + i] =
// rows[i][j]: unpacks of 32 and 64 bits, then two shuffles of 128-bit lanes.
ALMKIT_AVX512_BF16 void transpose_16x16(const uint16_t* const* rows, uint32_t* out, int64_t stride) {
  __m512i r[16], t[16];
  for (int i = 0; i < 16; ++i) r[i] = _mm512_loadu_si512(rows[i]);
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_unpacklo_epi32(r[i], r[i + 1]);
    t[i + 1] = _mm512_unpackhi_epi32(r[i], r[i + 1]);
  }
  // r[4g + c], lane L: rows 4g .. 4g + 3 of word 4L + c
  for (int g = 0; g < 16; g += 4) {
    r[g] = _mm512_unpacklo_epi64(t[g], t[g + 2]);
    r[g + 1] = _mm512_unpackhi_epi64(t[g], t[g + 2]);
    r[g + 2] = _mm512_unpacklo_epi64(t[g + 1], t[g + 3]);
    r[g + 3] = _mm512_unpackhi_epi64(t[g + 1], t[g + 3]);
  }
  for (int c = 0; c < 4; ++c) {
    const __m512i even_a = _mm512_shuffle_i32x4(r[c], r[4 + c], 0x88);
    const __m512i even_b = _mm512_shuffle_i32x4(r[8 + c], r[12 + c], 0x88);
    const __m512i odd_a = _mm512_shuffle_i32x4(r[c], r[4 + c], 0xDD);
    const __m512i odd_b = _mm512_shuffle_i32x4(r[8 + c], r[12 + c], 0xDD);
    _mm512_storeu_si512(out + (0 + c) * stride, _mm512_shuffle_i32x4(even_a, even_b, 0x88));
    _mm512_storeu_si512(out + (8 + c) * stride, _mm512_shuffle_i32x4(even_a, even_b, 0xDD));
    _mm512_storeu_si512(out + (4 + c) * stride, _mm512_shuffle_i32x4(odd_a, odd_b, 0x88));
    _mm512_storeu_si512(out + (12 + c) * stride, _mm512_shuffle_i32x4(odd_a, odd_b, 0xDD));
  }
}

// Copies weight rows [col0, col0 + cols) x pairs [pair0, pair0 + pairs) into strips of 32
// columns, [strip][pair][column]; columns past `cols` are zeros. Whole groups of 16 columns x
// 16 pairs go through transpose_16x16, the ragged rest one word at a time.
ALMKIT_AVX512_BF16 void pack_weights(const uint16_t* w, int64_t k, int64_t col0, int64_t cols,
                                     int64_t pair0, int64_t pairs, uint32_t* block) {
  const int64_t strips = (cols + kTileCols - 1) / kTileCols, whole_pairs = pairs / 16 * 16;
  // a column's pairs (bf16 at any 2-byte alignment, so words are read with memcpy / loadu)
  const auto row_words = [&](int64_t col) { return w + (col0 + col) * k + 2 * pair0; };
  for (int64_t s = 0; s < strips; ++s) {
    uint32_t* strip = block + s * pairs * kTileCols;
    for (int64_t c0 = 0; c0 < kTileCols; c0 += 16) {
      const int64_t first = s * kTileCols + c0;
      int64_t done = 0;  // pairs already written for these 16 columns
      if (first + 16 <= cols) {
        const uint16_t* rows[16];
        for (int64_t p0 = 0; p0 < whole_pairs; p0 += 16) {
          for (int i = 0; i < 16; ++i) rows[i] = row_words(first + i) + 2 * p0;
          transpose_16x16(rows, strip + p0 * kTileCols + c0, kTileCols);
        }
        done = whole_pairs;
      }
      for (int64_t c = c0; c < c0 + 16; ++c) {
        const int64_t col = s * kTileCols + c;
        const uint16_t* row = col < cols ? row_words(col) : nullptr;
        for (int64_t p = done; p < pairs; ++p) {
          uint32_t word = 0;
          if (row) std::memcpy(&word, row + 2 * p, 4);
          strip[p * kTileCols + c] = word;
        }
      }
    }
  }
}

// One 12 x 32 tile over `pairs` pairs of k: y (rows < rows_valid, columns < cols_valid, row
// stride n) = the product (first block) or y + the product (later ones), plus bias on the last.
template <int kTerms>
ALMKIT_AVX512_BF16 void tile_kernel(const uint32_t* a, const uint32_t* b, int64_t pairs, float* y,
                                    int64_t n, int64_t rows_valid, int64_t cols_valid,
                                    bool accumulate, const float* bias) {
  __m512 acc[kTileRows][2];
  for (int r = 0; r < kTileRows; ++r) acc[r][0] = acc[r][1] = _mm512_setzero_ps();
  for (int64_t p = 0; p < pairs; ++p) {
    const __m512bh b0 = reinterpret_cast<__m512bh>(_mm512_loadu_si512(b + p * kTileCols));
    const __m512bh b1 = reinterpret_cast<__m512bh>(_mm512_loadu_si512(b + p * kTileCols + 16));
    const uint32_t* ap = a + p * kTileRows * kTerms;
#pragma GCC unroll 12
    for (int r = 0; r < kTileRows; ++r) {
      const __m512bh x = reinterpret_cast<__m512bh>(_mm512_set1_epi32(static_cast<int>(ap[r])));
      acc[r][0] = _mm512_dpbf16_ps(acc[r][0], x, b0);
      acc[r][1] = _mm512_dpbf16_ps(acc[r][1], x, b1);
      if (kTerms > 1) {
        const __m512bh x_low =
            reinterpret_cast<__m512bh>(_mm512_set1_epi32(static_cast<int>(ap[kTileRows + r])));
        acc[r][0] = _mm512_dpbf16_ps(acc[r][0], x_low, b0);
        acc[r][1] = _mm512_dpbf16_ps(acc[r][1], x_low, b1);
      }
    }
  }
  const __mmask16 mask0 = cols_valid >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << cols_valid) - 1);
  const __mmask16 mask1 = cols_valid >= 32   ? __mmask16(0xFFFF)
                          : cols_valid > 16 ? __mmask16((1u << (cols_valid - 16)) - 1)
                                            : __mmask16(0);
  __m512 bias0 = _mm512_setzero_ps(), bias1 = _mm512_setzero_ps();
  if (bias) {
    bias0 = _mm512_maskz_loadu_ps(mask0, bias);
    bias1 = _mm512_maskz_loadu_ps(mask1, bias + 16);
  }
  for (int64_t r = 0; r < rows_valid; ++r) {
    float* out = y + r * n;
    __m512 v0 = _mm512_add_ps(acc[r][0], bias0), v1 = _mm512_add_ps(acc[r][1], bias1);
    if (accumulate) {
      v0 = _mm512_add_ps(v0, _mm512_maskz_loadu_ps(mask0, out));
      v1 = _mm512_add_ps(v1, _mm512_maskz_loadu_ps(mask1, out + 16));
    }
    _mm512_mask_storeu_ps(out, mask0, v0);
    _mm512_mask_storeu_ps(out + 16, mask1, v1);
  }
}

}  // namespace

bool bf16_products_through_amx() {
  static const bool amx = [] {
    const char* choice = std::getenv("ALMKIT_BF16_GEMM");
    return cpu_features().amx_bf16 && !(choice && std::string(choice) == "almkit");
  }();
  return amx;
}

void bf16_gemm(const float* x, int64_t m, int64_t k, const uint16_t* w, int64_t n, float* y,
               const float* bias, Bf16Input input) {
  if (!cpu_features().avx512_bf16)
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
      pack_rows(x, m, k, q * kTileRows, terms, packed_data + q * panel_words, high, low);
  });
  // Chunks of columns (whole strips) go to whichever thread is free; each packs its weight
  // blocks into its own buffer.
  const int64_t block_words = kBlockCols * std::min(pairs, kPairsPerBlock);
  spin_parallel_for(
      n, threads, kTileCols,
      [&](int64_t begin, int64_t end) {
        thread_local std::vector<uint32_t> block;
        block.resize(block_words);
        for (int64_t col0 = begin; col0 < end; col0 += kBlockCols) {
          const int64_t cols = std::min(kBlockCols, end - col0);
          for (int64_t pair0 = 0; pair0 < pairs; pair0 += kPairsPerBlock) {
            const int64_t block_pairs = std::min(kPairsPerBlock, pairs - pair0);
            const bool first = pair0 == 0, last = pair0 + block_pairs == pairs;
            pack_weights(w, k, col0, cols, pair0, block_pairs, block.data());
            for (int64_t q = 0; q < panels; ++q) {
              const int64_t row0 = q * kTileRows, rows_valid = std::min(kTileRows, m - row0);
              const uint32_t* a = packed_data + q * panel_words + pair0 * kTileRows * terms;
              for (int64_t c = 0; c < cols; c += kTileCols) {
                const uint32_t* b = block.data() + (c / kTileCols) * block_pairs * kTileCols;
                float* out = y + row0 * n + col0 + c;
                const float* b_bias = bias && last ? bias + col0 + c : nullptr;
                const int64_t cols_valid = std::min(kTileCols, cols - c);
                if (terms > 1) {
                  tile_kernel<2>(a, b, block_pairs, out, n, rows_valid, cols_valid, !first, b_bias);
                } else {
                  tile_kernel<1>(a, b, block_pairs, out, n, rows_valid, cols_valid, !first, b_bias);
                }
              }
            }
          }
        }
      },
      4);
}

}  // namespace almkit::nn
