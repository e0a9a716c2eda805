// The bf16 mat-vecs of one Qwen2-0.5B decode step in isolation (24 layers of q/k/v/o, gate/up/
// down, then the 151936-row head: 942 MB of weights), on 1 and 2 threads. Decoding is bound by
// reading these weights; this tells how much of a token's time the kernel and the spin pool cost
// on their own, apart from everything else a decode step does.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <benchmark/benchmark.h>

#include <array>
#include <cstdint>
#include <random>
#include <vector>

#include "nn/linear.h"

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
  state.counters["weights_MB"] = bytes / 1e6;
  state.counters["GBps"] = benchmark::Counter(static_cast<double>(bytes) * state.iterations() / 1e9,
                                              benchmark::Counter::kIsRate);
  state.counters["steps_per_s"] = benchmark::Counter(state.iterations(), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_DecodeStepMatvecs)->ArgsProduct({{1, 2}, {1, 2}})->UseRealTime()->MinTime(2.0);

// The peer: the same step with float32 weights through libtorch's at::mv (OpenBLAS sgemv), twice
// the bytes. Its GB/s says how fast this machine streams weights with a tuned BLAS kernel.
void BM_DecodeStepFp32Gemv(benchmark::State& state) {
  static const std::vector<at::Tensor> weights = [] {
    std::vector<at::Tensor> out;
    for (const auto& m : qwen2_0_5b_weights()) {
      out.push_back(at::from_blob(const_cast<uint16_t*>(m.data.data()), {m.rows, m.cols}, at::kBFloat16).to(at::kFloat));
    }
    return out;
  }();
  at::set_num_threads(static_cast<int>(state.range(0)));
  const at::Tensor x = at::full({4864}, 0.01f);
  int64_t bytes = 0;
  for (const auto& w : weights) bytes += w.numel() * 4;
  for (auto _ : state) {
    for (const auto& w : weights) benchmark::DoNotOptimize(at::mv(w, x.narrow(0, 0, w.size(1))));
  }
  state.counters["weights_MB"] = bytes / 1e6;
  state.counters["GBps"] = benchmark::Counter(static_cast<double>(bytes) * state.iterations() / 1e9,
                                              benchmark::Counter::kIsRate);
}
BENCHMARK(BM_DecodeStepFp32Gemv)->Arg(1)->Arg(2)->UseRealTime()->MinTime(2.0);

}  // namespace

BENCHMARK_MAIN();
