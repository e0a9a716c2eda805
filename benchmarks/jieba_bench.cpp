// jieba.cut throughput (characters/s, one thread) of almkit's reimplementation on the texts of
// tests/data/bench/jieba_reference.json (Chinese, mixed and random texts, ~7,400 characters),
// repeated; benchmarks/compare_jieba.py times python3-jieba on the same texts.
//
//   build/benchmarks/almkit_bench_jieba
//
// Needs python3-jieba's data (apt install python3-jieba, or ALMKIT_JIEBA_DIR).
#include <benchmark/benchmark.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "bench/jieba/segmenter.h"

namespace {

const std::string kRepo = [] {
  std::string path = __FILE__;
  return path.substr(0, path.rfind("/benchmarks/"));
}();

std::vector<std::string> reference_texts() {
  std::ifstream in(kRepo + "/tests/data/bench/jieba_reference.json");
  const auto reference = nlohmann::json::parse(in);
  std::vector<std::string> texts;
  for (const auto& item : reference.at("cases")) texts.push_back(item.at("text"));
  return texts;
}

size_t characters(const std::string& text) {
  size_t n = 0;
  for (unsigned char c : text) n += (c & 0xC0) != 0x80;
  return n;
}

void BM_JiebaLoad(benchmark::State& state) {
  const char* dir = std::getenv("ALMKIT_JIEBA_DIR");
  for (auto _ : state) {
    almkit::bench::jieba::Segmenter segmenter(dir ? dir : "/usr/lib/python3/dist-packages/jieba");
    benchmark::DoNotOptimize(segmenter.dictionary_entries());
  }
}
BENCHMARK(BM_JiebaLoad)->Unit(benchmark::kMillisecond)->Iterations(3);

void BM_JiebaCut(benchmark::State& state) {
  const auto& segmenter = almkit::bench::jieba::default_segmenter();
  const std::vector<std::string> texts = reference_texts();
  size_t chars = 0, words = 0;
  for (const auto& text : texts) chars += characters(text);
  for (auto _ : state) {
    for (const auto& text : texts) words += segmenter.cut(text).size();
  }
  state.counters["chars/s"] =
      benchmark::Counter(double(chars) * double(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["words"] = double(words) / double(state.iterations());
}
// Wall clock, as compare_jieba.py times Python.
BENCHMARK(BM_JiebaCut)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
