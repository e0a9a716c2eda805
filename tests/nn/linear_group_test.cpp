// apply_to_same_input (nn/linear_group.h): several Linear layers on one x in one dispatch give
// each layer's own result bit for bit, for float32, bf16 and int8 weights, ragged feature counts
// (not multiples of 4 or 16), 1 and 3 rows, 1 and 2 threads, with and without biases; a decode
// step's layers make one thread-pool join, and prompts, autograd and mixed kinds run each layer
// alone. Suite names follow the kernel-path filter, so ctest's Forced_* entries run them too.
#include "nn/linear_group.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/spin_pool.h"
#include "nn/f32_matvec.h"

namespace almkit::nn {
namespace {

enum class Kind { kFloat32, kBf16, kBf16WithBf16Bias, kInt8 };

std::vector<Linear> make_linears(Kind kind, int64_t k, const std::vector<int64_t>& features,
                                 bool with_bias, uint64_t seed) {
  at::manual_seed(seed);
  std::vector<Linear> linears;
  for (const int64_t n : features) {
    Linear linear;
    const at::Tensor w = at::randn({n, k}) * 0.05;
    if (with_bias)
      linear.bias =
          kind == Kind::kBf16WithBf16Bias ? at::randn({n}).to(at::kBFloat16) : at::randn({n});
    if (kind == Kind::kInt8) {
      linear.int8 = std::make_shared<const Int8Weight>(quantize_int8_weight(w));
    } else {
      linear.weight = kind == Kind::kFloat32 ? w : w.to(at::kBFloat16);
    }
    linears.push_back(linear);
  }
  return linears;
}

class Threads {
 public:
  explicit Threads(int count) : previous_(at::get_num_threads()) { at::set_num_threads(count); }
  ~Threads() { at::set_num_threads(previous_); }

 private:
  int previous_;
};

int64_t pool_joins() {
  const SpinPoolStats stats = spin_pool_stats();
  return stats.pooled_jobs + stats.inline_jobs;
}

std::vector<at::Tensor> each_alone(const std::vector<Linear>& linears, const at::Tensor& x) {
  std::vector<at::Tensor> out;
  for (const Linear& linear : linears) out.push_back(linear(x));
  return out;
}

std::vector<at::Tensor> together(const std::vector<Linear>& linears, const at::Tensor& x) {
  if (linears.size() == 2) return apply_to_same_input(x, {&linears[0], &linears[1]});
  return apply_to_same_input(x, {&linears[0], &linears[1], &linears[2]});
}

void expect_bit_equal(const std::vector<at::Tensor>& got, const std::vector<at::Tensor>& expected,
                      const std::string& what) {
  ASSERT_EQ(got.size(), expected.size()) << what;
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_EQ(got[i].sizes(), expected[i].sizes()) << what << ", product " << i;
    EXPECT_EQ(got[i].scalar_type(), expected[i].scalar_type()) << what << ", product " << i;
    EXPECT_TRUE(at::equal(got[i], expected[i]))
        << what << ", product " << i << ": max |diff| "
        << (got[i].to(at::kDouble) - expected[i].to(at::kDouble)).abs().max().item<double>();
  }
}

// k = 896 (Qwen2-0.5B: bf16 rows of whole 64-byte lines, the four-row loops) and 100 (ragged).
void check_same_bits(Kind kind) {
  for (const int64_t k : {896, 100}) {
    for (const int64_t rows : {1, 3}) {
      for (const bool with_bias : {true, false}) {
        const std::vector<Linear> linears =
            make_linears(kind, k, {37, 1001, 130}, with_bias, k + rows);
        const at::Tensor x = at::randn({rows, 1, k});
        for (const int threads : {1, 2}) {
          Threads scope(threads);
          expect_bit_equal(together(linears, x), each_alone(linears, x),
                           "k " + std::to_string(k) + ", " + std::to_string(rows) + " rows, " +
                               std::to_string(threads) + " threads" + (with_bias ? ", bias" : ""));
        }
      }
    }
  }
}

TEST(SameInputF32Linear, TogetherEqualsEachLayerAloneBitForBit) {
  check_same_bits(Kind::kFloat32);
}

TEST(SameInputBf16Linear, TogetherEqualsEachLayerAloneBitForBit) {
  check_same_bits(Kind::kBf16);
  check_same_bits(Kind::kBf16WithBf16Bias);
}

TEST(SameInputInt8, TogetherEqualsEachLayerAloneBitForBit) {
  check_same_bits(Kind::kInt8);
}

// float32 and bf16 weights side by side share a dispatch too.
TEST(SameInputBf16Linear, Float32AndBf16WeightsTogetherEqualEachAlone) {
  const std::vector<Linear> bf16 = make_linears(Kind::kBf16, 896, {130, 1001}, true, 5);
  const std::vector<Linear> f32 = make_linears(Kind::kFloat32, 896, {37}, true, 6);
  const std::vector<Linear> mixed = {bf16[0], f32[0], bf16[1]};
  const at::Tensor x = at::randn({1, 1, 896});
  Threads scope(2);
  expect_bit_equal(together(mixed, x), each_alone(mixed, x), "float32 between bf16");
}

// On 2 threads q / k / v-sized products (each big enough for the pool alone) make one join
// together and three alone.
TEST(SameInputBf16Linear, DecodeRowsMakeOnePoolJoinForAllLayers) {
  if (std::thread::hardware_concurrency() < 2) GTEST_SKIP() << "one hardware thread: no pool";
  Threads scope(2);
  for (const Kind kind : {Kind::kFloat32, Kind::kBf16, Kind::kInt8}) {
    const std::vector<Linear> linears = make_linears(kind, 896, {896, 128, 128}, true, 7);
    const at::Tensor x = at::randn({1, 1, 896});
    int64_t before = pool_joins();
    each_alone(linears, x);
    const int64_t alone = pool_joins() - before;
    before = pool_joins();
    together(linears, x);
    const int64_t joined = pool_joins() - before;
    // float32 weights under ALMKIT_SIMD=baseline go to BLAS, which does not use the pool
    const bool pooled = kind != Kind::kFloat32 || best_f32_kernel() != F32Kernel::kScalar;
    EXPECT_EQ(alone, pooled ? 3 : 0) << static_cast<int>(kind);
    EXPECT_EQ(joined, pooled ? 1 : 0) << static_cast<int>(kind);
  }
}

// A prompt's rows (17), an x that autograd tracks, and int8 beside bf16 weights: each layer
// alone, the same results, gradients kept.
TEST(SameInputF32Linear, PromptsAutogradAndMixedKindsRunEachLayerAlone) {
  if (std::thread::hardware_concurrency() < 2) GTEST_SKIP() << "one hardware thread: no pool";
  Threads scope(2);
  const std::vector<Linear> linears = make_linears(Kind::kBf16, 896, {896, 128, 128}, true, 8);
  const at::Tensor prompt = at::randn({1, 17, 896});
  // (bf16 prompts take bf16_gemm or oneDNN, whose results differ from the decode kernel's)
  expect_bit_equal(together(linears, prompt), each_alone(linears, prompt), "17 rows");

  const std::vector<Linear> f32 = make_linears(Kind::kFloat32, 64, {40, 24}, true, 9);
  const at::Tensor x = at::randn({1, 1, 64}).requires_grad_();
  const std::vector<at::Tensor> outputs = together(f32, x);
  expect_bit_equal(outputs, each_alone(f32, x), "autograd");
  (outputs[0].sum() + outputs[1].sum()).backward();
  ASSERT_TRUE(x.grad().defined());
  const at::Tensor expected_grad = f32[0].weight.sum(0) + f32[1].weight.sum(0);
  EXPECT_TRUE(at::allclose(x.grad().reshape({64}), expected_grad, 1e-5, 1e-5));

  const std::vector<Linear> int8 = make_linears(Kind::kInt8, 896, {130}, false, 10);
  const std::vector<Linear> mixed = {linears[0], int8[0]};
  const at::Tensor step = at::randn({1, 1, 896});
  expect_bit_equal(together(mixed, step), each_alone(mixed, step), "int8 beside bf16");
}

}  // namespace
}  // namespace almkit::nn
