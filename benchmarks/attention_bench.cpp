// The attention core (softmax(q k^T * scale + mask) v, no projections) on prompt and encoder
// shapes, by the composite ATen path (matmul, softmax, matmul: scores materialised) and by the
// fused blocked loop of nn/flash_attention.h, 1 and 2 threads, in one run so the ratios share
// the machine's load:
//   whisper_base   1,500 frames, 8 heads x 64, no mask
//   whisper_large  1,500 frames, 20 heads x 64, no mask (the Qwen2-Audio / Voxtral tower)
//   prompt_1000    1,000-token causal prompt, 14 heads x 64 on 2 kv heads (Qwen2-0.5B)
// fused_bf16 is the fused loop as a model with bf16 weights runs it (both products in bf16 on
// CPUs with AVX512-BF16; elsewhere the fp32 kernels, as `fused`).
// Inputs are laid out as the attention module hands them (q a transposed view of the projection).
//   build/benchmarks/almkit_bench_attention --benchmark_repetitions=5 \
//       --benchmark_enable_random_interleaving=true --benchmark_report_aggregates_only=true
#include <ATen/ATen.h>
#include <benchmark/benchmark.h>

#include "core/cpu_allocator.h"
#include "core/threads.h"
#include "nn/attention.h"
#include "nn/attention_core.h"
#include "nn/flash_attention.h"

namespace {

using almkit::nn::AttentionCore;

struct Shape {
  const char* name;
  int64_t heads, kv_heads, length, head_dim;
  bool causal;
};
constexpr Shape kShapes[] = {{"whisper_base", 8, 8, 1500, 64, false},
                             {"whisper_large", 20, 20, 1500, 64, false},
                             {"prompt_1000", 14, 2, 1000, 64, true}};

void attention(benchmark::State& state, AttentionCore core, bool bf16_products = false) {
  const Shape& shape = kShapes[state.range(0)];
  const int threads = static_cast<int>(state.range(1));
  almkit::install_caching_cpu_allocator();
  almkit::set_compute_threads(threads);
  at::manual_seed(0);
  const int64_t t = shape.length, d = shape.head_dim;
  const at::Tensor q =
      at::randn({1, t, shape.heads * d}).view({1, t, shape.heads, d}).transpose(1, 2);
  const at::Tensor k =
      at::randn({1, t, shape.kv_heads * d}).view({1, t, shape.kv_heads, d}).transpose(1, 2);
  const at::Tensor v =
      at::randn({1, t, shape.kv_heads * d}).view({1, t, shape.kv_heads, d}).transpose(1, 2);
  const at::Tensor mask = shape.causal
                              ? almkit::nn::causal_mask(at::ones({1, t}, at::kLong), t, at::kFloat)
                              : at::Tensor();
  for (auto _ : state) {
    benchmark::DoNotOptimize(almkit::nn::attention_core(q, k, v, mask, 0.125, nullptr, core, bf16_products));
  }
  // q.k and p.v, 2 flops a multiply-add each (the causal half counted whole, as both paths do it)
  const double flop = 4.0 * shape.heads * t * t * d;
  state.counters["GFLOP/s"] =
      benchmark::Counter(flop * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel(
      std::string(shape.name) +
      (core != AttentionCore::kFused ? std::string()
       : bf16_products && almkit::nn::cpu_runs(almkit::nn::FlashKernel::kAvx512Bf16)
           ? std::string(" avx512-bf16")
           : std::string(" ") + almkit::nn::flash_kernel_name(almkit::nn::FlashKernel::kBest)));
}

void shapes_and_threads(benchmark::internal::Benchmark* b) {
  for (int shape = 0; shape < 3; ++shape) {
    for (int threads : {1, 2}) b->Args({shape, threads});
  }
  b->Unit(benchmark::kMillisecond)->UseRealTime();
}

BENCHMARK_CAPTURE(attention, composite, AttentionCore::kComposite)->Apply(shapes_and_threads);
BENCHMARK_CAPTURE(attention, fused, AttentionCore::kFused)->Apply(shapes_and_threads);
// what a model with bf16 weights runs: both products in bf16 where the CPU has AVX512-BF16
BENCHMARK_CAPTURE(attention, fused_bf16, AttentionCore::kFused, true)->Apply(shapes_and_threads);

}  // namespace

BENCHMARK_MAIN();
