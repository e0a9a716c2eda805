// The kernels for any CPU (SSE2 on x86-64): the compiler splits each 4-double vector in two.
#include <algorithm>
#include <cmath>
#include <complex>
#include <cstring>
#include <type_traits>

#include "features/fft.h"
#include "features/simd_kernels.h"

// The 4-double vectors are returned by value only between functions of this file, never across
// an ABI boundary, so GCC's note that their ABI differs with and without AVX does not apply.
#pragma GCC diagnostic ignored "-Wpsabi"

namespace almkit {
namespace baseline {
#include "features/fft_kernels.inc"
#include "features/frame_kernels.inc"
}  // namespace baseline

extern const SimdKernels kBaselineKernels = baseline::kKernels;

}  // namespace almkit
