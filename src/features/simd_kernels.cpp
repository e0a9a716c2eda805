#include "features/simd_kernels.h"

#include <string>

#include "almkit/error.h"
#include "core/cpu_features.h"

namespace almkit {

// Defined by simd_kernels_<isa>.cpp.
extern const SimdKernels kBaselineKernels;
extern const SimdKernels kAvx2Kernels;

bool cpu_supports(SimdPath path) {
  return path == SimdPath::kBaseline || cpu_features_uncapped().avx2_fma;
}

SimdPath best_simd_path() {
  // ALMKIT_SIMD=baseline runs the portable kernels on any CPU (to test or compare them), as
  // ATEN_CPU_CAPABILITY does for torch.
  return cpu_features().avx2_fma ? SimdPath::kAvx2 : SimdPath::kBaseline;
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
