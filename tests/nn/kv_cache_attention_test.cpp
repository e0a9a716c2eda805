// The KV cache's in-place growth and the causal / sliding-window mask, value for value.
#include <gtest/gtest.h>

#include "nn/attention.h"
#include "nn/kv_cache.h"

namespace almkit {
namespace {

TEST(KvCache, AppendingMatchesConcatenationAndReusesItsBuffer) {
  at::manual_seed(3);
  nn::KeyValue cache;
  at::Tensor keys = at::randn({2, 3, 5, 4}), values = at::randn({2, 3, 5, 4});
  cache.append(keys, values);
  EXPECT_TRUE(at::equal(cache.key, keys));
  const void* buffer = nullptr;
  for (int step = 0; step < 40; ++step) {
    const at::Tensor k = at::randn({2, 3, 1, 4}), v = at::randn({2, 3, 1, 4});
    keys = at::cat({keys, k}, 2);
    values = at::cat({values, v}, 2);
    cache.append(k, v);
    ASSERT_TRUE(at::equal(cache.key, keys)) << "step " << step;
    ASSERT_TRUE(at::equal(cache.value, values)) << "step " << step;
    if (step == 1) buffer = cache.key.data_ptr();
  }
  // 5 + 40 positions fit in the first buffer (needed + 64 spare): no reallocation after step 0
  EXPECT_EQ(cache.key.data_ptr(), buffer);
}

TEST(KvCache, ATrimmedOrReplacedCacheStartsANewBuffer) {
  nn::KeyValue cache;
  cache.append(at::ones({1, 1, 4, 2}), at::ones({1, 1, 4, 2}));
  cache.append(at::full({1, 1, 1, 2}, 2.0), at::full({1, 1, 1, 2}, 2.0));
  cache.key = cache.key.narrow(2, 2, 3);  // a sliding window drops the two oldest positions
  cache.value = cache.value.narrow(2, 2, 3);
  cache.append(at::full({1, 1, 1, 2}, 3.0), at::full({1, 1, 1, 2}, 3.0));
  const at::Tensor expected = at::tensor({1.f, 1.f, 2.f, 2.f, 3.f, 3.f}).view({1, 1, 3, 2});
  EXPECT_TRUE(at::equal(cache.key.narrow(2, 1, 3), expected)) << cache.key;
  EXPECT_EQ(cache.key.size(2), 4);
}

TEST(KvCache, CopiesThatBothGrowKeepTheirOwnPositions) {
  nn::KeyValue shared;
  shared.append(at::zeros({1, 1, 3, 2}), at::zeros({1, 1, 3, 2}));
  shared.append(at::ones({1, 1, 1, 2}), at::ones({1, 1, 1, 2}));  // now buffer-backed
  nn::KeyValue a = shared, b = shared;  // two scoring branches of one prompt
  a.append(at::full({1, 1, 1, 2}, 5.0), at::full({1, 1, 1, 2}, 5.0));
  b.append(at::full({1, 1, 1, 2}, 7.0), at::full({1, 1, 1, 2}, 7.0));
  a.append(at::full({1, 1, 1, 2}, 6.0), at::full({1, 1, 1, 2}, 6.0));
  EXPECT_EQ(a.key[0][0][4][0].item<float>(), 5.0f);
  EXPECT_EQ(a.key[0][0][5][0].item<float>(), 6.0f);
  EXPECT_EQ(b.key[0][0][4][0].item<float>(), 7.0f);
  EXPECT_EQ(shared.key.size(2), 4);
  EXPECT_EQ(shared.key[0][0][3][0].item<float>(), 1.0f);
}

TEST(CausalMask, SlidingWindowHidesKeysWindowOrMoreBack) {
  const at::Tensor attention = at::ones({1, 6}, at::kLong);
  // 2 new queries at positions 4 and 5 over 6 keys, window 3: query 4 sees keys 2..4, query 5 sees 3..5
  const at::Tensor mask = nn::causal_mask(attention, 2, at::kFloat, 3);
  const at::Tensor visible = (mask == 0).to(at::kInt).view({2, 6});
  const at::Tensor expected = at::tensor({0, 0, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1}, at::kInt).view({2, 6});
  EXPECT_TRUE(at::equal(visible, expected)) << visible;
  // no window: plain causal
  const at::Tensor full = (nn::causal_mask(attention, 2, at::kFloat) == 0).to(at::kInt).view({2, 6});
  EXPECT_TRUE(at::equal(full, at::tensor({1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1}, at::kInt).view({2, 6})));
}

}  // namespace
}  // namespace almkit
