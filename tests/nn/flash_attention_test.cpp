// The fused attention loop against softmax(q k^T * scale + mask) v computed in float64, on every
// kernel this CPU runs, with the masks the models build (causal with a past, left padding that
// leaves queries with no key, a sliding window, an encoder's key padding, -inf), head_dims that
// leave partial vector tiles, and grouped kv heads; then attention_core's choice against the
// composite ATen path on the layouts the attention module hands it.
#include "nn/flash_attention.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <limits>
#include <vector>

#include "almkit/error.h"
#include "nn/attention.h"
#include "nn/attention_core.h"

namespace almkit::nn {
namespace {

struct Case {
  int64_t batch, heads, kv_heads, queries, keys, head_dim;
  double scale;
};

// [B, T, heads * D] in float64 from float q [B, H, T, D], k / v [B, KV, S, D], mask [B|1, 1, T|1,
// S].
at::Tensor reference(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                     const at::Tensor& mask, double scale) {
  const int64_t groups = q.size(1) / k.size(1);
  const at::Tensor kd = k.to(at::kDouble).repeat_interleave(groups, 1),
                   vd = v.to(at::kDouble).repeat_interleave(groups, 1);
  at::Tensor scores = at::matmul(q.to(at::kDouble), kd.transpose(2, 3)) * scale;
  if (mask.defined())
    scores = scores + mask.to(at::kDouble).clamp_min(std::numeric_limits<float>::lowest());
  const at::Tensor out = at::matmul(at::softmax(scores, -1), vd);
  return out.transpose(1, 2).reshape({q.size(0), q.size(2), -1});
}

at::Tensor run_kernel(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                      const at::Tensor& mask, double scale, FlashKernel kernel, int threads) {
  FlashAttentionProblem p;
  p.batch = q.size(0), p.heads = q.size(1), p.kv_heads = k.size(1);
  p.queries = q.size(2), p.keys = k.size(2), p.head_dim = q.size(3);
  p.scale = static_cast<float>(scale);
  p.q = q.data_ptr<float>(), p.q_batch_stride = q.stride(0), p.q_head_stride = q.stride(1),
  p.q_row_stride = q.stride(2);
  p.k = k.data_ptr<float>(), p.k_batch_stride = k.stride(0), p.k_head_stride = k.stride(1),
  p.k_row_stride = k.stride(2);
  p.v = v.data_ptr<float>(), p.v_batch_stride = v.stride(0), p.v_head_stride = v.stride(1),
  p.v_row_stride = v.stride(2);
  at::Tensor rows;
  if (mask.defined()) {
    rows = mask.to(at::kFloat).expand({p.batch, 1, p.queries, p.keys});
    p.mask = rows.data_ptr<float>();
    p.mask_batch_stride = rows.stride(0);
    p.mask_row_stride = rows.stride(2);
  }
  at::Tensor out = at::empty({p.batch, p.queries, p.heads * p.head_dim});
  p.out = out.data_ptr<float>();
  std::vector<float> workspace(static_cast<size_t>(flash_attention_workspace(p)));
  flash_attention(p, workspace.data(), threads, kernel);
  return out;
}

std::vector<FlashKernel> kernels_this_cpu_runs() {
  std::vector<FlashKernel> kernels;
  for (FlashKernel kernel : {FlashKernel::kScalar, FlashKernel::kAvx2, FlashKernel::kAvx512}) {
    if (cpu_runs(kernel)) kernels.push_back(kernel);
  }
  return kernels;
}

void expect_matches(const Case& c, const at::Tensor& mask, const char* what) {
  at::manual_seed(7);
  const at::Tensor q = at::randn({c.batch, c.heads, c.queries, c.head_dim});
  const at::Tensor k = at::randn({c.batch, c.kv_heads, c.keys, c.head_dim});
  const at::Tensor v = at::randn({c.batch, c.kv_heads, c.keys, c.head_dim});
  const at::Tensor expected = reference(q, k, v, mask, c.scale);
  for (FlashKernel kernel : kernels_this_cpu_runs()) {
    for (int threads : {1, 2}) {
      const at::Tensor got = run_kernel(q, k, v, mask, c.scale, kernel, threads);
      const double diff = (got.to(at::kDouble) - expected).abs().max().item<double>();
      EXPECT_LT(diff, 2e-5) << what << ", kernel " << flash_kernel_name(kernel) << ", " << threads
                            << " threads";
    }
  }
  // bf16 products: against float64 attention of q * scale, k and v rounded to bf16; what is left
  // is the softmax weights' rounding (2^-9 relative each) on values of size ~1, so a few 1e-3.
  // The AMX kernel (tiles for head_dim 32 and 64 here, the vdpbf16ps products for 16, 48, 80)
  // rounds the same numbers and differs only in the order of its fp32 sums.
  const auto rounded = [](const at::Tensor& t) { return t.to(at::kBFloat16).to(at::kFloat); };
  const at::Tensor expected_bf16 = reference(rounded(q * c.scale), rounded(k), rounded(v), mask, 1.0);
  for (FlashKernel kernel : {FlashKernel::kAvx512Bf16, FlashKernel::kAmxBf16}) {
    if (!cpu_runs(kernel)) continue;
    for (int threads : {1, 2}) {
      const at::Tensor got = run_kernel(q, k, v, mask, c.scale, kernel, threads);
      const double diff = (got.to(at::kDouble) - expected_bf16).abs().max().item<double>();
      EXPECT_LT(diff, 4e-3) << what << ", kernel " << flash_kernel_name(kernel) << ", " << threads << " threads";
      // and the rounding is really there: the fp32 result is further away than fp32 rounding
      EXPECT_GT((got.to(at::kDouble) - expected).abs().max().item<double>(), 1e-4) << what;
    }
  }
}

TEST(FlashAttention, EncoderWithoutMaskMatchesFloat64) {
  expect_matches({1, 4, 4, 200, 200, 64, 0.125}, at::Tensor(), "no mask");
}

TEST(FlashAttention, CausalPromptAfterAPastWithGroupedHeads) {
  // 70 new queries after 60 cached keys, 4 query heads on 2 kv heads, sequence 1 left-padded
  const at::Tensor attention_mask = at::ones({2, 130}, at::kLong);
  attention_mask[1].slice(0, 0, 5).fill_(0);
  expect_matches({2, 4, 2, 70, 130, 32, 1.0 / std::sqrt(32.0)},
                 causal_mask(attention_mask, 70, at::kFloat), "causal, past 60");
}

TEST(FlashAttention, LeftPaddedQueriesThatSeeNoKeyGetTheReferenceMean) {
  // queries 0-9 of sequence 1 are padding and see only padding keys: the reference gives them
  // softmax over equal (lowest) scores, the mean of every value row
  const at::Tensor attention_mask = at::ones({2, 100}, at::kLong);
  attention_mask[1].slice(0, 0, 10).fill_(0);
  expect_matches({2, 2, 1, 100, 100, 48, 0.2}, causal_mask(attention_mask, 100, at::kFloat),
                 "fully hidden rows");
}

TEST(FlashAttention, SlidingWindowAndGraniteScale) {
  const at::Tensor attention_mask = at::ones({1, 300}, at::kLong);
  expect_matches({1, 6, 2, 300, 300, 64, 0.015625},
                 causal_mask(attention_mask, 300, at::kFloat, 40), "sliding window 40");
}

TEST(FlashAttention, EncoderKeyPaddingWithPartialVectorTiles) {
  // head_dim 80: 5 AVX-512 vectors (a tile of 4 and one of 1), 10 AVX2 vectors
  const at::Tensor key_mask = at::ones({2, 150}, at::kLong);
  key_mask[0].slice(0, 131).fill_(0);
  expect_matches({2, 3, 3, 150, 150, 80, 0.1}, padding_mask(key_mask, at::kFloat), "key padding");
}

TEST(FlashAttention, MinusInfinityHidesKeysLikeTheLowestValue) {
  at::Tensor mask = at::zeros({1, 1, 40, 90});
  mask.slice(3, 60).fill_(-std::numeric_limits<float>::infinity());
  mask.slice(3, 0, 3).fill_(-1.5f);  // an ordinary additive bias stays an addition
  expect_matches({1, 2, 2, 40, 90, 16, 0.25}, mask, "-inf");
}

TEST(FlashAttention, TilesTakeQwen2AndWhisperHeadsWithRaggedBlocks) {
  // head_dim 128 (Qwen2-7B) and 64 (Whisper): 2 and 4 tile rows of pairs; 1,500 keys end in a
  // partial key block, 1,500 queries in a partial query block (12 rows: padded to 16 for tiles)
  if (!cpu_runs(FlashKernel::kAmxBf16)) GTEST_SKIP() << "no AMX-BF16 here";
  expect_matches({1, 2, 1, 200, 300, 128, 1.0 / std::sqrt(128.0)},
                 causal_mask(at::ones({1, 300}, at::kLong), 200, at::kFloat), "causal, head_dim 128");
  expect_matches({1, 2, 2, 1500, 1500, 64, 0.125}, at::Tensor(), "1,500 positions");
}

TEST(FlashAttention, RefusesUnsupportedShapes) {
  FlashAttentionProblem p;
  p.batch = 1, p.heads = 2, p.kv_heads = 2, p.queries = 4, p.keys = 4, p.head_dim = 40;
  EXPECT_FALSE(flash_attention_supports(40));
  EXPECT_THROW(flash_attention(p, nullptr, 1), Error);
  p.head_dim = 64;
  p.heads = 6, p.kv_heads = 4;
  EXPECT_THROW(flash_attention(p, nullptr, 1), Error);
}

TEST(AttentionCore, FusedEqualsCompositeOnTheModuleLayouts) {
  // q as split_heads leaves it (a transposed view of [B, T, heads * D]), k / v from a cache
  // buffer with room for more positions, a bf16-free causal mask with left padding
  at::manual_seed(3);
  const int64_t batch = 2, heads = 14, kv_heads = 2, length = 90, d = 64;
  const at::Tensor q =
      at::randn({batch, length, heads * d}).view({batch, length, heads, d}).transpose(1, 2);
  const at::Tensor k = at::randn({batch, kv_heads, 128, d}).slice(2, 0, length);
  const at::Tensor v = at::randn({batch, kv_heads, 128, d}).slice(2, 0, length);
  const at::Tensor attention_mask = at::ones({batch, length}, at::kLong);
  attention_mask[0].slice(0, 0, 7).fill_(0);
  const at::Tensor mask = causal_mask(attention_mask, length, at::kFloat);
  const at::Tensor composite =
      attention_core(q, k, v, mask, 0.125, nullptr, AttentionCore::kComposite);
  const at::Tensor fused = attention_core(q, k, v, mask, 0.125, nullptr, AttentionCore::kAuto);
  EXPECT_LT((fused - composite).abs().max().item<double>(), 1e-5);
  // attention weights asked for: the composite path, which returns them
  at::Tensor probabilities;
  const at::Tensor with_weights = attention_core(q, k, v, mask, 0.125, &probabilities);
  ASSERT_TRUE(probabilities.defined());
  EXPECT_EQ(probabilities.sizes(), (at::IntArrayRef{batch, heads, length, length}));
  EXPECT_LT((with_weights - composite).abs().max().item<double>(), 1e-6);
}

}  // namespace
}  // namespace almkit::nn
