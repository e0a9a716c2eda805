// Helpers shared by the benchmark tests.
#pragma once

#include <cstdlib>
#include <string>

#include "test_support.h"

namespace almkit::test {

// ../shared/benchmarks (MMAU test-mini, ISA-Bench example results).
inline std::string shared_benchmarks_dir() {
  return reference_dir() + "/../../benchmarks";
}

// ISA-Bench's code/egs/example (result files and the metric JSON its scripts wrote), with a
// trailing '/': $ALMKIT_ISA_EXAMPLES_DIR, else the copy in shared_benchmarks_dir().
inline std::string isa_examples_dir() {
  const char* dir = std::getenv("ALMKIT_ISA_EXAMPLES_DIR");
  if (dir && *dir) return std::string(dir) + "/";
  return shared_benchmarks_dir() + "/isa-bench-example/";
}

// A file in the calling test's temporary folder (made once per test, then reused).
inline std::string bench_temp_dir() {
  static std::string test_name, folder;
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  const std::string name = info ? std::string(info->test_suite_name()) + "." + info->name() : "";
  if (folder.empty() || name != test_name) {
    test_name = name;
    folder = temp_dir();
  }
  return folder;
}

inline std::string write_temp(const std::string& name, const std::string& content) {
  const std::string path = bench_temp_dir() + "/" + name;
  write_file(path, content);
  return path;
}

}  // namespace almkit::test
