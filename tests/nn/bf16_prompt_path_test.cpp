// bf16 weights on a prompt's rows: CPUs without AVX512-BF16 (or ALMKIT_SIMD=avx2 / baseline,
// which ctest's ForcedAvx2 entry sets to run these on this CPU) take fp32 panels widened one
// at a time, which must equal an fp32 product of the widened weights; the dispatch must follow
// the override, for the bf16 products and for the attention kernels.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "core/cpu_features.h"
#include "nn/bf16_gemm.h"
#include "nn/flash_attention.h"
#include "nn/linear.h"

namespace almkit::nn {
namespace {

std::string forced_simd() {
  const char* forced = std::getenv("ALMKIT_SIMD");
  return forced ? forced : "";
}

TEST(Bf16PromptPath, WidenedPanelsEqualTheFp32ProductOfTheWidenedWeights) {
  at::manual_seed(11);
  // panels of 416 weight rows (k = 4864) and 2336 (k = 896): 1000 and 2500 rows end in a partial
  // one
  for (const auto& [m, k, n] :
       {std::tuple<int64_t, int64_t, int64_t>{40, 4864, 1000}, {33, 896, 2500}}) {
    const at::Tensor x = at::randn({m, k});
    const at::Tensor w = (at::randn({n, k}) * 0.05).to(at::kBFloat16);
    const at::Tensor bias = at::randn({n});
    const at::Tensor expected =
        at::linear(x.to(at::kDouble), w.to(at::kDouble), bias.to(at::kDouble));
    for (const at::Tensor& b : {bias, at::Tensor()}) {
      const at::Tensor got = bf16_linear_widened_panels(x, w, b);
      const at::Tensor want = b.defined() ? expected : expected - bias.to(at::kDouble);
      ASSERT_EQ(got.sizes(), (at::IntArrayRef{m, n}));
      // fp32 accumulation over k = 4864 terms of size ~0.05: a few 1e-6 of the sum
      EXPECT_LT((got.to(at::kDouble) - want).abs().max().item<double>(), 2e-4)
          << m << "x" << k << "x" << n;
    }
  }
}

TEST(Bf16PromptPath, LinearTakesTheConvertedPathWithoutBf16Instructions) {
  at::manual_seed(12);
  const at::Tensor x = at::randn({2, 40, 896});
  const at::Tensor w = (at::randn({256, 896}) * 0.05).to(at::kBFloat16);
  const at::Tensor bias = at::randn({256});
  const at::Tensor y = linear(x, w, bias);
  const at::Tensor panels =
      bf16_linear_widened_panels(x.reshape({80, 896}), w, bias).view({2, 40, 256});
  if (forced_simd() == "avx2" || forced_simd() == "baseline") {
    EXPECT_FALSE(cpu_features().avx512_bf16);
  }
  if (!cpu_features().avx512_bf16) {
    EXPECT_TRUE(at::equal(y, panels)) << "linear() must take the widened panels on this CPU";
  } else {
    // vdpbf16ps on x rounded to bf16: ~3 significant digits of x, not the fp32 product
    EXPECT_FALSE(at::equal(y, panels));
    EXPECT_LT((y - panels).abs().max().item<double>(), 0.05);
  }
}

TEST(Bf16PromptPath, AttentionKernelFollowsTheOverride) {
  const std::string forced = forced_simd();
  const FlashKernel best = best_flash_kernel();
  if (forced == "baseline") {
    EXPECT_EQ(best, FlashKernel::kScalar);
  } else if (forced == "avx2") {
    EXPECT_NE(best, FlashKernel::kAvx512);
  } else if (cpu_runs(FlashKernel::kAvx512)) {
    EXPECT_EQ(best, FlashKernel::kAvx512);
  }
  EXPECT_TRUE(cpu_runs(best));
  // the bf16 attention kernel of bf16 models follows it too (it is vdpbf16ps)
  if (!forced.empty()) {
    EXPECT_FALSE(cpu_runs(FlashKernel::kAvx512Bf16));
    EXPECT_FALSE(cpu_runs(FlashKernel::kAmxBf16));
  } else {
    EXPECT_EQ(cpu_runs(FlashKernel::kAvx512Bf16), cpu_features().avx512_bf16);
    // (the tile kernel also needs the OS to hand the process the tile data: Linux does on asking)
    EXPECT_EQ(cpu_runs(FlashKernel::kAmxBf16), cpu_features().amx_bf16);
  }
}

}  // namespace
}  // namespace almkit::nn
