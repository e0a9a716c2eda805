// nn::linear with bf16 weights on the CPU: almkit's kernel against an fp32 product of the same
// (bf16-rounded) weights.
#include "nn/linear.h"

#include "core/cpu_features.h"
#include "nn/bf16_gemm.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

namespace almkit {
namespace {

const char* kernel_name(nn::Bf16Kernel kernel) {
  return kernel == nn::Bf16Kernel::kScalar ? "scalar" : kernel == nn::Bf16Kernel::kAvx2 ? "avx2" : "avx512-bf16";
}

class Bf16Linear : public ::testing::TestWithParam<std::tuple<int64_t, int64_t, int64_t>> {};

TEST_P(Bf16Linear, MatchesFloat32ProductOfTheRoundedWeights) {
  const auto [rows, k, n] = GetParam();
  at::manual_seed(rows * 1000 + k);
  const at::Tensor x = at::randn({rows, k});
  const at::Tensor w = at::randn({n, k}).to(at::kBFloat16);
  const at::Tensor bias = at::randn({n});
  // more than 16 rows on a CPU with AVX512-BF16 go to bf16_gemm, which rounds x to bf16
  const at::Tensor x_used = rows > 16 && cpu_features().avx512_bf16 ? x.to(at::kBFloat16) : x;
  const at::Tensor product = at::linear(x_used.to(at::kDouble), w.to(at::kDouble));
  const at::Tensor expected = product + bias.to(at::kDouble);
  const at::Tensor got = nn::linear(x, w, bias);
  ASSERT_EQ(got.scalar_type(), at::kFloat);
  ASSERT_EQ(got.sizes(), expected.sizes());
  // fp32 accumulation over k terms of unit scale: ~1e-6 * sqrt(k) relative to the row norm; with
  // AMX-BF16 a prompt's product comes from oneDNN rounded to bf16 (half an ulp, 2^-8 of its size)
  const double rounding = rows > 16 && nn::bf16_products_through_amx()
                              ? std::ldexp(at::max(at::abs(product)).item<double>(), -8)
                              : 0.0;
  EXPECT_LT(at::max(at::abs(got.to(at::kDouble) - expected)).item<double>(), 2e-4 * std::sqrt(double(k)) + rounding);
}

// Each kernel this CPU runs, whichever kBest picks: the scalar one everywhere, AVX2 where present.
TEST_P(Bf16Linear, EveryKernelThisCpuRunsMatchesTheFloat64Product) {
  const auto [rows, k, n] = GetParam();
  at::manual_seed(rows * 1000 + k + 1);
  const at::Tensor x = at::randn({rows, k});
  const at::Tensor w = at::randn({n, k}).to(at::kBFloat16);
  const at::Tensor bias = at::randn({n});
  const at::Tensor expected =
      at::linear(x.to(at::kDouble), w.to(at::kDouble), bias.to(at::kDouble));
  for (const nn::Bf16Kernel kernel : {nn::Bf16Kernel::kScalar, nn::Bf16Kernel::kAvx2, nn::Bf16Kernel::kAvx512Bf16}) {
    const char* name = kernel_name(kernel);
    if (!nn::cpu_runs(kernel)) {
      std::printf("[ note ] this CPU does not run the %s kernel (or ALMKIT_SIMD caps it)\n", name);
      continue;
    }
    SCOPED_TRACE(name);
    at::Tensor got = at::empty({rows, n});
    nn::bf16_matvec(x.data_ptr<float>(), rows, k,
                    reinterpret_cast<const uint16_t*>(w.data_ptr<at::BFloat16>()), n,
                    got.data_ptr<float>(), bias.data_ptr<float>(), kernel);
    EXPECT_LT(at::max(at::abs(got.to(at::kDouble) - expected)).item<double>(),
              2e-4 * std::sqrt(double(k)));
  }
}

// 1 row takes the unrolled dot product, 2-6 rows the multi-row mat-vec (k tails not a multiple
// of 8 or 32 included); 40 rows take fp32 GEMM.
INSTANTIATE_TEST_SUITE_P(Shapes, Bf16Linear,
                         ::testing::Values(std::make_tuple(1, 896, 300), std::make_tuple(1, 45, 7), std::make_tuple(3, 37, 129),
                                           std::make_tuple(6, 64, 64), std::make_tuple(40, 96, 50)));

// The vdpbf16ps kernel reads each weight row in aligned 64-byte lines with masked ragged ends:
// rows starting at every 2-byte offset within a line (k odd, so consecutive rows shift too),
// rows shorter than one line, one row of x with k a multiple of 32 (four weight rows at a time,
// n = 9: two quarters and a leftover row), and x kept to ~16 bits (as two bf16 terms). Rounding x to one bf16
// term instead would miss this bound by ~100x (2^-9 relative per term, not 2^-17).
TEST(Bf16Linear, Avx512Bf16KernelReadsWeightRowsAtAnyAlignment) {
  if (!nn::cpu_runs(nn::Bf16Kernel::kAvx512Bf16)) GTEST_SKIP() << "no AVX512-BF16 (or ALMKIT_SIMD caps it)";
  for (const int64_t k : {int64_t{5}, int64_t{31}, int64_t{32}, int64_t{45}, int64_t{96}, int64_t{97}, int64_t{901}}) {
    for (const int64_t rows : {int64_t{1}, int64_t{3}}) {
      at::manual_seed(k * 10 + rows);
      const int64_t n = 9;
      const at::Tensor x = at::randn({rows, k});
      const at::Tensor storage = at::randn({n * k + 32}).to(at::kBFloat16);
      for (int64_t shift = 0; shift < 32; shift += k > 100 ? 7 : 1) {
        const at::Tensor w = storage.narrow(0, shift, n * k).view({n, k});
        const at::Tensor expected = at::linear(x.to(at::kDouble), w.to(at::kDouble));
        at::Tensor got = at::empty({rows, n});
        nn::bf16_matvec(x.data_ptr<float>(), rows, k, reinterpret_cast<const uint16_t*>(w.data_ptr<at::BFloat16>()),
                        n, got.data_ptr<float>(), nullptr, nn::Bf16Kernel::kAvx512Bf16);
        const double error = at::max(at::abs(got.to(at::kDouble) - expected)).item<double>();
        // |x_i w_i| ~ 1: x's two terms leave ~2^-17 (7.6e-6) per product, a random walk over k
        EXPECT_LT(error, 2e-5 * std::sqrt(double(k))) << "k " << k << ", rows " << rows << ", shift " << shift;
      }
    }
  }
}

// Decoding rows take a path without ATen ops (float32, contiguous x; bf16 or float32 bias as
// stored); a strided x takes the general one. Both must give the float64 product, with a bf16
// bias added at its exact float value.
TEST(Bf16Linear, DecodeRowsInPlaceAndStridedRowsAgree) {
  at::manual_seed(7);
  const at::Tensor w = at::randn({70, 96}).to(at::kBFloat16);
  const at::Tensor bias = at::randn({70}).to(at::kBFloat16);
  const at::Tensor x = at::randn({96, 3}).t();  // [3, 96], not contiguous
  ASSERT_FALSE(x.is_contiguous());
  const at::Tensor expected = at::linear(x.to(at::kDouble), w.to(at::kDouble), bias.to(at::kDouble));
  for (const at::Tensor& b : {bias, bias.to(at::kFloat)}) {
    const at::Tensor strided = nn::linear(x, w, b), in_place = nn::linear(x.contiguous().view({3, 1, 96}), w, b);
    ASSERT_EQ(in_place.sizes(), (at::IntArrayRef{3, 1, 70}));
    EXPECT_LT(at::max(at::abs(strided.to(at::kDouble) - expected)).item<double>(), 2e-4 * std::sqrt(96.0));
    EXPECT_LT(at::max(at::abs(in_place.view({3, 70}).to(at::kDouble) - expected)).item<double>(), 2e-4 * std::sqrt(96.0));
  }
  EXPECT_THROW(nn::linear(at::randn({2, 95}), w), std::exception);  // wrong inner size: not the fast path
}

TEST(Bf16Linear, KeepsLeadingDimensions) {
  const at::Tensor x = at::randn({2, 3, 16});
  const at::Tensor w = at::randn({8, 16}).to(at::kBFloat16);
  EXPECT_EQ(nn::linear(x, w).sizes(), (at::IntArrayRef{2, 3, 8}));
}

// float32 weights, against y = x W^T + b written out: exact on small integers (every product and
// sum is exact in float32), and the two paths (one row: gemv, several rows: gemm) against a
// float64 sum of products computed here, without libtorch.
TEST(Linear, Float32WeightsComputeXTimesWTransposedPlusBias) {
  const at::Tensor x = at::tensor({1.f, 2.f, 3.f, -1.f, 0.f, 4.f}).view({2, 3});
  const at::Tensor w = at::tensor({1.f, 0.f, 2.f, -3.f, 1.f, 1.f}).view({2, 3});
  const at::Tensor bias = at::tensor({0.5f, -2.f});
  // row 0: [1+0+6, -3+2+3] + b = [7.5, 0]; row 1: [-1+0+8, 3+0+4] + b = [7.5, 5]
  EXPECT_TRUE(at::equal(nn::linear(x, w, bias), at::tensor({7.5f, 0.f, 7.5f, 5.f}).view({2, 2})));
  EXPECT_TRUE(at::equal(nn::linear(x[0], w), at::tensor({7.f, 2.f})));  // one row: gemv, no bias
  for (const int64_t rows : {1, 5}) {
    at::manual_seed(rows);
    const at::Tensor a = at::randn({rows, 64}), m = at::randn({24, 64}), b = at::randn({24});
    const at::Tensor got = nn::linear(a, m, b);
    ASSERT_EQ(got.sizes(), (at::IntArrayRef{rows, 24}));
    const float *pa = a.data_ptr<float>(), *pm = m.data_ptr<float>(), *pb = b.data_ptr<float>();
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t j = 0; j < 24; ++j) {
        double sum = pb[j];
        for (int64_t i = 0; i < 64; ++i) sum += double(pa[r * 64 + i]) * pm[j * 64 + i];
        // fp32 accumulation of 64 unit-scale terms: well inside 1e-4
        EXPECT_NEAR(got[r][j].item<float>(), sum, 1e-4) << rows << " rows, [" << r << "," << j << "]";
      }
    }
  }
}

}  // namespace
}  // namespace almkit
