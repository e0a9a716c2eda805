// cpu_features: what cpuid says agrees with the flags the Linux kernel lists in /proc/cpuinfo, and
// the view the dispatch uses follows the ALMKIT_SIMD cap (ctest's Forced_* entries run this suite
// with ALMKIT_SIMD=avx2 and =baseline).
#include "core/cpu_features.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

namespace almkit {
namespace {

std::set<std::string> proc_cpuinfo_flags() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("flags", 0) != 0) continue;
    std::istringstream words(line.substr(line.find(':') + 1));
    std::set<std::string> flags;
    for (std::string word; words >> word;) flags.insert(word);
    return flags;
  }
  return {};
}

TEST(CpuFeatures, UncappedAgreesWithProcCpuinfo) {
#if !defined(__x86_64__)
  GTEST_SKIP() << "cpuid is read on x86-64 only";
#endif
  const std::set<std::string> flags = proc_cpuinfo_flags();
  if (flags.empty()) GTEST_SKIP() << "no flags line in /proc/cpuinfo";
  const auto has = [&](std::initializer_list<const char*> names) {
    for (const char* name : names) {
      if (!flags.count(name)) return false;
    }
    return true;
  };
  const CpuFeatures& cpu = cpu_features_uncapped();
  EXPECT_EQ(cpu.avx2_fma, has({"avx2", "fma"}));
  EXPECT_EQ(cpu.f16c, has({"f16c"}));
  EXPECT_EQ(cpu.avx512f, has({"avx512f"}));
  EXPECT_EQ(cpu.avx512, has({"avx512f", "avx512vl", "avx512bw", "avx512dq"}));
  EXPECT_EQ(cpu.avx512_bf16, has({"avx512f", "avx512vl", "avx512bw", "avx512dq", "avx512_bf16"}));
  EXPECT_EQ(cpu.avx512_vnni, has({"avx512f", "avx512vl", "avx512bw", "avx512_vnni"}));
  // the kernel lists the AMX flags only when it enables their tile state
  EXPECT_EQ(cpu.amx_bf16, has({"amx_bf16", "amx_tile"}));
}

TEST(CpuFeatures, DispatchFollowsTheSimdCap) {
  const CpuFeatures& cpu = cpu_features_uncapped();
  const CpuFeatures& allowed = cpu_features();
  const char* forced = std::getenv("ALMKIT_SIMD");
  const std::string cap = forced ? forced : "";
  const bool vectors = cap != "baseline", wide = vectors && cap != "avx2";
  EXPECT_EQ(allowed.avx2_fma, vectors && cpu.avx2_fma);
  EXPECT_EQ(allowed.f16c, vectors && cpu.f16c);
  EXPECT_EQ(allowed.avx512f, wide && cpu.avx512f);
  EXPECT_EQ(allowed.avx512, wide && cpu.avx512);
  EXPECT_EQ(allowed.avx512_bf16, wide && cpu.avx512_bf16);
  EXPECT_EQ(allowed.avx512_vnni, wide && cpu.avx512_vnni);
  EXPECT_EQ(allowed.amx_bf16, wide && cpu.amx_bf16);
}

}  // namespace
}  // namespace almkit
