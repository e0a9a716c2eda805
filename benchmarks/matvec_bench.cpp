// The mat-vecs of one Qwen2-0.5B decode step in isolation (24 layers of q/k/v/o, gate/up/down,
// then the 151936-row head: 942 MB of weights in bf16, 1.88 GB in fp32), on 1 and 2 threads, for
// bf16 weights (almkit's kernels) and fp32 weights (almkit's f32_matvec beside OpenBLAS's sgemv
// through at::mv, in the same run). Decoding is bound by reading these weights; this tells how
// much of a token's time the kernel and the spin pool cost on their own, apart from everything
// else a decode step does.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <benchmark/benchmark.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <vector>

#include "nn/f32_matvec.h"
#include "nn/linear.h"
#include "nn/linear_group.h"

namespace {

struct Matrix {
  int64_t rows, cols;
  std::vector<uint16_t> data;
};

// Random bf16 values in about [-0.06, 0.06]: exponent bits of 0.0x, random mantissa and sign.
std::vector<Matrix> qwen2_0_5b_weights() {
  const int64_t hidden = 896, kv = 128, intermediate = 4864, vocab = 151936, layers = 24;
  std::vector<Matrix> matrices;
  for (int64_t l = 0; l < layers; ++l) {
    for (const auto& [rows, cols] : std::vector<std::pair<int64_t, int64_t>>{
             {hidden, hidden}, {kv, hidden}, {kv, hidden}, {hidden, hidden},
             {intermediate, hidden}, {intermediate, hidden}, {hidden, intermediate}}) {
      matrices.push_back({rows, cols, {}});
    }
  }
  matrices.push_back({vocab, hidden, {}});
  std::mt19937 rng(1);
  for (auto& m : matrices) {
    m.data.resize(m.rows * m.cols);
    for (auto& v : m.data) v = static_cast<uint16_t>(0x3d00 | (rng() & 0x80ff));
  }
  return matrices;
}

// Each iteration is one decode step's products over `bytes` of weights.
void report_steps(benchmark::State& state, int64_t bytes) {
  state.counters["weights_MB"] = bytes / 1e6;
  state.counters["GBps"] = benchmark::Counter(static_cast<double>(bytes) * state.iterations() / 1e9,
                                              benchmark::Counter::kIsRate);
  state.counters["steps_per_s"] = benchmark::Counter(state.iterations(), benchmark::Counter::kIsRate);
}

// range(1): the kernel (0: the best this CPU runs, 1: AVX2, 2: AVX512-BF16), so the AVX2 one
// is measured beside vdpbf16ps in the same run.
void BM_DecodeStepMatvecs(benchmark::State& state) {
  static const std::vector<Matrix> weights = qwen2_0_5b_weights();
  const int threads = static_cast<int>(state.range(0));
  const auto kernel = std::array{almkit::nn::Bf16Kernel::kBest, almkit::nn::Bf16Kernel::kAvx2,
                                 almkit::nn::Bf16Kernel::kAvx512Bf16}[state.range(1)];
  if (!almkit::nn::cpu_runs(kernel)) {
    state.SkipWithError("this CPU does not run the kernel");
    return;
  }
  at::set_num_threads(threads);
  std::vector<float> x(4864, 0.01f), y(151936);
  int64_t bytes = 0;
  for (const auto& m : weights) bytes += m.rows * m.cols * 2;
  for (auto _ : state) {
    for (const auto& m : weights) almkit::nn::bf16_matvec(x.data(), 1, m.cols, m.data.data(), m.rows, y.data(), nullptr, kernel);
    benchmark::ClobberMemory();
  }
  report_steps(state, bytes);
}
BENCHMARK(BM_DecodeStepMatvecs)->ArgsProduct({{1, 2}, {1, 2}})->UseRealTime()->MinTime(2.0);

// The same weights in float32 (twice the bytes).
const std::vector<at::Tensor>& fp32_weights() {
  static const std::vector<at::Tensor> weights = [] {
    std::vector<at::Tensor> out;
    for (const auto& m : qwen2_0_5b_weights()) {
      out.push_back(at::from_blob(const_cast<uint16_t*>(m.data.data()), {m.rows, m.cols}, at::kBFloat16).to(at::kFloat));
    }
    return out;
  }();
  return weights;
}

// float32 weights through almkit's f32_matvec; range(1): the kernel (0: the best this CPU runs,
// 1: AVX2, 2: AVX-512). The peer is BM_DecodeStepFp32Gemv below.
void BM_DecodeStepF32Matvecs(benchmark::State& state) {
  const auto kernel = std::array{almkit::nn::F32Kernel::kBest, almkit::nn::F32Kernel::kAvx2,
                                 almkit::nn::F32Kernel::kAvx512}[state.range(1)];
  if (!almkit::nn::cpu_runs(kernel)) {
    state.SkipWithError("this CPU does not run the kernel");
    return;
  }
  const std::vector<at::Tensor>& weights = fp32_weights();
  at::set_num_threads(static_cast<int>(state.range(0)));
  std::vector<float> x(4864, 0.01f), y(151936);
  int64_t bytes = 0;
  for (const auto& w : weights) bytes += w.numel() * 4;
  for (auto _ : state) {
    for (const auto& w : weights) {
      almkit::nn::f32_matvec(x.data(), 1, w.size(1), w.data_ptr<float>(), w.size(0), y.data(), nullptr, kernel);
    }
    benchmark::ClobberMemory();
  }
  report_steps(state, bytes);
}
BENCHMARK(BM_DecodeStepF32Matvecs)->ArgsProduct({{1, 2}, {1, 2}})->UseRealTime()->MinTime(2.0);

// The peer: the same step with float32 weights through libtorch's at::mv (OpenBLAS sgemv; the
// core OPENBLAS_CORETYPE names, if set). Its GB/s says how fast this machine streams weights with
// a tuned BLAS kernel.
void BM_DecodeStepFp32Gemv(benchmark::State& state) {
  const std::vector<at::Tensor>& weights = fp32_weights();
  at::set_num_threads(static_cast<int>(state.range(0)));
  const at::Tensor x = at::full({4864}, 0.01f);
  int64_t bytes = 0;
  for (const auto& w : weights) bytes += w.numel() * 4;
  for (auto _ : state) {
    for (const auto& w : weights) benchmark::DoNotOptimize(at::mv(w, x.narrow(0, 0, w.size(1))));
  }
  report_steps(state, bytes);
}
BENCHMARK(BM_DecodeStepFp32Gemv)->Arg(1)->Arg(2)->UseRealTime()->MinTime(2.0);

// A few rows at once (several sequences, or a short prompt) through the step's fp32 products
// (1.9 GB: more than a cache holds) on one thread: range(0) rows; range(1) 0: f32_matvec (one
// pass over the weights for all rows), 1: at::linear (OpenBLAS sgemm, which packs the weights
// first). Sets nn::linear's row limit for fp32 weights.
void BM_FewRowsFp32(benchmark::State& state) {
  const std::vector<at::Tensor>& layer = fp32_weights();
  const int64_t rows = state.range(0);
  at::set_num_threads(1);
  const at::Tensor x = at::full({rows, 4864}, 0.01f);
  at::Tensor y = at::empty({rows, 151936});
  for (auto _ : state) {
    for (const auto& w : layer) {
      const at::Tensor input = x.narrow(1, 0, w.size(1)).contiguous();
      if (state.range(1) == 0) {
        almkit::nn::f32_matvec(input.data_ptr<float>(), rows, w.size(1), w.data_ptr<float>(), w.size(0),
                               y.data_ptr<float>());
      } else {
        benchmark::DoNotOptimize(at::linear(input, w));
      }
    }
  }
  state.counters["rows_per_s"] =
      benchmark::Counter(static_cast<double>(rows) * state.iterations(), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_FewRowsFp32)->ArgsProduct({{2, 4, 8, 16}, {0, 1}})->UseRealTime()->MinTime(2.0);

// The step's products as the model issues them, through nn::Linear: one dispatch each (169
// joins of the pool on 2 threads) or each layer's q/k/v and gate/up together
// (nn/linear_group.h: 97), alternating step by step in one run so that both see the same load.
// range(0) threads; range(1) weights: 0 bf16, 1 float32, 2 int8 (quantised from the bf16 ones).
// Counters: steps/s of each way and grouped_speedup (separate time / grouped time).
void BM_DecodeStepGrouping(benchmark::State& state) {
  using almkit::nn::Linear;
  static std::map<int64_t, std::vector<Linear>> cache;
  const int64_t kind = state.range(1);
  if (!cache.count(kind)) {
    std::vector<Linear>& linears = cache[kind];
    for (const auto& m : qwen2_0_5b_weights()) {
      const at::Tensor bf16 =
          at::from_blob(const_cast<uint16_t*>(m.data.data()), {m.rows, m.cols}, at::kBFloat16)
              .clone();
      Linear linear;
      if (kind == 2) {
        linear.int8 =
            std::make_shared<const almkit::nn::Int8Weight>(almkit::nn::quantize_int8_weight(bf16));
      } else {
        linear.weight = kind == 1 ? bf16.to(at::kFloat) : bf16;
      }
      linears.push_back(std::move(linear));
    }
  }
  const std::vector<Linear>& linears = cache[kind];
  at::set_num_threads(static_cast<int>(state.range(0)));
  const at::Tensor hidden = at::full({1, 1, 896}, 0.01f), wide = at::full({1, 1, 4864}, 0.01f);
  const auto step = [&](bool grouped) {
    for (size_t l = 0; l + 7 < linears.size(); l += 7) {
      const Linear* layer = &linears[l];  // q, k, v, o, gate, up, down
      if (grouped) {
        benchmark::DoNotOptimize(
            almkit::nn::apply_to_same_input(hidden, {&layer[0], &layer[1], &layer[2]}));
        benchmark::DoNotOptimize(layer[3](hidden));
        benchmark::DoNotOptimize(almkit::nn::apply_to_same_input(hidden, {&layer[4], &layer[5]}));
      } else {
        for (int i = 0; i < 6; ++i) benchmark::DoNotOptimize(layer[i](hidden));
      }
      benchmark::DoNotOptimize(layer[6](wide));
    }
    benchmark::DoNotOptimize(linears.back()(hidden));
  };
  using Clock = std::chrono::steady_clock;
  double separate = 0, grouped = 0;
  int64_t steps = 0;
  for (auto _ : state) {
    const bool grouped_first = steps++ % 2 == 0;
    const auto t0 = Clock::now();
    step(grouped_first);
    const auto t1 = Clock::now();
    step(!grouped_first);
    const auto t2 = Clock::now();
    const double first = std::chrono::duration<double>(t1 - t0).count();
    const double second = std::chrono::duration<double>(t2 - t1).count();
    (grouped_first ? grouped : separate) += first;
    (grouped_first ? separate : grouped) += second;
    state.SetIterationTime(first + second);
  }
  state.counters["separate_steps_per_s"] = steps / separate;
  state.counters["grouped_steps_per_s"] = steps / grouped;
  state.counters["grouped_speedup"] = separate / grouped;
}
BENCHMARK(BM_DecodeStepGrouping)->ArgsProduct({{1, 2}, {0, 1, 2}})->UseManualTime()->MinTime(4.0);

}  // namespace

BENCHMARK_MAIN();
