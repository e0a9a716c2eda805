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
  // the layer takes the kernel for float32 rows and gives what its ATen path gives
  nn::RmsNorm norm{weight.to(at::kBFloat16), 1e-6, weight.to(at::kBFloat16).to(at::kFloat)};
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
