// A run killed with -9 resumes without recomputing anything it finished; shards merged equal
// the unsharded run.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "bench/runner/cache.h"
#include "bench/runner/runner_fixture.h"

namespace almkit::test {
namespace {

using nlohmann::json;

// results.jsonl without what legitimately differs between runs (timings, cache provenance).
std::vector<json> comparable(std::vector<json> results) {
  for (auto& record : results) {
    record.erase("latency_s");
    record.erase("from_cache");
  }
  return results;
}

TEST(EvalResume, KilledRunRestartsWithoutRecomputingFinishedItems) {
  const std::string out = temp_dir() + "/run";
  auto options = runner_options(out, 12);  // 12 items x (audio + silence) = 24 model calls
  const int64_t total = 24;
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    const std::string model = options.model_dir, data = options.data_path;
    execl(ALMKIT_CLI, ALMKIT_CLI, "eval", "--model", model.c_str(), "--bench", "perception",
          "--data", data.c_str(), "--out", out.c_str(), "--limit", "12", "--max-new-tokens", "4",
          "--quiet", "--threads", "1", static_cast<char*>(nullptr));
    _exit(127);
  }
  // Kill it once a few units are committed.
  size_t finished = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (std::chrono::steady_clock::now() < deadline) {
    if (file_exists(out + "/cache.sqlite")) {
      finished = bench::ResultCache(out + "/cache.sqlite").all_records().size();
      if (finished >= 3) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
  }
  kill(child, SIGKILL);
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the child finished before it could be killed";
  const size_t at_kill = bench::ResultCache(out + "/cache.sqlite").all_records().size();
  ASSERT_GE(at_kill, 3u);
  ASSERT_LT(static_cast<int64_t>(at_kill), total);

  options.threads = 1;
  const auto outcome = bench::run_eval(options);
  EXPECT_TRUE(outcome.complete);
  EXPECT_EQ(outcome.units, total);
  EXPECT_EQ(outcome.reused, static_cast<int64_t>(at_kill));
  EXPECT_EQ(outcome.computed, total - static_cast<int64_t>(at_kill));
  bench::ResultCache cache(out + "/cache.sqlite");
  EXPECT_EQ(cache.computations(), total);  // nothing computed twice ...
  EXPECT_EQ(cache.distinct_computations(), total);
  const auto results = read_results(out);  // ... and nothing lost
  ASSERT_EQ(static_cast<int64_t>(results.size()), total);
  size_t reused = 0;
  for (const auto& record : results) reused += record["from_cache"].get<bool>();
  EXPECT_EQ(reused, at_kill);

  // A third run computes nothing.
  const auto again = bench::run_eval(options);
  EXPECT_EQ(again.computed, 0);
  EXPECT_EQ(again.reused, total);
  EXPECT_EQ(comparable(read_results(out)), comparable(results));
}

TEST(EvalShards, MergedShardsEqualTheUnshardedRun) {
  const std::string dir = temp_dir();
  auto whole = runner_options(dir + "/whole", 5);
  whole.mode = "loglik";
  whole.permutations = 2;
  const auto unsharded = bench::run_eval(whole);
  ASSERT_TRUE(unsharded.complete);

  auto shard = whole;
  shard.out_dir = dir + "/sharded";
  shard.shard_count = 2;
  for (int k = 0; k < 2; ++k) {
    shard.shard_index = k;
    const auto outcome = bench::run_eval(shard);
    EXPECT_FALSE(outcome.complete);  // a shard alone never is
    EXPECT_TRUE(outcome.summary_json.empty());
  }
  EXPECT_TRUE(file_exists(dir + "/sharded/cache-shard-0-of-2.sqlite"));
  EXPECT_TRUE(file_exists(dir + "/sharded/cache-shard-1-of-2.sqlite"));
  bench::MergeOptions merge;
  merge.run_dirs = {dir + "/sharded"};
  const auto merged = bench::merge_runs(merge);
  EXPECT_TRUE(merged.complete);
  EXPECT_EQ(comparable(read_results(dir + "/sharded")), comparable(read_results(dir + "/whole")));
  json a = read_json(dir + "/sharded/summary.json"), b = read_json(dir + "/whole/summary.json");
  for (const char* key : {"accuracy", "baselines", "robustness", "by_sub_category",
                          "audio_sensitivity", "warnings"}) {
    EXPECT_EQ(a[key], b[key]) << key;
  }
  EXPECT_TRUE(file_exists(dir + "/sharded/report.html"));
}

TEST(EvalShards, MergeOfAnUnfinishedRunSaysWhatIsMissing) {
  const std::string dir = temp_dir();
  auto shard = runner_options(dir + "/run", 4);
  shard.mode = "loglik";
  shard.shard_count = 2;
  shard.shard_index = 0;
  const auto outcome = bench::run_eval(shard);  // items 0 and 2; shard 1 never runs
  bench::MergeOptions merge;
  merge.run_dirs = {dir + "/run"};
  const auto merged = bench::merge_runs(merge);
  EXPECT_FALSE(merged.complete);
  const json summary = read_json(dir + "/run/summary.json");
  EXPECT_EQ(summary["missing_units"], 4);  // items 1 and 3, audio + silence
  EXPECT_EQ(summary["items"], 2);
  EXPECT_EQ(outcome.units, 4);
}

TEST(EvalShards, MergeRefusesFoldersOfDifferentRuns) {
  const std::string dir = temp_dir();
  auto first = runner_options(dir + "/a", 2);
  first.mode = "loglik";
  first.silent_baseline = false;
  bench::run_eval(first);
  auto second = first;
  second.out_dir = dir + "/b";
  second.seed = 99;  // another run
  bench::run_eval(second);
  bench::MergeOptions merge;
  merge.run_dirs = {dir + "/a", dir + "/b"};
  merge.out_dir = dir + "/merged";
  EXPECT_ALMKIT_ERROR(bench::merge_runs(merge), ErrorCode::kInvalidArgument, "records another run");
}

}  // namespace
}  // namespace almkit::test
