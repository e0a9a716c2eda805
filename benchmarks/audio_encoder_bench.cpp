// A Qwen2-Audio checkpoint's audio path on one clip, as generation runs it before the prompt:
// the log-mel of the samples, the Whisper tower (+ pooling, final norm) and the projector, every
// iteration in full (no encoded-audio cache). The stage llama.cpp's libmtmd times in
// mtmd_tokenize + mtmd_encode_chunk; benchmarks/peers/compare_mtmd.sh runs the two side by side.
//   ALMKIT_BENCH_QWEN2_AUDIO   checkpoint folder (benchmarks/peers/qwen2_audio_tower_checkpoint.py
//                              writes one with Qwen2-Audio-7B's tower)
//   ALMKIT_BENCH_CLIP          raw float32 16 kHz mono samples (default: 30 s of a chord)
//   ALMKIT_BENCH_RUNS          timed iterations (default 1), after one untimed warm-up per dtype
//   ALMKIT_BENCH_EMBEDDINGS    write the last run's projected frames [frames, width] as raw
//                              float32 to this path + ".<dtype>.f32" (the parity check)
// Benchmarks audio_encoder/<dtype>/threads:N; "clip_s" is seconds per clip.
#include <ATen/ATen.h>
#include <benchmark/benchmark.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "almkit/model.h"
#include "almkit/version.h"
#include "core/threads.h"
#include "generate/pipeline.h"
#include "runtime/model_access.h"

namespace {

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

std::vector<float> bench_clip() {
  const std::string path = env("ALMKIT_BENCH_CLIP");
  if (path.empty()) {
    std::vector<float> samples(16000 * 30);
    for (size_t i = 0; i < samples.size(); ++i) {
      const double t = i / 16000.0;
      samples[i] = static_cast<float>(0.1 * std::sin(2 * M_PI * 220 * t) + 0.05 * std::sin(2 * M_PI * 330 * t));
    }
    return samples;
  }
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  const std::streamsize bytes = in ? static_cast<std::streamsize>(in.tellg()) : -1;
  if (bytes <= 0 || bytes % sizeof(float) != 0) {
    std::fprintf(stderr, "ALMKIT_BENCH_CLIP: '%s' is not a file of raw float32 samples\n", path.c_str());
    std::exit(2);
  }
  std::vector<float> samples(bytes / sizeof(float));
  in.seekg(0);
  in.read(reinterpret_cast<char*>(samples.data()), bytes);
  return samples;
}

// mel + tower + projector of `request`'s clip: [frames, width]
at::Tensor encode(const almkit::Model& model, const almkit::Request& request) {
  const almkit::RequestTensors tensors = almkit::ModelAccess::request_tensors(model, request);
  const almkit::Pipeline& pipeline = almkit::ModelAccess::pipeline(model);
  const almkit::EncodedAudio projected = pipeline.project(pipeline.encode(tensors.features, tensors.feature_lengths));
  return projected.hidden[0].narrow(0, 0, projected.output_lengths[0].item<int64_t>());
}

almkit::Request bench_request(const almkit::Model& model) {
  almkit::Request request;
  request.prompt_ids = {model.audio_token_id()};
  request.audio = {almkit::AudioBuffer{16000, 1, bench_clip()}};
  return request;
}

// One model per dtype (the thread count is set per call, not at load), warmed up by one untimed
// encode at its first use (first-touch pages, the allocator's cache, the thread pool), as libmtmd
// warms up in mtmd_init_from_file.
almkit::Model* model_for(const std::string& folder, const std::string& dtype) {
  static std::map<std::string, std::unique_ptr<almkit::Model>> cache;
  auto& model = cache[dtype];
  if (!model) {
    almkit::ModelOptions options;
    options.dtype = dtype;
    options.load_tokenizer = false;
    options.audio_cache_clips = 0;  // the encoder must run every iteration
    model = almkit::Model::load(folder, options);
    encode(*model, bench_request(*model));
  }
  return model.get();
}

void audio_encoder(benchmark::State& state, const std::string& dtype, int threads) {
  const std::string folder = env("ALMKIT_BENCH_QWEN2_AUDIO");
  if (folder.empty()) {
    state.SkipWithError("ALMKIT_BENCH_QWEN2_AUDIO not set");
    return;
  }
  almkit::ComputeThreadsScope scope(threads);
  almkit::Model* model = model_for(folder, dtype);
  const almkit::Request request = bench_request(*model);
  at::Tensor frames;
  double seconds = 0.0;
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    frames = encode(*model, request);
    const double step = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    state.SetIterationTime(step);
    seconds += step;
  }
  state.counters["clip_s"] = seconds / state.iterations();
  state.counters["frames"] = static_cast<double>(frames.size(0));
  const std::string out = env("ALMKIT_BENCH_EMBEDDINGS");
  if (!out.empty()) {
    const at::Tensor values = frames.to(at::kFloat).contiguous();
    std::ofstream file(out + "." + dtype + ".f32", std::ios::binary);
    file.write(static_cast<const char*>(values.data_ptr()), values.numel() * sizeof(float));
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::fprintf(stderr, "%s\n", almkit::build_info().c_str());
  const int runs = env("ALMKIT_BENCH_RUNS").empty() ? 1 : std::atoi(env("ALMKIT_BENCH_RUNS").c_str());
  for (const std::string dtype : {"float32", "bfloat16"}) {
    for (const int threads : {1, 2}) {
      benchmark::RegisterBenchmark(("audio_encoder/" + dtype + "/threads:" + std::to_string(threads)).c_str(),
                                   audio_encoder, dtype, threads)
          ->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(runs);
    }
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
