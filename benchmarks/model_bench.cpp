// Language-model and encoder speed at published shapes, on random checkpoints written by
// `almkit init-model` (benchmarks/model_speed.sh makes them and sets the variables below):
//   ALMKIT_BENCH_QWEN2_F32 / ALMKIT_BENCH_QWEN2_BF16   Qwen2-0.5B-Instruct shapes
//   ALMKIT_BENCH_WHISPER_BASE / ALMKIT_BENCH_WHISPER_LARGE   Whisper base / large-v3 shapes
// A variable that is unset skips its benchmarks. Decode speed is also reported as a fraction
// of the memory-bandwidth bound: weight bytes read per token / read bandwidth measured in the
// same run with as many threads (ALMKIT_BENCH_READ_GBPS overrides it), and of the brief's
// nominal 27 GB/s (1 thread) / 48 GB/s (2 threads). This VM's bandwidth moves with its
// neighbours (18-31 GB/s measured on different days), so only the same-run figure is a fair
// denominator.
#include <benchmark/benchmark.h>
#include <immintrin.h>
#include <sys/stat.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "almkit/model.h"
#include "almkit/version.h"
#include "core/spin_pool.h"
#include "core/threads.h"

namespace {

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

// VmRSS / VmHWM of this process in MB.
double status_mb(const std::string& field) {
  std::ifstream status("/proc/self/status");
  std::string key;
  while (status >> key) {
    if (key == field + ":") {
      double kb;
      status >> kb;
      return kb / 1024.0;
    }
    status.ignore(1 << 20, '\n');
  }
  return 0.0;
}

double file_mb(const std::string& path) {
  struct stat s {};
  return stat(path.c_str(), &s) == 0 ? s.st_size / 1048576.0 : 0.0;
}

// One thread's share of the read-bandwidth probe: 256-bit loads, two independent accumulators,
// so the loop is bound by memory, not by adds (a scalar loop stalls near 14 GB/s here).
__attribute__((target("avx2"))) uint64_t read_all(const uint64_t* p, size_t words) {
  __m256i a = _mm256_setzero_si256(), b = _mm256_setzero_si256();
  for (size_t i = 0; i + 8 <= words; i += 8) {
    a = _mm256_add_epi64(a, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i)));
    b = _mm256_xor_si256(b, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i + 4)));
  }
  return static_cast<uint64_t>(_mm256_extract_epi64(a, 0) + _mm256_extract_epi64(b, 1));
}

// Best of five passes reading a 1 GiB buffer split over `threads` threads, in GB/s.
double measured_read_gbps(int threads) {
  static std::map<int, double> cache;
  if (cache.count(threads)) return cache[threads];
  static std::vector<uint64_t> buffer(size_t{1} << 27, 1);  // 1 GiB, touched once here
  double best = 1e9;
  for (int pass = 0; pass < 5; ++pass) {
    std::vector<uint64_t> sums(threads);
    std::vector<std::thread> workers;
    const size_t per = buffer.size() / threads;
    const auto t0 = std::chrono::steady_clock::now();
    for (int t = 0; t < threads; ++t) {
      workers.emplace_back([&, t] { sums[t] = read_all(buffer.data() + t * per, per); });
    }
    for (auto& worker : workers) worker.join();
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    benchmark::DoNotOptimize(sums);
  }
  return cache[threads] = buffer.size() * 8.0 / best / 1e9;
}

struct Loaded {
  std::unique_ptr<almkit::Model> model;
  double rss_increase_mb, file_size_mb;
};

// One load per (folder, dtype, threads), kept for all benchmarks that use it.
almkit::Model* model_for(const std::string& folder, const std::string& dtype, int threads, benchmark::State& state) {
  static std::map<std::string, Loaded> cache;
  const std::string key = folder + "|" + dtype + "|" + std::to_string(threads);
  auto it = cache.find(key);
  if (it == cache.end()) {
    const double before = status_mb("VmRSS");
    almkit::ModelOptions options;
    options.dtype = dtype;
    options.num_threads = threads;
    options.load_tokenizer = false;
    // A stage's benchmark must run that stage every iteration: with the encoded-audio cache on,
    // iterations after the first would skip the encoder (issue 18).
    options.audio_cache_clips = 0;
    Loaded loaded{almkit::Model::load(folder, options), 0, file_mb(folder + "/model.safetensors")};
    loaded.rss_increase_mb = status_mb("VmRSS") - before;
    it = cache.emplace(key, std::move(loaded)).first;
  }
  // the thread count is process-wide: a cached model must not run with the last load's count
  almkit::set_compute_threads(threads);
  state.counters["rss_after_load_MB"] = it->second.rss_increase_mb;
  state.counters["file_MB"] = it->second.file_size_mb;
  return it->second.model.get();
}

almkit::Request prompt(int tokens) {
  almkit::Request request;
  for (int i = 0; i < tokens; ++i) request.prompt_ids.push_back(1000 + (i * 7919) % 50000);
  return request;
}

void qwen2(benchmark::State& state, const char* variable, const char* dtype, bool decode, int prefill_tokens = 128) {
  const std::string folder = env(variable);
  if (folder.empty()) {
    state.SkipWithError((std::string(variable) + " not set").c_str());
    return;
  }
  const int threads = static_cast<int>(state.range(0));
  almkit::Model* model = model_for(folder, dtype, threads, state);
  almkit::GenerateOptions options;
  options.stop_token_ids = {};
  const int prompt_tokens = decode ? 16 : prefill_tokens, new_tokens = decode ? 33 : 1;
  options.max_new_tokens = new_tokens;
  double seconds = 0;
  // thread-pool joins (pooled and inline jobs; none on 1 thread) of the 32 steps, the same way
  int64_t joins = 0;
  const auto pool_jobs = [] {
    const almkit::SpinPoolStats stats = almkit::spin_pool_stats();
    return stats.pooled_jobs + stats.inline_jobs;
  };
  for (auto _ : state) {
    if (decode) {  // time of 32 decode steps: a 33-token run minus a 1-token run
      options.max_new_tokens = 1;
      const int64_t j0 = pool_jobs();
      const auto t0 = std::chrono::steady_clock::now();
      benchmark::DoNotOptimize(model->generate(prompt(prompt_tokens), options));
      const auto t1 = std::chrono::steady_clock::now();
      const int64_t j1 = pool_jobs();
      options.max_new_tokens = new_tokens;
      benchmark::DoNotOptimize(model->generate(prompt(prompt_tokens), options));
      const auto t2 = std::chrono::steady_clock::now();
      joins += (pool_jobs() - j1) - (j1 - j0);
      const double step = std::chrono::duration<double>((t2 - t1) - (t1 - t0)).count();
      state.SetIterationTime(step);
      seconds += step;
    } else {
      const auto t0 = std::chrono::steady_clock::now();
      benchmark::DoNotOptimize(model->generate(prompt(prompt_tokens), options));
      const double step = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      state.SetIterationTime(step);
      seconds += step;
    }
  }
  const double tokens = static_cast<double>(state.iterations()) * (decode ? new_tokens - 1 : prompt_tokens);
  state.counters["tokens_per_s"] = tokens / seconds;
  if (decode) {
    state.counters["pool_joins_per_token"] = static_cast<double>(joins) / tokens;
    const double gbps = env("ALMKIT_BENCH_READ_GBPS").empty() ? measured_read_gbps(threads)
                                                                : std::atof(env("ALMKIT_BENCH_READ_GBPS").c_str());
    const double nominal_gbps = threads > 1 ? 48.0 : 27.0;
    // bytes per token = the weights in the compute dtype (every weight is read once per step)
    // (int8 from an f32 file: 32 one-byte values and a 2-byte scale per 32 weights, 34/128)
    const bool from_f32 = folder.find("f32") != std::string::npos;
    const double ratio = !from_f32 ? 1.0 : std::string(dtype) == "bfloat16" ? 0.5 : std::string(dtype) == "int8" ? 34.0 / 128 : 1.0;
    const double weight_gb = state.counters["file_MB"] * 1048576.0 / 1e9 * ratio;  // GB, as the bandwidth
    state.counters["read_GBps"] = gbps;
    state.counters["bound_tokens_per_s"] = gbps / weight_gb;
    state.counters["fraction_of_bound"] = (tokens / seconds) / (gbps / weight_gb);
    state.counters["fraction_of_nominal"] = (tokens / seconds) / (nominal_gbps / weight_gb);
  }
}

void whisper_encoder(benchmark::State& state, const char* variable, const char* dtype) {
  const std::string folder = env(variable);
  if (folder.empty()) {
    state.SkipWithError((std::string(variable) + " not set").c_str());
    return;
  }
  almkit::Model* model = model_for(folder, dtype, static_cast<int>(state.range(0)), state);
  almkit::GenerateOptions options;
  options.max_new_tokens = 1;  // the encoder dominates; one decoder step on top
  int iteration = 0;
  for (auto _ : state) {
    // a different clip every iteration as well, so no cache anywhere can answer for the encoder
    state.PauseTiming();
    almkit::Request request;
    almkit::AudioBuffer clip{16000, 1, std::vector<float>(16000 * 30)};
    const float frequency = 0.05f + 0.001f * iteration++;
    for (size_t i = 0; i < clip.samples.size(); ++i) clip.samples[i] = 0.1f * std::sin(frequency * i);
    request.audio = {clip};
    state.ResumeTiming();
    benchmark::DoNotOptimize(model->generate(request, options));
  }
  state.counters["x_realtime"] = benchmark::Counter(30.0 * state.iterations(), benchmark::Counter::kIsRate);
}

}  // namespace

BENCHMARK_CAPTURE(qwen2, prefill128_f32, "ALMKIT_BENCH_QWEN2_F32", "float32", false)
    ->Arg(1)->Arg(2)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK_CAPTURE(qwen2, prefill128_bf16, "ALMKIT_BENCH_QWEN2_BF16", "bfloat16", false)
    ->Arg(1)->Arg(2)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK_CAPTURE(qwen2, prefill512_f32, "ALMKIT_BENCH_QWEN2_F32", "float32", false, 512)
    ->Arg(1)->Arg(2)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(2);
BENCHMARK_CAPTURE(qwen2, prefill512_bf16, "ALMKIT_BENCH_QWEN2_BF16", "bfloat16", false, 512)
    ->Arg(1)->Arg(2)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(2);
BENCHMARK_CAPTURE(qwen2, decode32_f32, "ALMKIT_BENCH_QWEN2_F32", "float32", true)
    ->Arg(1)->Arg(2)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(2);
BENCHMARK_CAPTURE(qwen2, decode32_bf16, "ALMKIT_BENCH_QWEN2_BF16", "bfloat16", true)
    ->Arg(1)->Arg(2)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(2);
// int8 Linear weights quantised at load from the f32 folder (nn/int8_linear.h)
BENCHMARK_CAPTURE(qwen2, prefill128_int8, "ALMKIT_BENCH_QWEN2_F32", "int8", false)
    ->Arg(1)->Arg(2)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK_CAPTURE(qwen2, prefill512_int8, "ALMKIT_BENCH_QWEN2_F32", "int8", false, 512)
    ->Arg(1)->Arg(2)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(2);
BENCHMARK_CAPTURE(qwen2, decode32_int8, "ALMKIT_BENCH_QWEN2_F32", "int8", true)
    ->Arg(1)->Arg(2)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(2);
BENCHMARK_CAPTURE(whisper_encoder, base_int8, "ALMKIT_BENCH_WHISPER_BASE", "int8")
    ->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK_CAPTURE(whisper_encoder, base_f32, "ALMKIT_BENCH_WHISPER_BASE", "float32")
    ->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK_CAPTURE(whisper_encoder, large_v3_f32, "ALMKIT_BENCH_WHISPER_LARGE", "float32")
    ->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK_CAPTURE(whisper_encoder, large_v3_bf16, "ALMKIT_BENCH_WHISPER_LARGE", "bfloat16")
    ->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond)->Iterations(1);

int main(int argc, char** argv) {
  std::fprintf(stderr, "%s\n", almkit::build_info().c_str());
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
