// The kernels for CPUs with AVX2 and FMA (x86-64-v3). Only code after the pragma is compiled for
// AVX2, and every header is included before it, so no inline function shared with other files
// gets an AVX2 body; simd_kernels() hands these out only when the CPU reports both features.
#include <algorithm>
#include <cmath>
#include <complex>
#include <cstring>
#include <type_traits>

#include "features/fft.h"
#include "features/simd_kernels.h"

namespace almkit {
#if defined(__x86_64__) && defined(__GNUC__)
#pragma GCC push_options
#pragma GCC target("avx2,fma")
namespace avx2 {
#include "features/fft_kernels.inc"
#include "features/frame_kernels.inc"
}  // namespace avx2
#pragma GCC pop_options
extern const SimdKernels kAvx2Kernels = avx2::kKernels;
#else
extern const SimdKernels kAvx2Kernels = {};  // never handed out: cpu_supports() says no
#endif
}  // namespace almkit
