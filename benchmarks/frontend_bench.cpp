// Whisper log-mel and Kaldi fbank on 30 s of audio, 1 and 2 threads. The input is the WAV
// named by ALMKIT_BENCH_WAV (benchmarks/compare_frontend.py passes the one torchaudio times),
// or a synthetic 30 s signal.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "almkit/audio.h"
#include "almkit/features.h"
#include "almkit/version.h"

namespace {

const std::vector<float>& input() {
  static const std::vector<float> samples = [] {
    if (const char* path = std::getenv("ALMKIT_BENCH_WAV")) {
      almkit::AudioLoadOptions options;
      options.target_sample_rate = 16000;
      return almkit::load_audio(path, options).samples;
    }
    std::vector<float> x(16000 * 30);
    for (size_t i = 0; i < x.size(); ++i) {
      x[i] = 0.3f * std::sin(0.0571f * i) + 0.1f * std::sin(0.31f * i + 0.001f * i * i / 16000);
    }
    return x;
  }();
  return samples;
}

void BM_WhisperMel(benchmark::State& state) {
  almkit::WhisperMelOptions options;
  options.feature_size = static_cast<int>(state.range(0));
  options.num_threads = static_cast<int>(state.range(1));
  almkit::WhisperMel mel(options);
  const auto& x = input();
  for (auto _ : state) benchmark::DoNotOptimize(mel.compute(x));
  state.counters["x_realtime"] = benchmark::Counter(
      x.size() / 16000.0 * state.iterations(), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_WhisperMel)->Args({80, 1})->Args({80, 2})->Args({128, 1})->Args({128, 2})
    ->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_KaldiFbank(benchmark::State& state) {
  almkit::KaldiFbankOptions options;
  options.num_mel_bins = static_cast<int>(state.range(0));
  options.num_threads = static_cast<int>(state.range(1));
  almkit::KaldiFbank fbank(options);
  const auto& x = input();
  for (auto _ : state) benchmark::DoNotOptimize(fbank.compute(x.data(), x.size()));
  state.counters["x_realtime"] = benchmark::Counter(
      x.size() / 16000.0 * state.iterations(), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_KaldiFbank)->Args({80, 1})->Args({80, 2})->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  std::fprintf(stderr, "%s\n", almkit::build_info().c_str());
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
