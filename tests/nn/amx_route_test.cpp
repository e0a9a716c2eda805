// The AMX route's pieces (nn/amx_route.h) against the ATen formulation linear() used before them:
// bit for bit, for float32 and bf16 inputs, with and without bias, and the gated MLP against its
// three products and the SiLU run one by one. Where bf16 products do not go to AMX (another CPU,
// ALMKIT_SIMD, ALMKIT_BF16_GEMM=almkit) the route must not be taken.
#include "nn/amx_route.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "nn/bf16_gemm.h"
#include "nn/layers.h"
#include "nn/linear.h"

namespace almkit::nn {
namespace {

Linear layer(const at::Tensor& weight, const at::Tensor& bias = at::Tensor()) {
  Linear linear;
  linear.weight = weight;
  linear.bias = bias;
  return linear;
}

// what linear() computed on the route before it had its own roundings: ATen's copies
at::Tensor aten_formulation(const at::Tensor& x, const at::Tensor& w, const at::Tensor& bias) {
  at::Tensor product = at::linear(x.to(at::kFloat).to(at::kBFloat16), w).to(at::kFloat);
  if (bias.defined()) product.add_(bias.to(at::kFloat));
  return product;
}

TEST(AmxRoute, LinearEqualsTheAtenFormulationBitForBit) {
  at::manual_seed(21);
  const at::Tensor x = at::randn({2, 37, 200});
  const at::Tensor w = (at::randn({72, 200}) * 0.05).to(at::kBFloat16);
  const at::Tensor bias = at::randn({72});
  EXPECT_EQ(takes_amx_route(x, w), bf16_products_through_amx());
  EXPECT_FALSE(takes_amx_route(x.narrow(1, 0, 8), w)) << "16 rows or fewer are a decode step's";
  if (!bf16_products_through_amx()) GTEST_SKIP() << "bf16 products do not go to AMX here";
  for (const at::Tensor& b : {bias, bias.to(at::kBFloat16), at::Tensor()}) {
    const at::Tensor got = linear(x, w, b);
    ASSERT_EQ(got.sizes(), (at::IntArrayRef{2, 37, 72}));
    EXPECT_TRUE(at::equal(got, aten_formulation(x, w, b)));
    // bf16 rows are used as they are (rounding them again changes nothing)
    EXPECT_TRUE(at::equal(linear(x.to(at::kBFloat16), w, b), got));
  }
  // autograd keeps the ATen ops (the route writes raw memory)
  const at::Tensor tracked = x.clone().requires_grad_(true);
  EXPECT_FALSE(takes_amx_route(tracked, w));
  linear(tracked, w, bias).sum().backward();
  EXPECT_TRUE(tracked.grad().defined());
}

TEST(AmxRoute, GatedMlpEqualsItsStepsOneByOne) {
  at::manual_seed(22);
  const int64_t hidden = 96, intermediate = 304;
  const at::Tensor x = at::randn({1, 40, hidden}), stream = at::randn({1, 40, hidden});
  const auto weight = [](int64_t out, int64_t in) { return (at::randn({out, in}) * 0.1).to(at::kBFloat16); };
  const Linear gate = layer(weight(intermediate, hidden)), up = layer(weight(intermediate, hidden));
  const Linear down = layer(weight(hidden, intermediate), at::randn({hidden}));
  const at::Tensor fused = gated_mlp_through_amx("silu", x, gate, up, down, stream);
  if (!bf16_products_through_amx()) {
    EXPECT_FALSE(fused.defined());
    return;
  }
  ASSERT_TRUE(fused.defined());
  const at::Tensor want = stream + down(gated_activation("silu", gate(x), up(x)));
  EXPECT_TRUE(at::equal(fused, want));
  // what the route leaves to the general path
  EXPECT_FALSE(gated_mlp_through_amx("gelu", x, gate, up, down, stream).defined());
  EXPECT_FALSE(gated_mlp_through_amx("silu", x.narrow(1, 0, 4), gate, up, down, stream.narrow(1, 0, 4)).defined());
  const Linear biased_gate = layer(gate.weight, at::randn({intermediate}));
  EXPECT_FALSE(gated_mlp_through_amx("silu", x, biased_gate, up, down, stream).defined());
}

TEST(AmxRoute, EncoderFeedForwardMatchesItsStepsWithinRounding) {
  at::manual_seed(23);
  const int64_t d = 128, ffn = 512;
  const at::Tensor x = at::randn({1, 50, d}), stream = at::randn({1, 50, d});
  const Linear fc1 = layer((at::randn({ffn, d}) * 0.1).to(at::kBFloat16), at::randn({ffn}) * 0.1);
  const Linear fc2 = layer((at::randn({d, ffn}) * 0.05).to(at::kBFloat16), at::randn({d}) * 0.1);
  const at::Tensor fused = feed_forward_through_amx("gelu", x, fc1, fc2, stream);
  if (!bf16_products_through_amx()) {
    EXPECT_FALSE(fused.defined());
    return;
  }
  ASSERT_TRUE(fused.defined());
  const at::Tensor want = stream + fc2(at::gelu(fc1(x)));
  // fc2's bf16 inputs agree but for a rare rounding flip (one bf16 step, 2^-8 of a value ~1,
  // times a weight ~0.05): far below the MLP's own size (~1)
  const double diff = (fused - want).abs().max().item<double>();
  EXPECT_LT(diff, 2e-3) << diff;
  EXPECT_GT((fused - stream).abs().max().item<double>(), 0.5);
  EXPECT_FALSE(feed_forward_through_amx("relu", x, fc1, fc2, stream).defined());
}

}  // namespace
}  // namespace almkit::nn
