// Long sequences go through MultiHeadAttention in query stripes (no full score matrix); asking
// for the attention weights takes the full path. Both must give the same output.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "io/weight_store.h"
#include "models/random_checkpoint.h"
#include "nn/attention.h"
#include "test_support.h"

namespace almkit {
namespace {

TEST(StripedAttention, LongSequencesMatchTheFullScoreMatrix) {
  const int64_t hidden = 64, heads = 8, kv_heads = 2, head_dim = 16, length = 1100;  // 39 MB of scores
  const std::string folder = test::temp_dir();
  RandomWriter writer(11, DType::kF32);
  for (const auto& [name, rows] : std::vector<std::pair<std::string, int64_t>>{
           {"q_proj", heads * head_dim}, {"k_proj", kv_heads * head_dim}, {"v_proj", kv_heads * head_dim}}) {
    writer.normal("attn." + name + ".weight", {rows, hidden}, 0.2f);
    writer.normal("attn." + name + ".bias", {rows}, 0.1f);
  }
  writer.normal("attn.o_proj.weight", {hidden, heads * head_dim}, 0.2f);
  writer.write(folder + "/model.safetensors");
  WeightStore weights(SafetensorsCheckpoint::open_folder(folder), WeightOptions{});
  nn::AttentionShape shape;
  shape.hidden = hidden;
  shape.num_heads = heads;
  shape.num_kv_heads = kv_heads;
  shape.head_dim = head_dim;
  shape.output_bias = false;
  const auto attention = nn::MultiHeadAttention::load(weights, "attn", shape);
  at::manual_seed(5);
  const at::Tensor x = at::randn({1, length, hidden});
  at::Tensor key_mask = at::ones({1, length}, at::kLong);
  key_mask.narrow(1, 0, 7).fill_(0);
  // a causal mask (one row per query: sliced per stripe) and a padding mask (one row for all)
  for (const at::Tensor& mask : {nn::causal_mask(key_mask, length, at::kFloat), nn::padding_mask(key_mask, at::kFloat),
                                 at::Tensor()}) {
    at::Tensor probabilities;
    const at::Tensor full = attention.self_attention(x, mask, nullptr, at::Tensor(), at::Tensor(), &probabilities);
    const at::Tensor striped = attention.self_attention(x, mask, nullptr, at::Tensor(), at::Tensor());
    ASSERT_EQ(striped.sizes(), full.sizes());
    EXPECT_LT(at::max(at::abs(striped - full)).item<double>(), 1e-5);
  }
}

}  // namespace
}  // namespace almkit
