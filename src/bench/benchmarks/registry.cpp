// The benchmarks `almkit eval --bench NAME` knows: one line each.
#include <algorithm>

#include "almkit/error.h"
#include "almkit/eval.h"
#include "bench/benchmarks/benchmark.h"

#define ALMKIT_BENCHMARKS(X) \
  X(mmau)                    \
  X(mmar)                    \
  X(star)                    \
  X(muse)                    \
  X(isa)                     \
  X(perception)              \
  X(jsonl)                   \
  X(asr)                     \
  X(ast)                     \
  X(voicebench)              \
  X(air_bench)               \
  X(air_bench_chat)          \
  X(sakura)                  \
  X(mmsu)                    \
  X(big_bench_audio)         \
  X(mmau_pro)

namespace almkit::bench {

#define ALMKIT_DECLARE_BENCHMARK(name) std::unique_ptr<Benchmark> make_##name##_benchmark();
ALMKIT_BENCHMARKS(ALMKIT_DECLARE_BENCHMARK)
#undef ALMKIT_DECLARE_BENCHMARK

namespace {

const std::vector<std::unique_ptr<Benchmark>>& registry() {
  static const std::vector<std::unique_ptr<Benchmark>> benchmarks = [] {
    std::vector<std::unique_ptr<Benchmark>> all;
#define ALMKIT_MAKE_BENCHMARK(name) all.push_back(make_##name##_benchmark());
    ALMKIT_BENCHMARKS(ALMKIT_MAKE_BENCHMARK)
#undef ALMKIT_MAKE_BENCHMARK
    return all;
  }();
  return benchmarks;
}

}  // namespace

const Benchmark& find_benchmark(const std::string& name) {
  for (const auto& benchmark : registry()) {
    if (benchmark->name() == name) return *benchmark;
  }
  throw Error(ErrorCode::kInvalidArgument,
              "unknown --bench '" + name + "' (expected " + benchmark_names_text() + ")");
}

std::vector<std::string> benchmark_names() {
  std::vector<std::string> names;
  for (const auto& benchmark : registry()) names.push_back(benchmark->name());
  return names;
}

std::string benchmark_names_text() {
  const auto names = benchmark_names();
  std::string text;
  for (size_t i = 0; i < names.size(); ++i)
    text += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + names[i];
  return text;
}

std::string registered_benchmarks_text() {
  return benchmark_names_text();
}

}  // namespace almkit::bench
