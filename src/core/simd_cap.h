// ALMKIT_SIMD caps the instruction sets almkit's run-time dispatch may choose ("baseline": plain
// C++ only; "avx2": nothing wider than AVX2 + FMA), as ATEN_CPU_CAPABILITY does for torch, so
// the paths other CPUs take run, and are tested and measured, on a CPU that has more.
#pragma once

#include <cstdlib>
#include <string>

namespace almkit {

enum class SimdCap { kNone, kAvx2, kBaseline };

// Read once per process.
inline SimdCap simd_cap() {
  static const SimdCap cap = [] {
    const char* forced = std::getenv("ALMKIT_SIMD");
    const std::string value = forced ? forced : "";
    if (value == "baseline") return SimdCap::kBaseline;
    return value == "avx2" ? SimdCap::kAvx2 : SimdCap::kNone;
  }();
  return cap;
}

}  // namespace almkit
