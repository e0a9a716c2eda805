// The products of Qwen2-0.5B shapes with int8 weights (nn/int8_linear.h) next to bf16 and fp32
// in the same run, 1 and 2 threads, through the calls the models make:
//   decode_step/*   the 169 mat-vecs of one decode step (24 layers of q/k/v/o, gate/up/down,
//                   then the 151936-row head), one row each; steps_per_s = the products' tok/s
//   prefill_layer/* one decoder layer's seven products on a prompt of 128 or 512 rows (the
//                   second argument); tokens_per_s counts
//                   24 such layers (the products alone, no attention or norms)
// int8: nn::int8_linear (activations quantised per call); bf16: nn::linear on bf16 weights;
// fp32: nn::linear on fp32 weights (gemv for one row, OpenBLAS GEMM for a prompt).
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <benchmark/benchmark.h>

#include <cstdio>
#include <memory>
#include <vector>

#include "nn/int8_linear.h"
#include "nn/linear.h"

namespace {

enum class Weights { kInt8, kBf16, kFp32 };

struct Stack {
  std::vector<at::Tensor> fp32, bf16;
  std::vector<std::unique_ptr<almkit::nn::Int8Weight>> int8;
};

// [out, in] of one layer's products, in call order.
const std::vector<std::pair<int64_t, int64_t>>& layer_shapes() {
  static const std::vector<std::pair<int64_t, int64_t>> shapes = {
      {896, 896}, {128, 896}, {128, 896}, {896, 896}, {4864, 896}, {4864, 896}, {896, 4864}};
  return shapes;
}

// Random weights of a trained model's scale (N(0, 0.02)); `layers` layers, then the head if asked.
Stack make_stack(int layers, bool head) {
  at::manual_seed(1);
  std::vector<std::pair<int64_t, int64_t>> shapes;
  for (int l = 0; l < layers; ++l) shapes.insert(shapes.end(), layer_shapes().begin(), layer_shapes().end());
  if (head) shapes.push_back({151936, 896});
  Stack stack;
  for (const auto& [out, in] : shapes) {
    const at::Tensor w = at::randn({out, in}) * 0.02;
    stack.int8.push_back(std::make_unique<almkit::nn::Int8Weight>(almkit::nn::quantize_int8_weight(w)));
    stack.bf16.push_back(w.to(at::kBFloat16));
    stack.fp32.push_back(w);
  }
  return stack;
}

void run_products(const Stack& stack, Weights weights, const at::Tensor& x896, const at::Tensor& x4864) {
  for (size_t i = 0; i < stack.fp32.size(); ++i) {
    const at::Tensor& x = stack.fp32[i].size(1) == 896 ? x896 : x4864;
    switch (weights) {
      case Weights::kInt8: benchmark::DoNotOptimize(almkit::nn::int8_linear(x, *stack.int8[i])); break;
      case Weights::kBf16: benchmark::DoNotOptimize(almkit::nn::linear(x, stack.bf16[i])); break;
      case Weights::kFp32: benchmark::DoNotOptimize(almkit::nn::linear(x, stack.fp32[i])); break;
    }
  }
}

void decode_step(benchmark::State& state, Weights weights) {
  static const Stack stack = make_stack(24, true);
  at::set_num_threads(static_cast<int>(state.range(0)));
  const at::Tensor x896 = at::randn({1, 896}), x4864 = at::randn({1, 4864});
  for (auto _ : state) run_products(stack, weights, x896, x4864);
  state.counters["steps_per_s"] = benchmark::Counter(state.iterations(), benchmark::Counter::kIsRate);
}

void prefill_layer(benchmark::State& state, Weights weights) {
  static const Stack stack = make_stack(1, false);
  at::set_num_threads(static_cast<int>(state.range(0)));
  const int64_t rows = state.range(1);
  const at::Tensor x896 = at::randn({rows, 896}), x4864 = at::randn({rows, 4864});
  for (auto _ : state) run_products(stack, weights, x896, x4864);
  state.counters["tokens_per_s"] =
      benchmark::Counter(static_cast<double>(rows) * state.iterations() / 24.0, benchmark::Counter::kIsRate);
}

}  // namespace

BENCHMARK_CAPTURE(decode_step, int8, Weights::kInt8)->Arg(1)->Arg(2)->UseRealTime()->MinTime(2.0);
BENCHMARK_CAPTURE(decode_step, bf16, Weights::kBf16)->Arg(1)->Arg(2)->UseRealTime()->MinTime(2.0);
BENCHMARK_CAPTURE(decode_step, fp32, Weights::kFp32)->Arg(1)->Arg(2)->UseRealTime()->MinTime(2.0);
BENCHMARK_CAPTURE(prefill_layer, int8, Weights::kInt8)->ArgsProduct({{1, 2}, {128, 512}})->UseRealTime()->MinTime(1.0);
BENCHMARK_CAPTURE(prefill_layer, bf16, Weights::kBf16)->ArgsProduct({{1, 2}, {128, 512}})->UseRealTime()->MinTime(1.0);
BENCHMARK_CAPTURE(prefill_layer, fp32, Weights::kFp32)->ArgsProduct({{1, 2}, {128, 512}})->UseRealTime()->MinTime(1.0);

int main(int argc, char** argv) {
  std::fprintf(stderr, "int8 kernel: %s\n", almkit::nn::kernel_name(almkit::nn::Int8Kernel::kBest));
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  return 0;
}
