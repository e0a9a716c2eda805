// flash_attention.h: the shared steps (packing keys, classifying mask blocks, dispatch) in plain
// C++, and the blocked loop of flash_attention_kernels.inc compiled for each instruction set. As
// in features/simd_kernels_avx2.cpp every header comes before the target pragmas, so no inline
// function shared with other files gets an AVX body.
#include "nn/flash_attention.h"

#include <immintrin.h>
#if defined(__linux__)
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "almkit/error.h"
#include "core/cpu_features.h"
#include "core/spin_pool.h"
#include "nn/bf16_gemm.h"

namespace almkit::nn {
namespace {

// 64 queries x 128 keys: the block's scores (32 KB) and a 64 x head_dim query and output block
// stay in L1 / L2 while a head's keys and values (1,500 x 64 x 8 B = 768 KB) stay in L2.
constexpr int64_t kBlockQueries = 64;
constexpr int64_t kBlockKeys = 128;
// What a (query block, key block) pair needs, from the mask.
constexpr uint8_t kSkipBlock = 0;    // every key hidden from every query: nothing to add
constexpr uint8_t kMaskedBlock = 1;  // add the mask
constexpr uint8_t kPlainBlock = 2;   // mask all zero (or none): scores as they are

struct BlockLayout {
  int64_t query_blocks = 0, key_blocks = 0;
  float* packed_keys = nullptr;    // [batch, kv_heads, key_blocks, head_dim, kBlockKeys]
  uint8_t* block_flags = nullptr;  // [batch, query_blocks, key_blocks]
  uint8_t* hidden_rows = nullptr;  // [batch, queries]: 1 where the query sees no key
};

BlockLayout layout_of(const FlashAttentionProblem& pr, float* workspace) {
  BlockLayout layout;
  layout.query_blocks = (pr.queries + kBlockQueries - 1) / kBlockQueries;
  layout.key_blocks = (pr.keys + kBlockKeys - 1) / kBlockKeys;
  layout.packed_keys = workspace;
  layout.block_flags = reinterpret_cast<uint8_t*>(
      workspace + pr.batch * pr.kv_heads * layout.key_blocks * pr.head_dim * kBlockKeys);
  layout.hidden_rows = layout.block_flags + pr.batch * layout.query_blocks * layout.key_blocks;
  return layout;
}

// Per-thread scratch of the blocked loop, kept between calls (a few hundred KB at most).
float* thread_scratch(int64_t floats) {
  thread_local std::vector<float> scratch;
  if (static_cast<int64_t>(scratch.size()) < floats) scratch.resize(static_cast<size_t>(floats));
  return scratch.data();
}

// out[i] = the mean of rows[j][i] over j < count: softmax over equal scores, what the reference
// gives a query whose every key is hidden by the dtype's lowest value.
void mean_of_rows(const float* rows, int64_t stride, int64_t count, int64_t d, float* out) {
  std::vector<double> sum(static_cast<size_t>(d), 0.0);
  for (int64_t j = 0; j < count; ++j) {
    for (int64_t i = 0; i < d; ++i) sum[i] += rows[j * stride + i];
  }
  for (int64_t i = 0; i < d; ++i) out[i] = static_cast<float>(sum[i] / static_cast<double>(count));
}

// Keys of (sequence, kv head, key block) `item` transposed into head_dim rows of kBlockKeys,
// zero past the last key, so the score kernel reads whole vectors of keys.
void pack_key_block(const FlashAttentionProblem& pr, const BlockLayout& layout, int64_t item) {
  const int64_t kb = item % layout.key_blocks, kvh = item / layout.key_blocks % pr.kv_heads;
  const int64_t b = item / layout.key_blocks / pr.kv_heads, d = pr.head_dim;
  const int64_t k0 = kb * kBlockKeys, keys = std::min(kBlockKeys, pr.keys - k0);
  const float* src = pr.k + b * pr.k_batch_stride + kvh * pr.k_head_stride + k0 * pr.k_row_stride;
  float* dst = layout.packed_keys + item * d * kBlockKeys;
  for (int64_t j = 0; j < keys; ++j) {
    for (int64_t i = 0; i < d; ++i) dst[i * kBlockKeys + j] = src[j * pr.k_row_stride + i];
  }
  if (keys < kBlockKeys) {
    for (int64_t i = 0; i < d; ++i)
      std::fill(dst + i * kBlockKeys + keys, dst + (i + 1) * kBlockKeys, 0.f);
  }
}

// Flags of every key block for query block `item` = (sequence, query block), and which of its
// queries see no key at all; read once per call, shared by every head.
void classify_query_block(const FlashAttentionProblem& pr, const BlockLayout& layout,
                          int64_t item) {
  const int64_t qb = item % layout.query_blocks, b = item / layout.query_blocks;
  const int64_t q0 = qb * kBlockQueries, rows = std::min(kBlockQueries, pr.queries - q0);
  uint8_t* flags = layout.block_flags + item * layout.key_blocks;
  uint8_t* hidden = layout.hidden_rows + b * pr.queries + q0;
  if (!pr.mask) {
    std::fill(flags, flags + layout.key_blocks, kPlainBlock);
    std::fill(hidden, hidden + rows, uint8_t{0});
    return;
  }
  std::vector<float> block_max(layout.key_blocks, std::numeric_limits<float>::lowest());
  std::vector<uint8_t> block_nonzero(layout.key_blocks, 0);
  for (int64_t r = 0; r < rows; ++r) {
    const float* row = pr.mask + b * pr.mask_batch_stride + (q0 + r) * pr.mask_row_stride;
    float row_max = std::numeric_limits<float>::lowest();
    for (int64_t kb = 0; kb < layout.key_blocks; ++kb) {
      const int64_t k0 = kb * kBlockKeys, k1 = std::min(pr.keys, k0 + kBlockKeys);
      float top = std::numeric_limits<float>::lowest();
      bool nonzero = false;
      for (int64_t j = k0; j < k1; ++j) {
        top = std::max(top, row[j]);
        nonzero |= row[j] != 0.f;
      }
      block_max[kb] = std::max(block_max[kb], top);
      block_nonzero[kb] |= nonzero;
      row_max = std::max(row_max, top);
    }
    hidden[r] = row_max <= kHiddenKey;
  }
  for (int64_t kb = 0; kb < layout.key_blocks; ++kb) {
    flags[kb] = block_max[kb] <= kHiddenKey ? kSkipBlock
                : block_nonzero[kb]         ? kMaskedBlock
                                            : kPlainBlock;
  }
}

namespace scalar {
struct Isa {
  using V = float;
  static constexpr int kWidth = 1, kRows = 4, kKeyVectors = 4, kOutVectors = 4;
  static V zero() { return 0.f; }
  static V load(const float* p) { return *p; }
  static void store(float* p, V v) { *p = v; }
  static V set1(float x) { return x; }
  static V fmadd(V a, V b, V c) { return a * b + c; }
  static V mul(V a, V b) { return a * b; }
  static V add(V a, V b) { return a + b; }
  static V sub(V a, V b) { return a - b; }
  static V max(V a, V b) { return std::max(a, b); }
  static float reduce_max(V v) { return v; }
  static float reduce_add(V v) { return v; }
  static V exp(V x) { return std::exp(x); }
};
#include "nn/flash_attention_kernels.inc"
}  // namespace scalar

#if defined(__x86_64__) && defined(__GNUC__)
// Cephes' expf for x <= 0 (every argument here: scores minus their running max): x = n ln2 + r,
// e^r by a degree-7 polynomial, 2^n through the exponent bits; ~1 ulp. Below -87.3 it is 0
// (e^x would be denormal, < 1.2e-38 of the row's largest weight).
constexpr float kExpLowest = -87.3365f, kLog2e = 1.44269504088896341f;
constexpr float kLn2High = 0.693359375f, kLn2Low = -2.12194440e-4f;
constexpr float kExpP0 = 1.9875691500e-4f, kExpP1 = 1.3981999507e-3f, kExpP2 = 8.3334519073e-3f;
constexpr float kExpP3 = 4.1665795894e-2f, kExpP4 = 1.6666665459e-1f, kExpP5 = 5.0000001201e-1f;

#pragma GCC push_options
#pragma GCC target("avx2,fma")
namespace avx2 {
struct Isa {
  using V = __m256;
  static constexpr int kWidth = 8, kRows = 4, kKeyVectors = 2, kOutVectors = 2;
  static V zero() { return _mm256_setzero_ps(); }
  static V load(const float* p) { return _mm256_loadu_ps(p); }
  static void store(float* p, V v) { _mm256_storeu_ps(p, v); }
  static V set1(float x) { return _mm256_set1_ps(x); }
  static V fmadd(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
  static V mul(V a, V b) { return _mm256_mul_ps(a, b); }
  static V add(V a, V b) { return _mm256_add_ps(a, b); }
  static V sub(V a, V b) { return _mm256_sub_ps(a, b); }
  static V max(V a, V b) { return _mm256_max_ps(a, b); }
  static float reduce_max(V v) {
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_shuffle_ps(m, m, 1));
    return _mm_cvtss_f32(m);
  }
  static float reduce_add(V v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
    return _mm_cvtss_f32(s);
  }
  static V exp(V x) {
    const V keep = _mm256_cmp_ps(x, set1(kExpLowest), _CMP_GE_OQ);
    x = _mm256_max_ps(x, set1(kExpLowest));
    const V n = _mm256_floor_ps(fmadd(x, set1(kLog2e), set1(0.5f)));
    x = _mm256_fnmadd_ps(n, set1(kLn2High), x);
    x = _mm256_fnmadd_ps(n, set1(kLn2Low), x);
    V y = fmadd(set1(kExpP0), x, set1(kExpP1));
    y = fmadd(y, x, set1(kExpP2));
    y = fmadd(y, x, set1(kExpP3));
    y = fmadd(y, x, set1(kExpP4));
    y = fmadd(y, x, set1(kExpP5));
    y = fmadd(y, _mm256_mul_ps(x, x), _mm256_add_ps(x, set1(1.f)));
    const __m256i bits =
        _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_and_ps(_mm256_mul_ps(y, _mm256_castsi256_ps(bits)), keep);
  }
};
#include "nn/flash_attention_kernels.inc"
}  // namespace avx2
#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC target("avx512f,avx2,fma")
namespace avx512 {
struct Isa {
  using V = __m512;
  static constexpr int kWidth = 16, kRows = 4, kKeyVectors = 4, kOutVectors = 4;
  // the zero-masked forms: GCC 12 warns that the plain ones' _mm512_undefined inputs may be unset
  static constexpr __mmask16 kAll = 0xFFFF;
  static V zero() { return _mm512_setzero_ps(); }
  static V load(const float* p) { return _mm512_loadu_ps(p); }
  static void store(float* p, V v) { _mm512_storeu_ps(p, v); }
  static V set1(float x) { return _mm512_set1_ps(x); }
  static V fmadd(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
  static V mul(V a, V b) { return _mm512_mul_ps(a, b); }
  static V add(V a, V b) { return _mm512_add_ps(a, b); }
  static V sub(V a, V b) { return _mm512_sub_ps(a, b); }
  static V max(V a, V b) { return _mm512_maskz_max_ps(kAll, a, b); }
  static float reduce_max(V v) {
    alignas(64) float lanes[16];
    _mm512_store_ps(lanes, v);
    return *std::max_element(lanes, lanes + 16);
  }
  static float reduce_add(V v) {
    alignas(64) float lanes[16];
    _mm512_store_ps(lanes, v);
    float sum = 0.f;
    for (float lane : lanes) sum += lane;
    return sum;
  }
  static V exp(V x) {
    const __mmask16 keep = _mm512_cmp_ps_mask(x, set1(kExpLowest), _CMP_GE_OQ);
    x = max(x, set1(kExpLowest));
    const V n = _mm512_maskz_roundscale_ps(kAll, fmadd(x, set1(kLog2e), set1(0.5f)),
                                           _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
    x = _mm512_fnmadd_ps(n, set1(kLn2High), x);
    x = _mm512_fnmadd_ps(n, set1(kLn2Low), x);
    V y = fmadd(set1(kExpP0), x, set1(kExpP1));
    y = fmadd(y, x, set1(kExpP2));
    y = fmadd(y, x, set1(kExpP3));
    y = fmadd(y, x, set1(kExpP4));
    y = fmadd(y, x, set1(kExpP5));
    y = fmadd(y, _mm512_mul_ps(x, x), _mm512_add_ps(x, set1(1.f)));
    const __m512i bits = _mm512_maskz_slli_epi32(
        kAll, _mm512_add_epi32(_mm512_maskz_cvtps_epi32(kAll, n), _mm512_set1_epi32(127)), 23);
    return _mm512_maskz_mul_ps(keep, y, _mm512_castsi512_ps(bits));
  }
};
#include "nn/flash_attention_kernels.inc"
}  // namespace avx512
#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512vl,avx512dq,avx512bf16,avx2,fma")
#include "nn/flash_attention_bf16.inc"
#pragma GCC pop_options
#endif

// Linux hands a process the AMX tile data state only once asked (arch_prctl
// ARCH_REQ_XCOMP_PERM for XFEATURE_XTILEDATA); until then a tile instruction is SIGILL. oneDNN
// asks before its first AMX product; attention may run before any.
bool tile_data_permitted() {
  static const bool permitted = [] {
#if defined(__linux__) && defined(__x86_64__)
    constexpr long kRequestPermission = 0x1023, kTileData = 18;
    return syscall(SYS_arch_prctl, kRequestPermission, kTileData) == 0;
#else
    return false;
#endif
  }();
  return permitted;
}

bool runs(FlashKernel kernel, const CpuFeatures& has) {
  switch (kernel) {
    case FlashKernel::kAvx2:
      return has.avx2_fma;
    case FlashKernel::kAvx512:
      return has.avx512f && has.avx2_fma;
    case FlashKernel::kAvx512Bf16:
      // under the ALMKIT_SIMD cap even when named, as bf16_gemm
      return cpu_features().avx512_bf16;
    case FlashKernel::kAmxBf16:
      return cpu_features().avx512_bf16 && cpu_features().amx_bf16 && tile_data_permitted();
    default:
      return true;
  }
}

}  // namespace

bool cpu_runs(FlashKernel kernel) {
  return runs(kernel, cpu_features_uncapped());
}

// ALMKIT_SIMD=avx2 / baseline caps the choice.
FlashKernel best_flash_kernel() {
  static const FlashKernel best = runs(FlashKernel::kAvx512, cpu_features()) ? FlashKernel::kAvx512
                                  : runs(FlashKernel::kAvx2, cpu_features()) ? FlashKernel::kAvx2
                                                                             : FlashKernel::kScalar;
  return best;
}

const char* flash_kernel_name(FlashKernel kernel) {
  switch (kernel) {
    case FlashKernel::kBest:
      return flash_kernel_name(best_flash_kernel());
    case FlashKernel::kScalar:
      return "scalar";
    case FlashKernel::kAvx2:
      return "avx2";
    case FlashKernel::kAvx512:
      return "avx512";
    case FlashKernel::kAvx512Bf16:
      return "avx512-bf16";
    case FlashKernel::kAmxBf16:
      return "amx-bf16";
  }
  return "?";
}

bool flash_attention_supports(int64_t head_dim) {
  return head_dim > 0 && head_dim % 16 == 0 && head_dim <= 256;
}

int64_t flash_attention_workspace(const FlashAttentionProblem& pr) {
  const int64_t query_blocks = (pr.queries + kBlockQueries - 1) / kBlockQueries;
  const int64_t key_blocks = (pr.keys + kBlockKeys - 1) / kBlockKeys;
  const int64_t flag_bytes = pr.batch * query_blocks * key_blocks + pr.batch * pr.queries;
  return pr.batch * pr.kv_heads * key_blocks * pr.head_dim * kBlockKeys + (flag_bytes + 3) / 4;
}

void flash_attention(const FlashAttentionProblem& pr, float* workspace, int threads,
                     FlashKernel kernel) {
  if (kernel == FlashKernel::kBest) {
    kernel = !pr.bf16_products                                                        ? best_flash_kernel()
             : bf16_products_through_amx() && cpu_runs(FlashKernel::kAmxBf16) ? FlashKernel::kAmxBf16
             : cpu_runs(FlashKernel::kAvx512Bf16)                                       ? FlashKernel::kAvx512Bf16
                                                                                        : best_flash_kernel();
  }
  if (!cpu_runs(kernel)) {
    throw Error(ErrorCode::kUnsupported,
                std::string("flash_attention: this CPU does not run the ") +
                    flash_kernel_name(kernel) + " kernel");
  }
  if (!flash_attention_supports(pr.head_dim)) {
    throw Error(ErrorCode::kInvalidArgument,
                "flash_attention: head_dim must be a multiple of 16 up to 256, got " +
                    std::to_string(pr.head_dim));
  }
  if (pr.kv_heads <= 0 || pr.heads % pr.kv_heads != 0) {
    throw Error(ErrorCode::kInvalidArgument, "flash_attention: " + std::to_string(pr.heads) +
                                                 " query heads cannot share " +
                                                 std::to_string(pr.kv_heads) + " kv heads");
  }
  if (pr.batch <= 0 || pr.queries <= 0 || pr.keys <= 0) return;
  const BlockLayout layout = layout_of(pr, workspace);
  const int parts = std::max(1, threads);
  spin_parallel_for(pr.batch * pr.kv_heads * layout.key_blocks, parts, 1,
                    [&](int64_t begin, int64_t end) {
                      for (int64_t item = begin; item < end; ++item) {
#if defined(__x86_64__) && defined(__GNUC__)
                        if (kernel == FlashKernel::kAvx512Bf16 || kernel == FlashKernel::kAmxBf16) {
                          avx512bf16::pack_block(pr, layout, item);
                          continue;
                        }
#endif
                        pack_key_block(pr, layout, item);
                      }
                    });
  spin_parallel_for(pr.batch * layout.query_blocks, parts, 1, [&](int64_t begin, int64_t end) {
    for (int64_t item = begin; item < end; ++item) classify_query_block(pr, layout, item);
  });
  // Causal blocks differ in cost (the last query block sees every key): many small chunks, so
  // the thread that drew the cheap ones takes more.
  spin_parallel_for(
      pr.batch * pr.heads * layout.query_blocks, parts, 1,
      [&](int64_t begin, int64_t end) {
        switch (kernel) {
#if defined(__x86_64__) && defined(__GNUC__)
          case FlashKernel::kAvx512:
            avx512::attend_blocks(pr, layout, begin, end);
            break;
          case FlashKernel::kAvx512Bf16:
          case FlashKernel::kAmxBf16:
            avx512bf16::attend_blocks(pr, layout, begin, end, kernel == FlashKernel::kAmxBf16);
            break;
          case FlashKernel::kAvx2:
            avx2::attend_blocks(pr, layout, begin, end);
            break;
#endif
          default:
            scalar::attend_blocks(pr, layout, begin, end);
            break;
        }
      },
      16);
}

}  // namespace almkit::nn
