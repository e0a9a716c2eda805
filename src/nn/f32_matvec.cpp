#include "nn/f32_matvec.h"

#include <immintrin.h>

#include <algorithm>
#include <string>

#include "almkit/error.h"
#include "core/cpu_features.h"
#include "core/simd_target.h"

namespace almkit::nn {

// The vector loop, one copy per instruction set.
ALMKIT_TARGET_BEGIN("avx2,fma")
namespace matvec_avx2 {
#define ALMKIT_MATVEC_AVX512 0
#include "nn/f32_matvec_kernels.inc"
#undef ALMKIT_MATVEC_AVX512
}  // namespace matvec_avx2
ALMKIT_TARGET_END()
ALMKIT_TARGET_BEGIN("avx2,fma,avx512f,avx512vl,avx512bw,avx512dq")
namespace matvec_avx512 {
#define ALMKIT_MATVEC_AVX512 1
#include "nn/f32_matvec_kernels.inc"
#undef ALMKIT_MATVEC_AVX512
}  // namespace matvec_avx512
ALMKIT_TARGET_END()

namespace {

// Plain C++: the reference the vector kernels are tested against.
void matvec_scalar(const float* x, int64_t rows, int64_t k, const float* w, int64_t n_begin,
                   int64_t n_end, int64_t n, float* y) {
  for (int64_t j = n_begin; j < n_end; ++j) {
    for (int64_t r = 0; r < rows; ++r) {
      float sum = 0.f;
      for (int64_t i = 0; i < k; ++i) sum += x[r * k + i] * w[j * k + i];
      y[r * n + j] = sum;
    }
  }
}

}  // namespace

// Under the ALMKIT_SIMD cap, also when a test names the kernel: =avx2 leaves AVX2, =baseline the
// scalar loop.
bool cpu_runs(F32Kernel kernel) {
  switch (kernel) {
    case F32Kernel::kAvx2:
      return cpu_features().avx2_fma;
    case F32Kernel::kAvx512:
      return cpu_features().avx2_fma && cpu_features().avx512;
    default:
      return true;
  }
}

F32Kernel best_f32_kernel() {
  return cpu_runs(F32Kernel::kAvx512) ? F32Kernel::kAvx512
         : cpu_runs(F32Kernel::kAvx2) ? F32Kernel::kAvx2
                                      : F32Kernel::kScalar;
}

const char* kernel_name(F32Kernel kernel) {
  switch (kernel) {
    case F32Kernel::kScalar:
      return "scalar";
    case F32Kernel::kAvx2:
      return "avx2";
    case F32Kernel::kAvx512:
      return "avx512";
    default:
      return kernel_name(best_f32_kernel());
  }
}

MatvecShare f32_matvec_share(const float* x, int64_t rows, int64_t k, const float* w, int64_t n,
                             float* y, const float* bias, F32Kernel kernel) {
  if (!cpu_runs(kernel)) {
    throw Error(
        ErrorCode::kUnsupported,
        std::string("the ") + kernel_name(kernel) +
            " float32 mat-vec kernel needs a CPU that has it (and ALMKIT_SIMD not capping it)");
  }
  if (kernel == F32Kernel::kBest) kernel = best_f32_kernel();
  return {n, k * 4, [=](int64_t begin, int64_t end) {
            switch (kernel) {
              case F32Kernel::kAvx512:
                matvec_avx512::matvec_f32(x, rows, k, w, begin, end, n, y);
                break;
              case F32Kernel::kAvx2:
                matvec_avx2::matvec_f32(x, rows, k, w, begin, end, n, y);
                break;
              default:
                matvec_scalar(x, rows, k, w, begin, end, n, y);
                break;
            }
            add_bias(y, rows, n, bias, begin, end);
          }};
}

void f32_matvec(const float* x, int64_t rows, int64_t k, const float* w, int64_t n, float* y,
                const float* bias, F32Kernel kernel) {
  run_matvecs({f32_matvec_share(x, rows, k, w, n, y, bias, kernel)}, kFeatureChunks);
}

void bf16_matvec_avx2(const float* x, int64_t rows, int64_t k, const uint16_t* w, int64_t n_begin,
                      int64_t n_end, int64_t n, float* y) {
  matvec_avx2::matvec_bf16(x, rows, k, w, n_begin, n_end, n, y);
}

}  // namespace almkit::nn
