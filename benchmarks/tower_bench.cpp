// The Whisper-large-v3-shaped audio tower (Qwen2-Audio-7B, Audio Flamingo 3, Voxtral) on one
// 30 s clip, the encoder stage alone and run in full every iteration (no cache, no trimming of
// padding: a 30 s clip fills the window), next to an in-process peer on the same bf16 weights:
//   almkit     WhisperEncoderStack + the final layer norm, bf16 weights (as `--dtype bfloat16`)
//   torch      transformers 4.47's eager WhisperEncoder written in ATen ops, every tensor bf16
//              (libtorch's oneDNN bf16 matmuls; composite attention), the same weights
// Reports seconds per 30 s clip and x-realtime. The checkpoint is a random large-v3 Whisper:
//   almkit init-model --arch whisper --size large-v3 --dtype BF16 -o .cache/bench-models/whisper-large-v3-bf16
//   ALMKIT_BENCH_WHISPER_LARGE_BF16=.cache/bench-models/whisper-large-v3-bf16 OMP_WAIT_POLICY=PASSIVE \
//     build/benchmarks/almkit_bench_tower --benchmark_repetitions=3 \
//     --benchmark_enable_random_interleaving=true
// (benchmarks/tower_speed.sh does both.) ALMKIT_BENCH_TOWER_LAYERS=N runs the first N layers
// only (profiling on a smaller shape); seconds are then scaled by 32 / N in "clip_s".
#include <ATen/ATen.h>
#include <benchmark/benchmark.h>

#include <time.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "almkit/safetensors.h"
#include "core/cpu_allocator.h"
#include "core/threads.h"
#include "io/weight_store.h"
#include "models/whisper_encoder.h"
#include "nn/layers.h"
#include "nn/linear.h"

namespace {

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

constexpr const char* kPrefix = "model.encoder";

struct Tower {
  std::unique_ptr<almkit::WeightStore> store;
  std::unique_ptr<almkit::WhisperEncoderStack> stack;
  almkit::nn::LayerNorm layer_norm;
  almkit::WhisperEncoderShape shape;
  at::Tensor features;  // one 30 s clip's log-mel [1, 128, 3000]
};

// Loaded once (3 GB mapped), shared by both benchmarks.
Tower* tower(benchmark::State& state) {
  static std::unique_ptr<Tower> loaded;
  if (loaded) return loaded.get();
  const std::string folder = env("ALMKIT_BENCH_WHISPER_LARGE_BF16");
  if (folder.empty()) {
    state.SkipWithError("ALMKIT_BENCH_WHISPER_LARGE_BF16 not set");
    return nullptr;
  }
  almkit::install_caching_cpu_allocator();
  loaded = std::make_unique<Tower>();
  almkit::WeightOptions options;
  options.dtype = at::kBFloat16;
  loaded->store = std::make_unique<almkit::WeightStore>(almkit::SafetensorsCheckpoint::open_folder(folder), options);
  loaded->shape = almkit::WhisperEncoderShape::large_v3();
  if (!env("ALMKIT_BENCH_TOWER_LAYERS").empty()) loaded->shape.layers = std::atoi(env("ALMKIT_BENCH_TOWER_LAYERS").c_str());
  loaded->stack = std::make_unique<almkit::WhisperEncoderStack>(*loaded->store, kPrefix, loaded->shape);
  loaded->layer_norm = almkit::nn::LayerNorm::load(*loaded->store, std::string(kPrefix) + ".layer_norm", 1280, 1e-5);
  at::manual_seed(0);
  loaded->features = at::randn({1, 128, 3000}) * 0.5 - 0.3;
  return loaded.get();
}

// CPU seconds of the whole process (every thread): on a machine others load, wall time says
// little about two threads, CPU time per clip still compares the work done.
double process_cpu_seconds() {
  timespec now{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + 1e-9 * static_cast<double>(now.tv_nsec);
}

void report(benchmark::State& state, const Tower& t, double cpu_seconds) {
  const double scale = 32.0 / static_cast<double>(t.shape.layers);
  state.counters["cpu_s"] = cpu_seconds * scale / static_cast<double>(state.iterations());
  state.counters["clip_s"] = benchmark::Counter(1.0 / scale, benchmark::Counter::kIsIterationInvariantRate |
                                                           benchmark::Counter::kInvert);
  state.counters["x_realtime"] = benchmark::Counter(30.0 / scale, benchmark::Counter::kIsIterationInvariantRate);
}

void almkit_tower(benchmark::State& state) {
  Tower* t = tower(state);
  if (!t) return;
  almkit::set_compute_threads(static_cast<int>(state.range(0)));
  const double cpu0 = process_cpu_seconds();
  for (auto _ : state) {
    benchmark::DoNotOptimize(t->layer_norm(t->stack->forward(t->features, at::Tensor(), nullptr)));
  }
  report(state, *t, process_cpu_seconds() - cpu0);
}

// transformers' WhisperEncoder.forward (eager attention), every tensor bf16.
struct PeerWeights {
  at::Tensor conv1_w, conv1_b, conv2_w, conv2_b, positions, norm_w, norm_b;
  struct Layer {
    at::Tensor ln1_w, ln1_b, q_w, q_b, k_w, v_w, v_b, o_w, o_b, ln2_w, ln2_b, fc1_w, fc1_b, fc2_w, fc2_b;
  };
  std::vector<Layer> layers;
};

const PeerWeights& peer_weights(const Tower& t) {
  static std::unique_ptr<PeerWeights> weights;
  if (weights) return *weights;
  weights = std::make_unique<PeerWeights>();
  almkit::WeightOptions options;
  options.dtype = at::kBFloat16;
  // a second view of the same mapped file; norms and biases come as fp32 there, so convert
  almkit::WeightStore store(almkit::SafetensorsCheckpoint::open_folder(t.store->folder()), options);
  const auto get = [&](const std::string& name, std::vector<int64_t> shape) {
    return store.take(std::string(kPrefix) + "." + name, shape).to(at::kBFloat16).contiguous();
  };
  const int64_t d = 1280, f = 5120;
  weights->conv1_w = get("conv1.weight", {d, 128, 3});
  weights->conv1_b = get("conv1.bias", {d});
  weights->conv2_w = get("conv2.weight", {d, d, 3});
  weights->conv2_b = get("conv2.bias", {d});
  weights->positions = get("embed_positions.weight", {1500, d});
  weights->norm_w = get("layer_norm.weight", {d});
  weights->norm_b = get("layer_norm.bias", {d});
  for (int64_t i = 0; i < t.shape.layers; ++i) {
    const std::string p = "layers." + std::to_string(i) + ".";
    weights->layers.push_back({get(p + "self_attn_layer_norm.weight", {d}), get(p + "self_attn_layer_norm.bias", {d}),
                               get(p + "self_attn.q_proj.weight", {d, d}), get(p + "self_attn.q_proj.bias", {d}),
                               get(p + "self_attn.k_proj.weight", {d, d}), get(p + "self_attn.v_proj.weight", {d, d}),
                               get(p + "self_attn.v_proj.bias", {d}), get(p + "self_attn.out_proj.weight", {d, d}),
                               get(p + "self_attn.out_proj.bias", {d}), get(p + "final_layer_norm.weight", {d}),
                               get(p + "final_layer_norm.bias", {d}), get(p + "fc1.weight", {f, d}),
                               get(p + "fc1.bias", {f}), get(p + "fc2.weight", {d, f}), get(p + "fc2.bias", {d})});
  }
  return *weights;
}

at::Tensor peer_forward(const PeerWeights& w, const at::Tensor& features) {
  const int64_t d = 1280, heads = 20, head_dim = d / heads;
  at::Tensor x = at::gelu(at::conv1d(features.to(at::kBFloat16), w.conv1_w, w.conv1_b, 1, 1));
  x = at::gelu(at::conv1d(x, w.conv2_w, w.conv2_b, 2, 1)).permute({0, 2, 1});
  x = x + w.positions;
  const int64_t t = x.size(1);
  for (const PeerWeights::Layer& l : w.layers) {
    at::Tensor h = at::layer_norm(x, {d}, l.ln1_w, l.ln1_b, 1e-5);
    const auto heads_of = [&](const at::Tensor& y) { return y.view({1, t, heads, head_dim}).transpose(1, 2); };
    const at::Tensor q = heads_of(at::linear(h, l.q_w, l.q_b) * (1.0 / 8.0));
    const at::Tensor k = heads_of(at::linear(h, l.k_w));
    const at::Tensor v = heads_of(at::linear(h, l.v_w, l.v_b));
    const at::Tensor probs = at::softmax(at::matmul(q, k.transpose(2, 3)), -1);
    x = x + at::linear(at::matmul(probs, v).transpose(1, 2).reshape({1, t, d}), l.o_w, l.o_b);
    h = at::layer_norm(x, {d}, l.ln2_w, l.ln2_b, 1e-5);
    x = x + at::linear(at::gelu(at::linear(h, l.fc1_w, l.fc1_b)), l.fc2_w, l.fc2_b);
  }
  return at::layer_norm(x, {d}, w.norm_w, w.norm_b, 1e-5);
}

void torch_bf16_tower(benchmark::State& state) {
  Tower* t = tower(state);
  if (!t) return;
  const PeerWeights& w = peer_weights(*t);
  almkit::set_compute_threads(static_cast<int>(state.range(0)));
  const double cpu0 = process_cpu_seconds();
  for (auto _ : state) benchmark::DoNotOptimize(peer_forward(w, t->features));
  report(state, *t, process_cpu_seconds() - cpu0);
}

// One tower layer's six products on 1,500 rows (q, k, v, out 1280 -> 1280, fc1 1280 -> 5120, fc2
// 5120 -> 1280; 59 GFLOP), bf16 weights: almkit's nn::linear (fp32 in and out) against
// at::linear on bf16 tensors (oneDNN), GFLOP/s. No checkpoint needed.
void layer_products(benchmark::State& state, bool torch_bf16) {
  almkit::install_caching_cpu_allocator();
  almkit::set_compute_threads(static_cast<int>(state.range(0)));
  at::manual_seed(0);
  const int64_t shapes[][2] = {{1280, 1280}, {1280, 1280}, {1280, 1280}, {1280, 1280}, {5120, 1280}, {1280, 5120}};
  std::vector<at::Tensor> weights, biases;
  double flop = 0;
  for (const auto& shape : shapes) {
    weights.push_back((at::randn({shape[0], shape[1]}) * 0.02).to(at::kBFloat16));
    biases.push_back(at::randn({shape[0]}));
    flop += 2.0 * 1500 * shape[0] * shape[1];
  }
  const at::Tensor x1280 = at::randn({1, 1500, 1280}), x5120 = at::randn({1, 1500, 5120});
  const at::Tensor x1280_bf16 = x1280.to(at::kBFloat16), x5120_bf16 = x5120.to(at::kBFloat16);
  std::vector<at::Tensor> biases_bf16;
  for (const auto& b : biases) biases_bf16.push_back(b.to(at::kBFloat16));
  for (auto _ : state) {
    for (size_t i = 0; i < weights.size(); ++i) {
      const bool wide = weights[i].size(1) == 5120;
      if (torch_bf16) {
        benchmark::DoNotOptimize(at::linear(wide ? x5120_bf16 : x1280_bf16, weights[i], biases_bf16[i]));
      } else {
        benchmark::DoNotOptimize(almkit::nn::linear(wide ? x5120 : x1280, weights[i], biases[i]));
      }
    }
  }
  state.counters["GFLOPs"] = benchmark::Counter(flop * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

}  // namespace

BENCHMARK_CAPTURE(layer_products, almkit, false)->Arg(2)->Arg(1)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(layer_products, torch_bf16, true)->Arg(2)->Arg(1)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(almkit_tower)->Arg(2)->Arg(1)->UseRealTime()->Unit(benchmark::kSecond)->Iterations(1);
BENCHMARK(torch_bf16_tower)->Arg(2)->Arg(1)->UseRealTime()->Unit(benchmark::kSecond)->Iterations(1);

BENCHMARK_MAIN();
