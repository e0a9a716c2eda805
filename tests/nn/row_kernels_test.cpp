// The decode-step row kernels against the ATen formulas they replace (float32, tolerance 1e-6
// relative: only the summation order differs).
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "nn/attention.h"
#include "nn/kv_cache.h"
#include "nn/layers.h"
#include "nn/rope.h"
#include "nn/row_kernels.h"
#include "models/random_checkpoint.h"
#include "io/weight_store.h"
#include "test_support.h"

namespace almkit {
namespace {

void expect_close(const at::Tensor& got, const at::Tensor& want, double tolerance = 1e-6) {
  ASSERT_EQ(got.sizes(), want.sizes());
  const double scale = std::max(1.0, want.abs().max().item<double>());
  EXPECT_LE((got - want).abs().max().item<double>(), tolerance * scale) << got << want;
}

TEST(RowKernels, RmsNormMatchesTheFloat32Formula) {
  at::manual_seed(1);
  const at::Tensor x = at::randn({3, 45}) * 4, weight = at::randn({45});
  at::Tensor out = at::empty_like(x);
  nn::rows::rms_norm(x.data_ptr<float>(), 3, 45, weight.data_ptr<float>(), 1e-6f, out.data_ptr<float>());
  expect_close(out, weight * (x * at::rsqrt(x.pow(2).mean(-1, true) + 1e-6)));
  // the layer takes the kernel for float32 rows and weights, and gives what its ATen path gives
  nn::RmsNorm norm{weight, 1e-6};
  const at::Tensor rows = x.view({1, 3, 45});
  expect_close(norm(rows), norm.weight * (rows * at::rsqrt(rows.pow(2).mean(-1, true) + 1e-6)));
}

TEST(RowKernels, RotateHalfMatchesRopeApply) {
  at::manual_seed(2);
  const int64_t batch = 2, heads = 3, dim = 8;
  const at::Tensor x = at::randn({batch, 1, heads * dim});
  nn::Rope rope(dim, 10000.0, at::kCPU);
  const auto [cos, sin] = rope.cos_sin(at::tensor({7L, 300L}).view({batch, 1}), at::kFloat);
  const at::Tensor want =
      nn::Rope::apply(x.view({batch, 1, heads, dim}).transpose(1, 2), cos, sin).transpose(1, 2).reshape({batch, 1, -1});
  at::Tensor got = x.clone();
  nn::rows::rotate_half(got.data_ptr<float>(), batch, heads, dim, cos.contiguous().data_ptr<float>(),
                        sin.contiguous().data_ptr<float>());
  expect_close(got, want);
}

TEST(RowKernels, SiluTimesMatchesAten) {
  const at::Tensor gate = at::linspace(-30, 30, 101), up = at::linspace(2, -3, 101);
  expect_close(nn::gated_activation("silu", gate, up), at::silu(gate) * up);
  // other activations keep the ATen path
  expect_close(nn::gated_activation("gelu", gate, up), at::gelu(gate) * up);
}

// Grouped heads reading a cache buffer with spare room (the layout KeyValue::append makes),
// with a padding mask: the same as softmax(q k^T / sqrt(d) + mask) v.
TEST(RowKernels, OneQueryAttentionMatchesSoftmaxAttentionOnACacheBuffer) {
  at::manual_seed(3);
  const int64_t heads = 6, kv_heads = 2, dim = 16, keys = 9, capacity = 20;
  const at::Tensor buffer_k = at::randn({1, kv_heads, capacity, dim}), buffer_v = at::randn({1, kv_heads, capacity, dim});
  const at::Tensor k = buffer_k.narrow(2, 0, keys), v = buffer_v.narrow(2, 0, keys);
  const at::Tensor q = at::randn({heads, dim});
  at::Tensor mask = at::zeros({keys});
  mask[0] = std::numeric_limits<float>::lowest();  // a padded key
  const int64_t groups = heads / kv_heads;
  const at::Tensor k_full = k[0].repeat_interleave(groups, 0), v_full = v[0].repeat_interleave(groups, 0);
  const at::Tensor scores = at::matmul(q.unsqueeze(1), k_full.transpose(1, 2)).squeeze(1) / std::sqrt(16.0) + mask;
  const at::Tensor want = at::matmul(at::softmax(scores, -1).unsqueeze(1), v_full).squeeze(1);

  nn::rows::OneQueryAttention shape{heads, kv_heads, dim, keys, k.stride(1), v.stride(1), 0.25f};
  std::vector<float> scratch(keys);
  at::Tensor got = at::empty({heads, dim});
  nn::rows::attend_one_query(shape, q.data_ptr<float>(), k.data_ptr<float>(), v.data_ptr<float>(),
                             mask.data_ptr<float>(), scratch.data(), got.data_ptr<float>());
  expect_close(got, want);
}

}  // namespace
}  // namespace almkit

namespace almkit {
namespace {

// A decode step through MultiHeadAttention takes the row kernels unless attention weights are
// requested; both paths must give the same output and leave the same cache. Batch of two with
// a left-padded row, groups of 3 query heads per KV head, biases, RoPE; fp32 and bf16 weights.
class DecodeStepPaths : public ::testing::TestWithParam<DType> {};

TEST_P(DecodeStepPaths, RowKernelsAgreeWithTheAtenPath) {
  const int64_t hidden = 48, heads = 6, kv_heads = 2, head_dim = 8;
  const std::string folder = test::temp_dir();
  RandomWriter writer(5, GetParam());
  for (const auto& [name, rows] : std::vector<std::pair<std::string, int64_t>>{
           {"q_proj", heads * head_dim}, {"k_proj", kv_heads * head_dim}, {"v_proj", kv_heads * head_dim}}) {
    writer.normal("attn." + name + ".weight", {rows, hidden}, 0.2f);
    writer.normal("attn." + name + ".bias", {rows}, 0.1f);
  }
  writer.normal("attn.o_proj.weight", {hidden, heads * head_dim}, 0.2f);
  writer.write(folder + "/model.safetensors");
  WeightOptions options;
  options.dtype = GetParam() == DType::kBF16 ? at::kBFloat16 : at::kFloat;
  WeightStore weights(SafetensorsCheckpoint::open_folder(folder), options);
  nn::AttentionShape shape;
  shape.hidden = hidden;
  shape.num_heads = heads;
  shape.num_kv_heads = kv_heads;
  shape.head_dim = head_dim;
  shape.output_bias = false;
  const auto attention = nn::MultiHeadAttention::load(weights, "attn", shape);
  nn::Rope rope(head_dim, 10000.0, at::kCPU);

  at::manual_seed(7);
  const at::Tensor mask_ids = at::tensor({0L, 1L, 1L, 1L, 1L, 1L, 1L, 1L}).view({2, 4});  // row 0 padded once
  nn::KeyValue cache;
  const at::Tensor prompt = at::randn({2, 3, hidden});
  const auto [cos3, sin3] = rope.cos_sin(at::tensor({0L, 0L, 1L, 0L, 1L, 2L}).view({2, 3}), at::kFloat);
  attention.self_attention(prompt, nn::causal_mask(mask_ids.narrow(1, 0, 3), 3, at::kFloat), &cache, cos3, sin3);
  // the first decode step makes the cache's growable buffer; the second one is the fast-path case
  for (int step = 0; step < 2; ++step) {
    const at::Tensor x = at::randn({2, 1, hidden});
    const at::Tensor mask = nn::causal_mask(at::ones({2, 4 + step}, at::kLong).index_put_({0, 0}, 0), 1, at::kFloat);
    const auto [cos, sin] = rope.cos_sin(at::tensor({2L + step, 3L + step}).view({2, 1}), at::kFloat);
    nn::KeyValue aten_cache = cache, fast_cache = cache;
    at::Tensor probabilities;
    const at::Tensor aten = attention.self_attention(x, mask, &aten_cache, cos, sin, &probabilities);
    const at::Tensor fast = attention.self_attention(x, mask, &fast_cache, cos, sin);
    expect_close(fast, aten, 2e-6);
    expect_close(fast_cache.key, aten_cache.key, 1e-6);
    expect_close(fast_cache.value, aten_cache.value, 1e-6);
    cache = fast_cache;
  }
}

INSTANTIATE_TEST_SUITE_P(Weights, DecodeStepPaths, ::testing::Values(DType::kF32, DType::kBF16));

}  // namespace
}  // namespace almkit
