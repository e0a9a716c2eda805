#include "features/simd_kernels.h"

#include <cstdlib>
#include <string>

#include "almkit/error.h"

namespace almkit {

// Defined by simd_kernels_<isa>.cpp.
extern const SimdKernels kBaselineKernels;
extern const SimdKernels kAvx2Kernels;

bool cpu_supports(SimdPath path) {
  if (path == SimdPath::kBaseline) return true;
#if defined(__x86_64__) && defined(__GNUC__)
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  return false;
#endif
}

SimdPath best_simd_path() {
  // ALMKIT_SIMD=baseline runs the portable kernels on any CPU (to test or compare them), as
  // ATEN_CPU_CAPABILITY does for torch.
  static const SimdPath best = [] {
    const char* forced = std::getenv("ALMKIT_SIMD");
    if (forced != nullptr && std::string(forced) == "baseline") return SimdPath::kBaseline;
    return cpu_supports(SimdPath::kAvx2) ? SimdPath::kAvx2 : SimdPath::kBaseline;
  }();
  return best;
}

const char* simd_path_name(SimdPath path) {
  return path == SimdPath::kAvx2 ? "avx2" : "baseline";
}

const SimdKernels& simd_kernels(SimdPath path) {
  if (!cpu_supports(path)) {
    throw Error(ErrorCode::kUnsupported,
                std::string("the ") + simd_path_name(path) + " kernels need a CPU that has them");
  }
  return path == SimdPath::kAvx2 ? kAvx2Kernels : kBaselineKernels;
}

}  // namespace almkit
