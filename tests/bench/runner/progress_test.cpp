// The progress line counts finished items (every unit of the item) besides model calls.
#include <gtest/gtest.h>

#include "bench/runner/progress.h"

namespace almkit::bench {
namespace {

TEST(Progress, CountsAnItemWhenAllItsUnitsAreDone) {
  // 3 items in this process; "a" is already cached, "b" has 2 units to run, "c" 1.
  Progress progress(/*total=*/6, /*already_done=*/3, /*quiet=*/true);
  progress.track_items({{"b", 2}, {"c", 1}}, 3);
  EXPECT_EQ(progress.line(false).rfind("eval: 1/3 items ", 0), 0u) << progress.line(false);
  progress.advance("b");
  EXPECT_NE(progress.line(false).find("1/3 items"), std::string::npos);
  EXPECT_NE(progress.line(false).find("4/6 model calls"), std::string::npos);
  progress.advance("c");
  EXPECT_NE(progress.line(false).find("2/3 items"), std::string::npos);
  progress.advance("b");
  const std::string last = progress.line(true);
  EXPECT_NE(last.find("3/3 items"), std::string::npos) << last;
  EXPECT_NE(last.find("6/6 model calls"), std::string::npos);
  EXPECT_NE(last.find("ETA 0:00"), std::string::npos);
}

TEST(Progress, WithoutItemTrackingShowsModelCallsOnly) {
  Progress progress(2, 0, true);
  progress.advance("x");
  EXPECT_EQ(progress.line(false).rfind("eval: 1/2 model calls ", 0), 0u) << progress.line(false);
}

}  // namespace
}  // namespace almkit::bench
