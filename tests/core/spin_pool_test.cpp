// spin_parallel_for: every index exactly once, chunk alignment, errors, many callers and jobs
// back to back (the pattern of decoding), and a worker that holds a chunk without running (a
// descheduled thread on a loaded machine).
#include "core/spin_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
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
      const int64_t inline_before = spin_pool_stats().inline_jobs;
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
      // after a late join (a loaded machine) the pool runs jobs inline for a while: one call
      if (spin_pool_stats().inline_jobs > inline_before) {
        EXPECT_EQ(chunks.load(), 1) << count;
        continue;
      }
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

// One job of 64 one-index chunks in which a worker holds its first chunk for `hold` (as if
// descheduled). The caller's chunks wait until a worker has started one, so a worker takes part
// whenever the job runs on the pool; a call over the whole range is the pool running it inline.
struct LateWorkerJob {
  static constexpr int64_t kCount = 64;
  std::thread::id caller = std::this_thread::get_id();
  std::vector<std::atomic<int>> hits = std::vector<std::atomic<int>>(kCount);
  std::atomic<int64_t> sum{0};
  std::atomic<bool> worker_started{false};
  std::atomic<int> worker_chunks{0};
  bool ran_inline = false;

  void run(std::chrono::milliseconds hold, int64_t throwing_index = -1) {
    spin_parallel_for(kCount, 2, 1, [&](int64_t begin, int64_t end) {
      if (begin == 0 && end == kCount) {
        ran_inline = true;
      } else if (std::this_thread::get_id() == caller) {
        const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (!worker_started && std::chrono::steady_clock::now() < give_up) std::this_thread::yield();
      } else if (!worker_started.exchange(true)) {
        std::this_thread::sleep_for(hold);
      }
      if (std::this_thread::get_id() != caller) ++worker_chunks;
      for (int64_t i = begin; i < end; ++i) {
        ++hits[i];
        sum += i;
        if (i == throwing_index) throw std::runtime_error("late chunk failed");
      }
    }, 32);
  }
  void expect_every_index_once() {
    for (int64_t i = 0; i < kCount; ++i) ASSERT_EQ(hits[i].load(), 1) << "index " << i;
    EXPECT_EQ(sum.load(), kCount * (kCount - 1) / 2);
  }
};

TEST(SpinPool, AWorkerHoldingAChunkLateStillGivesEveryChunkOnce) {
  for (int attempt = 0; attempt < 100; ++attempt) {
    const SpinPoolStats before = spin_pool_stats();
    LateWorkerJob job;
    job.run(std::chrono::milliseconds(30));
    job.expect_every_index_once();
    if (job.ran_inline) {  // after a late join of an earlier test: try again once that is over
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      continue;
    }
    EXPECT_GE(job.worker_chunks.load(), 1);
    // the caller waited ~30 ms for the worker's chunk: counted as a late join
    EXPECT_EQ(spin_pool_stats().late_joins, before.late_joins + 1);
    return;
  }
  FAIL() << "the pool never ran the job on its workers";
}

TEST(SpinPool, AnErrorInALateWorkersChunkReachesTheCaller) {
  for (int attempt = 0; attempt < 100; ++attempt) {
    LateWorkerJob job;
    // index 5 is one of the chunks a worker may take; on the caller it throws as well
    EXPECT_THROW(job.run(std::chrono::milliseconds(20), 5), std::runtime_error);
    if (job.ran_inline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      continue;
    }
    for (int64_t i = 0; i < LateWorkerJob::kCount; ++i) ASSERT_EQ(job.hits[i].load(), 1) << "index " << i;
    return;
  }
  FAIL() << "the pool never ran the job on its workers";
}

// After late joins the caller runs jobs alone for a while (a descheduled worker would hold up
// every join), then tries the workers again: both must show within a few thousand jobs.
TEST(SpinPool, LateJoinsSendJobsInlineThenTheWorkersAreTriedAgain) {
  bool saw_inline = false;
  for (int attempt = 0; attempt < 5 && !saw_inline; ++attempt) {
    const int64_t inline_before = spin_pool_stats().inline_jobs;
    LateWorkerJob late;
    late.run(std::chrono::milliseconds(20));
    late.expect_every_index_once();
    LateWorkerJob next;
    next.run(std::chrono::milliseconds(0));
    next.expect_every_index_once();
    saw_inline = next.ran_inline && spin_pool_stats().inline_jobs > inline_before;
  }
  EXPECT_TRUE(saw_inline) << "jobs right after a late join still went to the workers";
  // the workers come back once the inline stretch is over (at most 128 ms)
  bool pooled_again = false;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!pooled_again && std::chrono::steady_clock::now() < give_up) {
    LateWorkerJob job;
    job.run(std::chrono::milliseconds(0));
    job.expect_every_index_once();
    pooled_again = !job.ran_inline && job.worker_chunks.load() > 0;
    if (!pooled_again) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_TRUE(pooled_again);
}

}  // namespace
}  // namespace almkit
