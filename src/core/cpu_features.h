// The one place that asks the CPU which instruction sets it has, once per process, for the
// run-time dispatch of every kernel (the library is built without -march; each kernel is compiled
// for its set with ALMKIT_TARGET_BEGIN, core/simd_target.h). Header-only and torch-free: the
// front end (libalmkit_frontend) uses it too.
#pragma once

#if defined(__x86_64__) && defined(__GNUC__)
#include <cpuid.h>
#endif

#include "core/simd_cap.h"

namespace almkit {

struct CpuFeatures {
  bool avx2_fma = false;     // AVX2 and FMA
  bool f16c = false;         // fp16 <-> fp32 conversions
  bool avx512f = false;      // AVX-512 F alone (attention's AVX-512 kernel needs no more)
  bool avx512 = false;       // AVX-512 F, VL, BW and DQ
  bool avx512_bf16 = false;  // AVX-512 F, VL, BW, DQ and AVX512-BF16 (vdpbf16ps)
  bool avx512_vnni = false;  // AVX-512 F, VL, BW and VNNI (vpdpbusd)
  bool amx_bf16 = false;     // AMX-TILE and AMX-BF16, their tile state enabled by the OS
};

namespace cpu_features_detail {

inline bool os_enables_amx_tiles() {
#if defined(__x86_64__) && defined(__GNUC__)
  unsigned a = 0, b = 0, c = 0, d = 0;
  // the OS saves extended state (OSXSAVE) and has the tile state in XCR0 (bits 17, 18)
  if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 27))) return false;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return false;
  const bool amx_bf16 = (d & (1u << 22)) != 0, amx_tile = (d & (1u << 24)) != 0;
  unsigned xcr0_low = 0, xcr0_high = 0;
  __asm__ volatile("xgetbv" : "=a"(xcr0_low), "=d"(xcr0_high) : "c"(0));
  return amx_bf16 && amx_tile && (xcr0_low & (3u << 17)) == (3u << 17);
#else
  return false;
#endif
}

inline CpuFeatures read() {
  CpuFeatures has;
#if defined(__x86_64__) && defined(__GNUC__)
  __builtin_cpu_init();  // may run before the static constructors that would call it
  has.avx2_fma = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  // F16C from cpuid leaf 1 (ECX bit 29): clang 14's __builtin_cpu_supports doesn't know "f16c"
  unsigned a = 0, b = 0, c = 0, d = 0;
  has.f16c = __get_cpuid(1, &a, &b, &c, &d) && (c & (1u << 29)) != 0;
  has.avx512f = __builtin_cpu_supports("avx512f");
  const bool f_vl_bw =
      has.avx512f && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw");
  has.avx512 = f_vl_bw && __builtin_cpu_supports("avx512dq");
  has.avx512_bf16 = has.avx512 && __builtin_cpu_supports("avx512bf16");
  has.avx512_vnni = f_vl_bw && __builtin_cpu_supports("avx512vnni");
  has.amx_bf16 = os_enables_amx_tiles();
#endif
  return has;
}

}  // namespace cpu_features_detail

// What this CPU has, whatever ALMKIT_SIMD says: whether a kernel that a test or benchmark names
// explicitly can run here at all.
inline const CpuFeatures& cpu_features_uncapped() {
  static const CpuFeatures has = cpu_features_detail::read();
  return has;
}

// What run-time dispatch may choose from: cpu_features_uncapped() under the ALMKIT_SIMD cap
// (core/simd_cap.h): "avx2" keeps AVX2, FMA and F16C and drops AVX-512 and AMX; "baseline"
// drops everything.
inline const CpuFeatures& cpu_features() {
  static const CpuFeatures allowed = [] {
    const CpuFeatures& has = cpu_features_uncapped();
    CpuFeatures capped;
    if (simd_cap() == SimdCap::kBaseline) return capped;
    capped.avx2_fma = has.avx2_fma;
    capped.f16c = has.f16c;
    return simd_cap() == SimdCap::kAvx2 ? capped : has;
  }();
  return allowed;
}

}  // namespace almkit
