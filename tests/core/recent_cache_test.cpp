// RecentCache: one build per key while it stays among the most recent, eviction of the least
// recently used, and a throwing build that leaves the cache as it was.
#include "core/recent_cache.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace almkit {
namespace {

TEST(RecentCache, BuildsOncePerKeyAndForgetsTheLeastRecentlyUsed) {
  RecentCache<int, std::string, 2> cache;
  int builds = 0;
  auto build = [&](int key) {
    return [&builds, key] {
      ++builds;
      return std::to_string(key);
    };
  };
  const auto one = cache.get(1, build(1));
  EXPECT_EQ(*one, "1");
  EXPECT_EQ(cache.get(1, build(1)), one);  // the same object, not rebuilt
  EXPECT_EQ(builds, 1);
  cache.get(2, build(2));
  cache.get(1, build(1));  // 1 is now the most recent, 2 the least
  cache.get(3, build(3));  // evicts 2
  EXPECT_EQ(builds, 3);
  EXPECT_EQ(cache.get(1, build(1)), one);
  EXPECT_EQ(builds, 3);
  cache.get(2, build(2));
  EXPECT_EQ(builds, 4);
  EXPECT_EQ(*one, "1");  // a holder keeps its value after eviction
}

TEST(RecentCache, AThrowingBuildCachesNothing) {
  RecentCache<int, int> cache;
  EXPECT_THROW(cache.get(7, []() -> int { throw std::runtime_error("bad options"); }),
               std::runtime_error);
  EXPECT_EQ(*cache.get(7, [] { return 42; }), 42);
}

}  // namespace
}  // namespace almkit
