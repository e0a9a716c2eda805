// nn::bf16_gemm (prompt-sized products of bf16 weights with vdpbf16ps) against float64 products,
// and nn::linear choosing it for more than a few rows. Skipped on CPUs without AVX512-BF16.
#include "nn/bf16_gemm.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>
#include <tuple>

#include "almkit/error.h"
#include "core/cpu_features.h"
#include "nn/linear.h"

namespace almkit {
namespace {

class Bf16Gemm : public ::testing::TestWithParam<std::tuple<int64_t, int64_t, int64_t>> {
 protected:
  void SetUp() override {
    if (!cpu_features().avx512_bf16) GTEST_SKIP() << "this CPU has no AVX512-BF16";
  }
};

double max_error(const at::Tensor& got, const at::Tensor& expected) {
  return at::max(at::abs(got.to(at::kDouble) - expected)).item<double>();
}

// Split input: as close to the product of fp32 x and the bf16 weights as an fp32 GEMM is.
TEST_P(Bf16Gemm, SplitInputMatchesTheFloat64ProductOfTheRoundedWeights) {
  const auto [m, k, n] = GetParam();
  at::manual_seed(m * 7 + k * 3 + n);
  const at::Tensor x = at::randn({m, k}), w = at::randn({n, k}).to(at::kBFloat16),
                   bias = at::randn({n});
  const at::Tensor expected =
      at::linear(x.to(at::kDouble), w.to(at::kDouble), bias.to(at::kDouble));
  at::Tensor got = at::empty({m, n});
  nn::bf16_gemm(x.data_ptr<float>(), m, k,
                reinterpret_cast<const uint16_t*>(w.data_ptr<at::BFloat16>()), n,
                got.data_ptr<float>(), bias.data_ptr<float>());
  EXPECT_LT(max_error(got, expected), 2e-4 * std::sqrt(double(k)));
}

// Rounded input: the product of bf16-rounded x and the weights, accumulated in fp32.
TEST_P(Bf16Gemm, RoundedInputMatchesTheFloat64ProductOfRoundedOperands) {
  const auto [m, k, n] = GetParam();
  at::manual_seed(m * 5 + k + n * 11);
  const at::Tensor x = at::randn({m, k}), w = at::randn({n, k}).to(at::kBFloat16);
  const at::Tensor expected = at::linear(x.to(at::kBFloat16).to(at::kDouble), w.to(at::kDouble));
  at::Tensor got = at::empty({m, n});
  nn::bf16_gemm(x.data_ptr<float>(), m, k,
                reinterpret_cast<const uint16_t*>(w.data_ptr<at::BFloat16>()), n,
                got.data_ptr<float>(), nullptr, nn::Bf16Input::kRoundInput);
  EXPECT_LT(max_error(got, expected), 2e-4 * std::sqrt(double(k)));
  // and far from the unrounded product: the rounding of x is really there
  if (k >= 64) {
    EXPECT_GT(max_error(got, at::linear(x.to(at::kDouble), w.to(at::kDouble))), 1e-3);
  }
}

// Tiles of 12 rows x 32 columns in blocks of 256 columns x 512 of k: full tiles, partial ones in
// both directions, several k blocks with a short last one (896, 1030, 4864), several column
// blocks with a ragged last strip (300, 530), k tails of fewer than 16.
INSTANTIATE_TEST_SUITE_P(
    Shapes, Bf16Gemm,
    ::testing::Values(std::make_tuple(12, 64, 32), std::make_tuple(17, 896, 300),
                      std::make_tuple(33, 18, 13), std::make_tuple(100, 130, 50),
                      std::make_tuple(64, 4864, 37), std::make_tuple(1, 2, 1),
                      std::make_tuple(150, 1030, 530)));

TEST(Bf16GemmLinear, PromptsUseItWithActivationsRoundedToBf16) {
  if (!cpu_features().avx512_bf16) GTEST_SKIP() << "this CPU has no AVX512-BF16";
  at::manual_seed(3);
  const at::Tensor x = at::randn({2, 40, 96}), w = at::randn({50, 96}).to(at::kBFloat16),
                   bias = at::randn({50});
  const at::Tensor product = at::linear(x.to(at::kBFloat16).to(at::kDouble), w.to(at::kDouble));
  const at::Tensor expected = product + bias.to(at::kDouble);
  const at::Tensor got = nn::linear(x, w, bias);
  ASSERT_EQ(got.sizes(), expected.sizes());
  // with AMX-BF16 the product comes from oneDNN rounded to bf16: half an ulp, 2^-8 of its size
  const double rounding =
      nn::bf16_products_through_amx() ? std::ldexp(at::max(at::abs(product)).item<double>(), -8) : 0.0;
  EXPECT_LT(max_error(got, expected), 2e-4 * std::sqrt(96.0) + rounding);
}

TEST(Bf16GemmLinear, OddInnerSizeIsRejected) {
  if (!cpu_features().avx512_bf16) GTEST_SKIP() << "this CPU has no AVX512-BF16";
  std::vector<float> x(3 * 20), y(20 * 4);
  std::vector<uint16_t> w(4 * 3);
  EXPECT_THROW(nn::bf16_gemm(x.data(), 20, 3, w.data(), 4, y.data()), Error);
}

}  // namespace
}  // namespace almkit
