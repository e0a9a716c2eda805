// spin_parallel_for: every index exactly once, chunk alignment, errors, and many callers and
// jobs back to back (the pattern of decoding).
#include "core/spin_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <thread>
#include <vector>

namespace almkit {
namespace {

TEST(SpinPool, CoversEveryIndexOnceWithAlignedChunks) {
  for (const int chunks_per_part : {1, 4, 64}) {
    for (const int64_t count : {1, 15, 16, 17, 1000, 4864, 151936}) {
      std::vector<std::atomic<int>> hits(count);
      std::atomic<int> misaligned{0}, chunks{0};
      spin_parallel_for(
          count, 2, 16,
          [&](int64_t begin, int64_t end) {
            if (begin % 16 != 0) ++misaligned;
            ++chunks;
            for (int64_t i = begin; i < end; ++i) ++hits[i];
          },
          chunks_per_part);
      for (int64_t i = 0; i < count; ++i) ASSERT_EQ(hits[i].load(), 1) << "count " << count << " index " << i;
      EXPECT_EQ(misaligned.load(), 0);
      // about as many chunks as asked for (rounding chunks up to 16 rows may merge a few)
      const int64_t wanted = std::min<int64_t>(2 * chunks_per_part, (count + 15) / 16);
      EXPECT_LE(chunks.load(), wanted) << count;
      EXPECT_GT(chunks.load(), wanted / 2) << count;
    }
  }
}

TEST(SpinPool, RethrowsAnErrorOfAnyChunk) {
  EXPECT_THROW(spin_parallel_for(1000, 2, 1,
                                     [](int64_t begin, int64_t end) {
                                       if (begin <= 900 && 900 < end) throw std::runtime_error("chunk failed");
                                     }),
               std::runtime_error);
  // the pool still works afterwards
  std::atomic<int64_t> sum{0};
  spin_parallel_for(100, 2, 1, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) sum += i;
  });
  EXPECT_EQ(sum.load(), 4950);
}

TEST(SpinPool, ThousandsOfJobsFromSeveralThreadsAllComplete) {
  std::vector<std::thread> callers;
  std::atomic<int64_t> total{0};
  for (int t = 0; t < 3; ++t) {
    callers.emplace_back([&] {
      for (int job = 0; job < 3000; ++job) {
        std::atomic<int64_t> sum{0};
        spin_parallel_for(257, 2, 8, [&](int64_t begin, int64_t end) {
          for (int64_t i = begin; i < end; ++i) sum += i;
        });
        if (sum.load() == 257 * 256 / 2) ++total;
      }
    });
  }
  for (auto& caller : callers) caller.join();
  EXPECT_EQ(total.load(), 3 * 3000);
}

}  // namespace
}  // namespace almkit
