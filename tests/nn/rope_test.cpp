// RoPE frequencies of each rope_scaling type against the formulas of transformers 4.47's
// modeling_rope_utils, evaluated here in double for head_dim 8, theta 10000
// (default inv_freq = 1, 0.1, 0.01, 0.001).
#include "nn/rope.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace almkit {
namespace {

void expect_inv_freq(const nn::Rope& rope, const std::vector<double>& expected) {
  const at::Tensor got = rope.inv_freq().to(at::kDouble);
  ASSERT_EQ(got.numel(), static_cast<int64_t>(expected.size()));
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_NEAR(got[i].item<double>(), expected[i], 1e-6 * expected[i]) << "frequency " << i;
  }
}

TEST(Rope, DefaultAndLinear) {
  expect_inv_freq(nn::Rope(8, 10000.0, at::kCPU), {1, 0.1, 0.01, 0.001});
  nn::RopeScaling linear;
  linear.type = "linear";
  linear.factor = 4;
  expect_inv_freq(nn::Rope(8, 10000.0, at::kCPU, linear), {0.25, 0.025, 0.0025, 0.00025});
}

TEST(Rope, Llama3KeepsShortWavelengthsDividesLongOnesAndBlendsTheMiddle) {
  nn::RopeScaling s;
  s.type = "llama3";
  s.factor = 8;
  s.low_freq_factor = 1;
  s.high_freq_factor = 4;
  s.original_max_positions = 1000;  // wavelengths 6.3, 63 (kept), 628 (blended), 6283 (divided)
  const double smooth = (1000 / (2 * M_PI / 0.01) - 1) / 3;
  expect_inv_freq(nn::Rope(8, 10000.0, at::kCPU, s), {1, 0.1, (1 - smooth) * 0.01 / 8 + smooth * 0.01, 0.001 / 8});
}

TEST(Rope, YarnRampsBetweenInterpolationAndExtrapolationAndScalesCosSin) {
  nn::RopeScaling s;
  s.type = "yarn";
  s.factor = 4;
  s.max_positions = 256;
  // correction dims: beta_fast 32 -> 0.105 (floor 0), beta_slow 1 -> 1.61 (ceil 2): ramp 0, .5, 1, 1
  const nn::Rope rope(8, 10000.0, at::kCPU, s);
  expect_inv_freq(rope, {1, 0.5 * 0.1 / 4 + 0.5 * 0.1, 0.01 / 4, 0.001 / 4});
  EXPECT_NEAR(rope.attention_scaling(), 0.1 * std::log(4.0) + 1, 1e-12);
  const auto [cos, sin] = rope.cos_sin(at::zeros({1, 1}, at::kLong), at::kFloat);
  EXPECT_NEAR(cos.max().item<double>(), 0.1 * std::log(4.0) + 1, 1e-6);  // cos(0) * attention factor
}

TEST(Rope, DynamicNtkChangesTheBaseOnlyPastMaxPositions) {
  nn::RopeScaling s;
  s.type = "dynamic";
  s.factor = 2;
  s.max_positions = 256;
  const nn::Rope rope(8, 10000.0, at::kCPU, s);
  const nn::Rope plain(8, 10000.0, at::kCPU);
  const at::Tensor inside = at::arange(200, 256, at::kLong).view({1, -1});
  EXPECT_TRUE(at::equal(rope.cos_sin(inside, at::kFloat).first, plain.cos_sin(inside, at::kFloat).first));
  // positions up to 511: length 512, base 10000 * (2 * 512 / 256 - 1) ^ (8 / 6)
  const double base = 10000 * std::pow(3.0, 8.0 / 6);
  const at::Tensor far = at::tensor({int64_t{511}}, at::kLong).view({1, 1});
  const at::Tensor cos = rope.cos_sin(far, at::kFloat).first.view({-1});
  for (int i = 0; i < 4; ++i) {
    const double expected = std::cos(511.0 / std::pow(base, 2.0 * i / 8));
    EXPECT_NEAR(cos[i].item<double>(), expected, 2e-4) << "frequency " << i;  // float32 angle of ~500 rad
  }
}

}  // namespace
}  // namespace almkit
