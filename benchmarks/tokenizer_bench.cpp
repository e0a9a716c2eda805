// Tokenizer encode throughput (MB/s, one thread) on a ~10 MB multilingual text built from the
// tokenizer test corpus exactly as tests/tokenizer_reference/corpus.mjs long_text() builds it,
// so benchmarks/compare_tokenizer.sh can time the Hugging Face JS tokenizer on the same bytes.
//
//   build/benchmarks/almkit_bench_tokenizer [--benchmark_filter=qwen3]
//
// Needs scripts/fetch_tokenizers.sh (vocabularies in .cache/tokenizers or $ALMKIT_TOKENIZER_DIR).
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "almkit/tokenizer.h"

namespace {

const std::string kRepo = [] {
  std::string path = __FILE__;
  return path.substr(0, path.rfind("/benchmarks/"));
}();

constexpr uint32_t kSeed = 1234567;
constexpr size_t kTextBytes = 10u << 20;

const std::string& benchmark_text() {
  static const std::string text = [] {
    std::ifstream in(kRepo + "/tests/data/tokenizer/corpus.json");
    const auto corpus = nlohmann::json::parse(in).get<std::vector<std::string>>();
    uint32_t state = kSeed;
    std::string out;
    while (out.size() < kTextBytes) {
      state ^= state << 13;
      state ^= state >> 17;
      state ^= state << 5;
      out += corpus[state % corpus.size()];
    }
    return out;
  }();
  return text;
}

void encode(benchmark::State& state, const std::string& name) {
  const char* env = std::getenv("ALMKIT_TOKENIZER_DIR");
  const std::string dir = (env ? std::string(env) : kRepo + "/.cache/tokenizers") + "/" + name;
  std::unique_ptr<almkit::Tokenizer> tokenizer;
  try {
    tokenizer = almkit::Tokenizer::from_folder(dir);
  } catch (const std::exception& error) {
    state.SkipWithError((std::string(error.what()) + " (run scripts/fetch_tokenizers.sh)").c_str());
    return;
  }
  const std::string& text = benchmark_text();
  size_t ids = 0;
  for (auto _ : state) {
    const auto result = tokenizer->encode(text, false);
    ids = result.size();
    benchmark::DoNotOptimize(result.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
  state.counters["MB/s"] = benchmark::Counter(static_cast<double>(text.size()) / 1e6,
                                              benchmark::Counter::kIsIterationInvariantRate);
  state.counters["ids"] = static_cast<double>(ids);
  state.counters["text_MB"] = static_cast<double>(text.size()) / 1e6;
}

}  // namespace

BENCHMARK_CAPTURE(encode, gpt2, std::string("gpt2"))->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK_CAPTURE(encode, qwen3, std::string("qwen3"))->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK_CAPTURE(encode, llama3, std::string("llama3"))
    ->Unit(benchmark::kMillisecond)
    ->MinTime(2.0);
BENCHMARK_CAPTURE(encode, llama2, std::string("llama2"))
    ->Unit(benchmark::kMillisecond)
    ->MinTime(2.0);
BENCHMARK_CAPTURE(encode, gemma3, std::string("gemma3"))
    ->Unit(benchmark::kMillisecond)
    ->MinTime(2.0);

BENCHMARK_MAIN();
