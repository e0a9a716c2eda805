// The products of one Qwen2-0.5B decoder layer on a prompt (q/k/v/o 896 -> 896/128/128/896,
// gate/up 896 -> 4864, down 4864 -> 896), M = 128 and 512 rows, 1 and 2 threads, by every path
// a bf16 or fp32 checkpoint can take on this CPU, in one run so the ratios share the load:
//   almkit_bf16_split / almkit_bf16_round   nn::bf16_gemm (vdpbf16ps on the stored bf16 weights)
//   almkit_linear_bf16                      nn::linear with bf16 weights (what the models call)
//   widen_then_fp32                         the old prompt path: weights widened per call + BLAS
//   torch_fp32                              at::linear on fp32 weights (OpenBLAS sgemm)
//   torch_bf16                              at::linear on bf16 x and weights (oneDNN where present)
// GFLOP/s counts 2 M N K per product. Interleave filters to compare:
//   build/benchmarks/almkit_bench_gemm --benchmark_repetitions=3
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <benchmark/benchmark.h>

#include <cstdio>
#include <string>
#include <vector>

#include "core/cpu_allocator.h"
#include "core/cpu_features.h"
#include "core/threads.h"
#include "nn/bf16_gemm.h"
#include "nn/linear.h"

namespace {

struct Layer {
  std::vector<at::Tensor> fp32, bf16;  // [n, k] each
};

const Layer& qwen2_layer() {
  static const Layer layer = [] {
    at::manual_seed(0);
    Layer built;
    const int64_t shapes[][2] = {{896, 896},  {128, 896},  {128, 896}, {896, 896},
                                 {4864, 896}, {4864, 896}, {896, 4864}};
    for (const auto& shape : shapes) {
      at::Tensor w = at::randn({shape[0], shape[1]}) * 0.02;
      built.bf16.push_back(w.to(at::kBFloat16));
      built.fp32.push_back(built.bf16.back().to(at::kFloat));
    }
    return built;
  }();
  return layer;
}

enum class Path { kSplit, kRound, kLinearBf16, kWiden, kTorchFp32, kTorchBf16 };

void layer_products(benchmark::State& state, Path path) {
  const int64_t m = state.range(0);
  const int threads = static_cast<int>(state.range(1));
  if ((path == Path::kSplit || path == Path::kRound) && !almkit::cpu_features().avx512_bf16) {
    state.SkipWithError("this CPU has no AVX512-BF16");
    return;
  }
  almkit::install_caching_cpu_allocator();
  almkit::set_compute_threads(threads);
  const Layer& layer = qwen2_layer();
  const at::Tensor x896 = at::randn({m, 896}), x4864 = at::randn({m, 4864});
  const at::Tensor x896_bf16 = x896.to(at::kBFloat16), x4864_bf16 = x4864.to(at::kBFloat16);
  double flop = 0;
  for (const auto& w : layer.fp32) flop += 2.0 * m * w.size(0) * w.size(1);
  std::vector<at::Tensor> outputs(layer.fp32.size());
  for (auto _ : state) {
    for (size_t i = 0; i < layer.fp32.size(); ++i) {
      const bool wide = layer.fp32[i].size(1) == 4864;
      const at::Tensor& x = wide ? x4864 : x896;
      const at::Tensor& w = layer.bf16[i];
      switch (path) {
        case Path::kSplit:
        case Path::kRound: {
          at::Tensor y = at::empty({m, w.size(0)});
          almkit::nn::bf16_gemm(x.data_ptr<float>(), m, w.size(1),
                                reinterpret_cast<const uint16_t*>(w.data_ptr<at::BFloat16>()),
                                w.size(0), y.data_ptr<float>(), nullptr,
                                path == Path::kSplit ? almkit::nn::Bf16Input::kSplit
                                                     : almkit::nn::Bf16Input::kRoundInput);
          outputs[i] = y;
          break;
        }
        case Path::kLinearBf16:
          outputs[i] = almkit::nn::linear(x, w);
          break;
        case Path::kWiden:
          outputs[i] = at::linear(x, w.to(at::kFloat));
          break;
        case Path::kTorchFp32:
          outputs[i] = at::linear(x, layer.fp32[i]);
          break;
        case Path::kTorchBf16:
          outputs[i] = at::linear(wide ? x4864_bf16 : x896_bf16, w);
          break;
      }
    }
    benchmark::DoNotOptimize(outputs);
  }
  state.counters["GFLOPs"] =
      benchmark::Counter(flop * state.iterations() / 1e9, benchmark::Counter::kIsRate);
  // tokens per second of the 24 layers' products alone (Qwen2-0.5B has 24 such layers)
  state.counters["tok_s_24_layers"] =
      benchmark::Counter(m * state.iterations() / 24.0, benchmark::Counter::kIsRate);
}

void shapes(benchmark::internal::Benchmark* b) {
  for (int threads : {1, 2}) {
    for (int m : {128, 512}) b->Args({m, threads});
  }
  b->ArgNames({"rows", "threads"})->UseRealTime()->Unit(benchmark::kMillisecond)->MinTime(0.5);
}

}  // namespace

BENCHMARK_CAPTURE(layer_products, almkit_bf16_split, Path::kSplit)->Apply(shapes);
BENCHMARK_CAPTURE(layer_products, almkit_bf16_round, Path::kRound)->Apply(shapes);
BENCHMARK_CAPTURE(layer_products, almkit_linear_bf16, Path::kLinearBf16)->Apply(shapes);
BENCHMARK_CAPTURE(layer_products, torch_fp32, Path::kTorchFp32)->Apply(shapes);
BENCHMARK_CAPTURE(layer_products, torch_bf16, Path::kTorchBf16)->Apply(shapes);
BENCHMARK_CAPTURE(layer_products, widen_then_fp32, Path::kWiden)->Apply(shapes);

int main(int argc, char** argv) {
  std::fprintf(stderr, "AVX512-BF16: %s\n", almkit::cpu_features().avx512_bf16 ? "yes" : "no");
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
