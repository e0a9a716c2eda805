// The prompt's row passes (nn/prompt_rows.h) against what they replace: ATen's bf16 rounding and
// widening bit for bit, the SiLU gate to float rounding, the threaded norm and rotation bit for bit
// with the decode-step row kernels and Rope::apply; on rows that do not fill a vector and on 1
// and 2 threads (ctest's Forced_* entries run the plain loops too).
#include "nn/prompt_rows.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "nn/rope.h"
#include "nn/row_kernels.h"

namespace almkit::nn {
namespace {

const uint16_t* words(const at::Tensor& t) { return reinterpret_cast<const uint16_t*>(t.data_ptr<at::BFloat16>()); }
uint16_t* words(at::Tensor& t) { return reinterpret_cast<uint16_t*>(t.data_ptr<at::BFloat16>()); }

// 1,000 rows of 37 numbers: slices of many rows, each row with a tail past the last vector
at::Tensor numbers() {
  at::manual_seed(3);
  at::Tensor x = at::randn({1000, 37}) * 3;
  // ties of bf16 rounding (even and odd last kept bit), large, tiny and special values
  const float special[] = {1.00390625f, 1.01171875f, -3.3895313e38f, 3.4e38f, 1e-39f, -0.f, 0.f,
                           std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity()};
  for (size_t i = 0; i < sizeof(special) / sizeof(float); ++i) x[0][i] = special[i];
  return x;
}

class PromptRows : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    previous_ = at::get_num_threads();
    at::set_num_threads(GetParam());
  }
  void TearDown() override { at::set_num_threads(previous_); }
  int previous_ = 1;
};

TEST_P(PromptRows, RoundingAndWideningEqualAten) {
  const at::Tensor x = numbers();
  at::Tensor rounded = at::empty(x.sizes(), at::kBFloat16);
  prompt_rows::round_to_bf16(x.data_ptr<float>(), x.numel(), words(rounded));
  const at::Tensor want = x.to(at::kBFloat16);
  EXPECT_TRUE(at::equal(rounded.view(at::kShort), want.view(at::kShort)));

  const at::Tensor bias = at::randn({37}), residual = at::randn({1000, 37});
  at::Tensor out = at::empty(x.sizes());
  prompt_rows::widen_bf16(words(rounded), 1000, 37, bias.data_ptr<float>(), residual.data_ptr<float>(),
                          out.data_ptr<float>());
  EXPECT_TRUE(at::equal(out, residual + (want.to(at::kFloat) + bias)));
  prompt_rows::widen_bf16(words(rounded), 1000, 37, nullptr, nullptr, out.data_ptr<float>());
  EXPECT_TRUE(at::equal(out, want.to(at::kFloat)));
  // in place on the residual, as the MLP's down projection adds itself to the stream
  at::Tensor stream = residual.clone();
  prompt_rows::widen_bf16(words(rounded), 1000, 37, nullptr, stream.data_ptr<float>(), stream.data_ptr<float>());
  EXPECT_TRUE(at::equal(stream, residual + want.to(at::kFloat)));
}

TEST_P(PromptRows, SiluGateMatchesAten) {
  const at::Tensor gate = at::cat({at::linspace(-100, 100, 2001), at::randn({20003}) * 4});
  const at::Tensor up = at::randn(gate.sizes());
  const at::Tensor want = at::silu(gate.to(at::kDouble)) * up.to(at::kDouble);
  at::Tensor out = at::empty(gate.sizes());
  prompt_rows::silu_times(gate.data_ptr<float>(), up.data_ptr<float>(), gate.numel(), out.data_ptr<float>());
  // a few float ulps of each value (the exp polynomial and one division)
  const at::Tensor error = (out.to(at::kDouble) - want).abs() / want.abs().clamp_min(1e-30);
  EXPECT_LT(error.max().item<double>(), 1e-6);

  // bf16 products in, bf16 out: the rounding of the float32 formula on the widened products, or
  // one bf16 step from it where the float value sits on a rounding boundary. (Below gate -88,
  // e^-gate overflows float32 as std::exp does: 0 where float64 has a denormal.)
  const at::Tensor gate16 = gate.to(at::kBFloat16), up16 = up.to(at::kBFloat16);
  at::Tensor out16 = at::empty(gate.sizes(), at::kBFloat16);
  prompt_rows::silu_times_bf16(words(gate16), words(up16), gate.numel(), words(out16));
  const at::Tensor g = gate16.to(at::kFloat), u = up16.to(at::kFloat);
  const at::Tensor want16 = (g / (1 + at::exp(-g)) * u).to(at::kBFloat16).to(at::kFloat);
  const at::Tensor got16 = out16.to(at::kFloat);
  EXPECT_TRUE(((got16 - want16).abs() <= want16.abs() * std::ldexp(1.0, -7)).all().item<bool>());
  EXPECT_GT((got16 == want16).to(at::kFloat).mean().item<double>(), 0.999);
}

TEST_P(PromptRows, GeluOfABf16ProductMatchesTheErfForm) {
  // rows of 5,130 (a tail past the last vector), the bias added before GELU, the result rounded
  at::manual_seed(5);
  const at::Tensor product = (at::randn({7, 5130}) * 3).to(at::kBFloat16), bias = at::randn({5130});
  at::Tensor out = at::empty(product.sizes(), at::kBFloat16);
  prompt_rows::gelu_bf16(words(product), 7, 5130, bias.data_ptr<float>(), words(out));
  const at::Tensor x = (product.to(at::kFloat) + bias).to(at::kDouble);
  const at::Tensor exact = x * 0.5 * (1 + at::erf(x * M_SQRT1_2));
  const at::Tensor got = out.to(at::kDouble);
  // one bf16 step, plus the vector erf's 1.5e-7 (absolute; ATen's AVX-512 gelu uses the same
  // approximation) where GELU is near 0
  EXPECT_TRUE(((got - exact).abs() <= exact.abs() * std::ldexp(1.0, -8) + 1e-6).all().item<bool>());
  // where GELU is not tiny (the float erf form's 1 + erf cancels in the negative tail), the
  // rounding of the exact value but at a rounding boundary
  const at::Tensor sizeable = exact.abs() > 1e-2;
  const at::Tensor exact_rounded = exact.to(at::kFloat).to(at::kBFloat16).to(at::kDouble);
  EXPECT_GT((got == exact_rounded).masked_select(sizeable).to(at::kFloat).mean().item<double>(), 0.99);
}

TEST_P(PromptRows, NormAndRotationEqualTheRowKernels) {
  at::manual_seed(4);
  const int64_t rows = 300, heads = 3, dim = 64;
  const at::Tensor x = at::randn({rows, heads * dim}) * 2, weight = at::randn({heads * dim});
  at::Tensor threaded = at::empty_like(x), single = at::empty_like(x);
  prompt_rows::rms_norm(x.data_ptr<float>(), rows, heads * dim, weight.data_ptr<float>(), 1e-6f,
                        threaded.data_ptr<float>());
  rows::rms_norm(x.data_ptr<float>(), rows, heads * dim, weight.data_ptr<float>(), 1e-6f, single.data_ptr<float>());
  EXPECT_TRUE(at::equal(threaded, single));

  // rotation: the same numbers as Rope::apply on [1, heads, rows, dim]
  Rope rope(dim, 1000000.0, at::kCPU);
  const auto [cos, sin] = rope.cos_sin(at::arange(rows, at::kLong).view({1, rows}), at::kFloat);
  at::Tensor rotated = x.clone();
  prompt_rows::rotate_half(rotated.data_ptr<float>(), rows, heads, dim, cos.contiguous().data_ptr<float>(),
                           sin.contiguous().data_ptr<float>());
  const at::Tensor want = Rope::apply(x.view({1, rows, heads, dim}).transpose(1, 2), cos, sin).transpose(1, 2);
  EXPECT_TRUE(at::equal(rotated.view({1, rows, heads, dim}), want));
}

INSTANTIATE_TEST_SUITE_P(Threads, PromptRows, ::testing::Values(1, 2));

}  // namespace
}  // namespace almkit::nn
