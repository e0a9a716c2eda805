// Whisper log-mel and Kaldi fbank on 30 s of audio, 1 and 2 threads. The input is the WAV
// named by ALMKIT_BENCH_WAV (benchmarks/compare_frontend.py passes the one torchaudio times),
// or a synthetic 30 s signal.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

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

// A yardstick for kernel changes on a noisy machine: the first 3 s of the input (its working set
// stays in L2), 1 thread, many short repetitions and their minimum, which repeats within ~1 %
// where the 30 s figures above move by 20 %. Compare binaries alternately:
//   almkit_bench_frontend --benchmark_filter=Clip --benchmark_report_aggregates_only=true
double minimum(const std::vector<double>& values) {
  return *std::min_element(values.begin(), values.end());
}
int64_t clip_samples() {
  return std::min<int64_t>(input().size(), 3 * 16000);
}
template <typename Compute>
void time_clip(benchmark::State& state, int64_t frames, Compute compute) {
  for (auto _ : state) compute();
  state.counters["ns_per_frame"] =
      benchmark::Counter(static_cast<double>(frames) * state.iterations(),
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void BM_KaldiFbankClip(benchmark::State& state) {
  almkit::KaldiFbankOptions options;
  options.num_mel_bins = 80;
  const almkit::KaldiFbank fbank(options);
  const int64_t frames = fbank.output_frames(clip_samples());
  std::vector<float> out(frames * fbank.num_features());
  time_clip(state, frames, [&] { fbank.compute_into(input().data(), clip_samples(), out.data()); });
}
BENCHMARK(BM_KaldiFbankClip)->Unit(benchmark::kMicrosecond)->MinTime(0.01)->Repetitions(300)
    ->ComputeStatistics("min", minimum);

void BM_WhisperMelClip(benchmark::State& state) {
  almkit::WhisperMelOptions options;
  options.pad_to_chunk = false;
  const almkit::WhisperMel mel(options);
  const int64_t frames = mel.num_frames(clip_samples());
  std::vector<float> out(options.feature_size * frames);
  time_clip(state, frames, [&] { mel.compute_into(input().data(), clip_samples(), out.data()); });
}
BENCHMARK(BM_WhisperMelClip)->Unit(benchmark::kMicrosecond)->MinTime(0.01)->Repetitions(300)
    ->ComputeStatistics("min", minimum);

}  // namespace

int main(int argc, char** argv) {
  std::fprintf(stderr, "%s\n", almkit::build_info().c_str());
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
