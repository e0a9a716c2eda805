// prompt_rows.h: each pass cut into slices of at least kSliceNumbers numbers over ATen's threads
// (at::parallel_for: OpenMP, as the products between them), the slices run by an AVX-512 body or
// the plain one. Every header comes before the target region (core/simd_target.h).
#include "nn/prompt_rows.h"

#include <ATen/Parallel.h>
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/cpu_features.h"
#include "core/simd_target.h"
#include "nn/row_kernels.h"

namespace almkit::nn::prompt_rows {
namespace {

// ~64 KB of float32 a slice: a thread's wake-up (~10 us) is small next to it.
constexpr int64_t kSliceNumbers = 16384;

uint16_t round_one(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, 4);
  if (std::isnan(value)) return 0x7fc0;
  return static_cast<uint16_t>((bits + 0x7fff + ((bits >> 16) & 1)) >> 16);
}

float widen_one(uint16_t value) {
  const uint32_t bits = static_cast<uint32_t>(value) << 16;
  float out;
  std::memcpy(&out, &bits, 4);
  return out;
}

float silu_times_one(float gate, float up) { return gate / (1.f + std::exp(-gate)) * up; }

float gelu_one(float x) { return x * 0.5f * (1.f + std::erf(x * static_cast<float>(M_SQRT1_2))); }

// columns [first, n) of one row of gelu_bf16
void gelu_plain(const uint16_t* p, int64_t first, int64_t n, const float* bias, uint16_t* out) {
  for (int64_t j = first; j < n; ++j) out[j] = round_one(gelu_one(bias ? widen_one(p[j]) + bias[j] : widen_one(p[j])));
}

// columns [first, n) of one row of widen_bf16
void widen_plain(const uint16_t* p, int64_t first, int64_t n, const float* bias, const float* residual, float* out) {
  for (int64_t j = first; j < n; ++j) {
    float v = widen_one(p[j]);
    if (bias) v = v + bias[j];
    out[j] = residual ? residual[j] + v : v;
  }
}

// Slices of [0, count) (elements or rows) of at least `grain` each, on ATen's threads.
template <typename Body>
void in_slices(int64_t count, int64_t grain, const Body& body) {
  at::parallel_for(0, count, std::max<int64_t>(1, grain), body);
}

int64_t rows_per_slice(int64_t numbers_per_row) { return kSliceNumbers / std::max<int64_t>(1, numbers_per_row) + 1; }

}  // namespace

#if defined(__x86_64__) && defined(__GNUC__)
ALMKIT_TARGET_BEGIN("avx512f,avx512bw,avx512vl,avx512dq")
namespace {

// the zero-masked forms: GCC 12 warns that the plain ones' _mm512_undefined inputs may be unset
constexpr __mmask16 kAll = 0xFFFF;

// c10::BFloat16's rounding on 16 lanes: (bits + 0x7fff + lsb) >> 16, NaN -> 0x7fc0.
__m256i round16(__m512 v) {
  const __m512i bits = _mm512_castps_si512(v);
  const __m512i lsb = _mm512_and_si512(_mm512_maskz_srli_epi32(kAll, bits, 16), _mm512_set1_epi32(1));
  __m512i rounded =
      _mm512_maskz_srli_epi32(kAll, _mm512_add_epi32(bits, _mm512_add_epi32(lsb, _mm512_set1_epi32(0x7fff))), 16);
  rounded = _mm512_mask_mov_epi32(rounded, _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q), _mm512_set1_epi32(0x7fc0));
  return _mm512_maskz_cvtepi32_epi16(kAll, rounded);
}

__m512 widen16(const uint16_t* p) {
  const __m256i packed = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  return _mm512_castsi512_ps(_mm512_maskz_slli_epi32(kAll, _mm512_maskz_cvtepu16_epi32(kAll, packed), 16));
}

// e^x on 16 lanes: x = n ln2 + r, e^r by Cephes' degree-7 polynomial (~1 ulp), times 2^n by
// vscalefps (inf above ~88.7, 0 and denormals below, NaN kept).
__m512 exp16(__m512 x) {
  const __m512 n = _mm512_maskz_roundscale_ps(kAll, _mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                              _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
  __m512 y = _mm512_fmadd_ps(_mm512_set1_ps(1.9875691500e-4f), r, _mm512_set1_ps(1.3981999507e-3f));
  y = _mm512_fmadd_ps(y, r, _mm512_set1_ps(8.3334519073e-3f));
  y = _mm512_fmadd_ps(y, r, _mm512_set1_ps(4.1665795894e-2f));
  y = _mm512_fmadd_ps(y, r, _mm512_set1_ps(1.6666665459e-1f));
  y = _mm512_fmadd_ps(y, r, _mm512_set1_ps(5.0000001201e-1f));
  y = _mm512_fmadd_ps(y, _mm512_mul_ps(r, r), _mm512_add_ps(r, _mm512_set1_ps(1.f)));
  return _mm512_maskz_scalef_ps(kAll, y, n);
}

__m512 silu_times16(__m512 gate, __m512 up) {
  const __m512 e = exp16(_mm512_sub_ps(_mm512_setzero_ps(), gate));
  return _mm512_mul_ps(_mm512_div_ps(gate, _mm512_add_ps(_mm512_set1_ps(1.f), e)), up);
}

// erf(x) = sign(x) (1 - t (a1 + t (a2 + t (a3 + t (a4 + t a5)))) e^(-x^2)), t = 1 / (1 + p |x|)
__m512 erf16(__m512 x) {
  const __m512 sign = _mm512_and_ps(x, _mm512_set1_ps(-0.f)), one = _mm512_set1_ps(1.f);
  const __m512 t = _mm512_div_ps(one, _mm512_fmadd_ps(_mm512_set1_ps(0.3275911f), _mm512_abs_ps(x), one));
  __m512 r = _mm512_fmadd_ps(_mm512_set1_ps(1.061405429f), t, _mm512_set1_ps(-1.453152027f));
  r = _mm512_fmadd_ps(r, t, _mm512_set1_ps(1.421413741f));
  r = _mm512_fmadd_ps(r, t, _mm512_set1_ps(-0.284496736f));
  r = _mm512_fmadd_ps(r, t, _mm512_set1_ps(0.254829592f));
  const __m512 e = exp16(_mm512_xor_ps(_mm512_mul_ps(x, x), _mm512_set1_ps(-0.f)));
  return _mm512_xor_ps(sign, _mm512_fmadd_ps(_mm512_xor_ps(_mm512_mul_ps(e, t), _mm512_set1_ps(-0.f)), r, one));
}

void gelu_avx512(const uint16_t* p, int64_t n, const float* bias, uint16_t* out) {
  int64_t j = 0;
  for (; j + 16 <= n; j += 16) {
    __m512 x = widen16(p + j);
    if (bias) x = _mm512_add_ps(x, _mm512_loadu_ps(bias + j));
    const __m512 half = _mm512_mul_ps(x, _mm512_set1_ps(0.5f));
    const __m512 erf = erf16(_mm512_mul_ps(x, _mm512_set1_ps(static_cast<float>(M_SQRT1_2))));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + j),
                        round16(_mm512_mul_ps(half, _mm512_add_ps(_mm512_set1_ps(1.f), erf))));
  }
  gelu_plain(p, j, n, bias, out);
}

void round_avx512(const float* x, int64_t count, uint16_t* out) {
  int64_t i = 0;
  for (; i + 16 <= count; i += 16)
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i), round16(_mm512_loadu_ps(x + i)));
  for (; i < count; ++i) out[i] = round_one(x[i]);
}

void widen_avx512(const uint16_t* p, int64_t n, const float* bias, const float* residual, float* out) {
  int64_t j = 0;
  for (; j + 16 <= n; j += 16) {
    __m512 v = widen16(p + j);
    if (bias) v = _mm512_add_ps(v, _mm512_loadu_ps(bias + j));
    if (residual) v = _mm512_add_ps(_mm512_loadu_ps(residual + j), v);
    _mm512_storeu_ps(out + j, v);
  }
  widen_plain(p, j, n, bias, residual, out);
}

void silu_times_avx512(const float* gate, const float* up, int64_t count, float* out) {
  int64_t i = 0;
  for (; i + 16 <= count; i += 16)
    _mm512_storeu_ps(out + i, silu_times16(_mm512_loadu_ps(gate + i), _mm512_loadu_ps(up + i)));
  for (; i < count; ++i) out[i] = silu_times_one(gate[i], up[i]);
}

void silu_times_bf16_avx512(const uint16_t* gate, const uint16_t* up, int64_t count, uint16_t* out) {
  int64_t i = 0;
  for (; i + 16 <= count; i += 16)
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i), round16(silu_times16(widen16(gate + i), widen16(up + i))));
  for (; i < count; ++i) out[i] = round_one(silu_times_one(widen_one(gate[i]), widen_one(up[i])));
}

}  // namespace
ALMKIT_TARGET_END()
#define ALMKIT_PROMPT_ROWS_AVX512 1
#else
namespace {  // never called: vector_body() is false without the AVX-512 bodies
void round_avx512(const float*, int64_t, uint16_t*) {}
void widen_avx512(const uint16_t*, int64_t, const float*, const float*, float*) {}
void silu_times_avx512(const float*, const float*, int64_t, float*) {}
void silu_times_bf16_avx512(const uint16_t*, const uint16_t*, int64_t, uint16_t*) {}
void gelu_avx512(const uint16_t*, int64_t, const float*, uint16_t*) {}
}  // namespace
#endif

namespace {

bool vector_body() {
#if defined(ALMKIT_PROMPT_ROWS_AVX512)
  return cpu_features().avx512;
#else
  return false;
#endif
}

// An elementwise pass: slices of [0, count) run by vector(begin, end) where the CPU has the
// AVX-512 bodies, else by plain(i) for each element.
template <typename Vector, typename Plain>
void elementwise(int64_t count, const Vector& vector, const Plain& plain) {
  const bool wide = vector_body();
  in_slices(count, kSliceNumbers, [&](int64_t begin, int64_t end) {
    if (wide) return vector(begin, end);
    for (int64_t i = begin; i < end; ++i) plain(i);
  });
}

}  // namespace

void round_to_bf16(const float* x, int64_t count, uint16_t* out) {
  elementwise(count, [&](int64_t begin, int64_t end) { round_avx512(x + begin, end - begin, out + begin); },
              [&](int64_t i) { out[i] = round_one(x[i]); });
}

void widen_bf16(const uint16_t* product, int64_t rows, int64_t n, const float* bias, const float* residual,
                float* out) {
  const bool wide = vector_body();
  in_slices(rows, rows_per_slice(n), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const float* res = residual ? residual + r * n : nullptr;
      if (wide) {
        widen_avx512(product + r * n, n, bias, res, out + r * n);
      } else {
        widen_plain(product + r * n, 0, n, bias, res, out + r * n);
      }
    }
  });
}

void gelu_bf16(const uint16_t* product, int64_t rows, int64_t n, const float* bias, uint16_t* out) {
  const bool wide = vector_body();
  in_slices(rows, rows_per_slice(n), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      if (wide) {
        gelu_avx512(product + r * n, n, bias, out + r * n);
      } else {
        gelu_plain(product + r * n, 0, n, bias, out + r * n);
      }
    }
  });
}

void silu_times(const float* gate, const float* up, int64_t count, float* out) {
  elementwise(count,
              [&](int64_t begin, int64_t end) { silu_times_avx512(gate + begin, up + begin, end - begin, out + begin); },
              [&](int64_t i) { out[i] = silu_times_one(gate[i], up[i]); });
}

void silu_times_bf16(const uint16_t* gate, const uint16_t* up, int64_t count, uint16_t* out) {
  elementwise(
      count, [&](int64_t begin, int64_t end) { silu_times_bf16_avx512(gate + begin, up + begin, end - begin, out + begin); },
      [&](int64_t i) { out[i] = round_one(silu_times_one(widen_one(gate[i]), widen_one(up[i]))); });
}

void rms_norm(const float* x, int64_t rows, int64_t dim, const float* weight, float eps, float* out) {
  in_slices(rows, rows_per_slice(dim), [&](int64_t begin, int64_t end) {
    rows::rms_norm(x + begin * dim, end - begin, dim, weight, eps, out + begin * dim);
  });
}

void rotate_half(float* x, int64_t rows, int64_t heads, int64_t head_dim, const float* cos, const float* sin) {
  in_slices(rows, rows_per_slice(heads * head_dim), [&](int64_t begin, int64_t end) {
    rows::rotate_half(x + begin * heads * head_dim, end - begin, heads, head_dim, cos + begin * head_dim,
                      sin + begin * head_dim);
  });
}

}  // namespace almkit::nn::prompt_rows
