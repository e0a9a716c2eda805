// `almkit compare`: every figure equals tests/data/compare/make_compare_expected.py's, which
// computes them from their definitions (exact binomials, SplitMix64 draws, numpy's percentile).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "almkit/eval.h"
#include "bench/compare/paired_statistics.h"
#include "test_support.h"

namespace almkit {
namespace {

using json = nlohmann::json;

std::string compare_dir() {
  return test::test_data_dir() + "/compare";
}

json expected() {
  return json::parse(test::read_file(compare_dir() + "/compare_expected.json"));
}

void expect_near_relative(double got, double want, const std::string& what) {
  EXPECT_NEAR(got, want, 1e-12 * std::max(1.0, std::abs(want))) << what;
}

TEST(PairedStatistics, McNemarExactIsTwiceTheBinomialTail) {
  EXPECT_EQ(bench::mcnemar_exact_p(0, 0), 1.0);
  EXPECT_EQ(bench::mcnemar_exact_p(5, 5), 1.0);  // capped at 1
  // 2 * P[Binomial(10, 1/2) <= 1] = 2 * 11 / 1024
  expect_near_relative(bench::mcnemar_exact_p(9, 1), 22.0 / 1024.0, "9/1");
  expect_near_relative(bench::mcnemar_exact_p(1, 9), 22.0 / 1024.0, "1/9");
  expect_near_relative(bench::mcnemar_exact_p(0, 3), 0.25, "0/3");
}

TEST(PairedStatistics, SplitMix64IsTheReferenceSequence) {
  bench::SplitMix64 rng(0);  // Vigna's splitmix64.c from seed 0
  EXPECT_EQ(rng.next(), 0xe220a8397b1dcdafULL);
  EXPECT_EQ(rng.next(), 0x6e789e6aa1b965f4ULL);
}

TEST(PairedStatistics, PercentileIsNumpysLinearRule) {
  EXPECT_DOUBLE_EQ(bench::percentile_linear({4, 1, 3, 2}, 50), 2.5);
  EXPECT_DOUBLE_EQ(bench::percentile_linear({1, 2, 3, 4, 5}, 2.5), 1.1);
}

TEST(CompareRuns, FiguresEqualTheScriptsFromTheirDefinitions) {
  const std::string out = test::temp_dir();
  bench::CompareOptions options;
  for (const char* run : {"run-a", "run-b", "run-c", "run-other"})
    options.run_dirs.push_back(compare_dir() + "/" + run);
  options.bootstrap_samples = 2000;
  options.seed = 7;
  options.json_out = out + "/compare.json";
  options.html_out = out + "/compare.html";
  const json result = json::parse(bench::compare_runs(options));
  EXPECT_EQ(json::parse(test::read_file(options.json_out)), result);
  const json want = expected();
  ASSERT_EQ(result["benchmarks"].size(), 2u);  // jsonl (a, b, c) and mmau (other)
  const json& group = result["benchmarks"][0];
  EXPECT_EQ(group["bench"], "jsonl");
  ASSERT_EQ(group["leaderboard"].size(), 3u);
  double previous = 2.0;
  for (const auto& row : group["leaderboard"]) {
    const std::string name = row["run"];
    SCOPED_TRACE(name);
    const json& run = want["runs"][name];
    EXPECT_LE(row["accuracy"].get<double>(), previous);  // best first
    previous = row["accuracy"].get<double>();
    EXPECT_EQ(row["items"], run["items"]);
    EXPECT_EQ(row["correct"], run["correct"]);
    for (const char* field : {"accuracy", "se_clustered"})
      expect_near_relative(row[field].get<double>(), run[field].get<double>(), field);
    expect_near_relative(row["ci95"][0].get<double>(), run["ci95"][0].get<double>(), "ci low");
    expect_near_relative(row["ci95"][1].get<double>(), run["ci95"][1].get<double>(), "ci high");
  }
  for (const auto& [task, rows] : group["by_task"].items()) {
    for (const auto& row : rows) {
      expect_near_relative(
          row["accuracy"].get<double>(),
          want["runs"][row["run"].get<std::string>()]["by_task"][task].get<double>(), task);
    }
  }
  ASSERT_EQ(group["pairs"].size(), 3u);
  for (const auto& pair : group["pairs"]) {
    const std::string key = pair["a"].get<std::string>() + "|" + pair["b"].get<std::string>();
    SCOPED_TRACE(key);
    const json& figures = want["pairs"][key];
    for (const char* count : {"items", "clusters", "both_right", "only_a", "only_b", "both_wrong"})
      EXPECT_EQ(pair[count], figures[count]) << count;
    for (const char* field : {"accuracy_a", "accuracy_b", "difference", "mcnemar_exact_p",
                              "se_difference", "se_difference_clustered"})
      expect_near_relative(pair[field].get<double>(), figures[field].get<double>(), field);
    for (int end = 0; end < 2; ++end)
      expect_near_relative(pair["bootstrap_ci95"][end].get<double>(),
                           figures["bootstrap_ci95"][end].get<double>(), "bootstrap");
  }
  EXPECT_EQ(result["benchmarks"][1]["bench"], "mmau");
  EXPECT_TRUE(result["benchmarks"][1]["pairs"].empty());
  const std::string html = test::read_file(options.html_out);
  EXPECT_NE(html.find("<h2>jsonl</h2>"), std::string::npos);
  EXPECT_NE(html.find("Paired comparisons"), std::string::npos);
  EXPECT_NE(html.find("Accuracy by task"), std::string::npos);
}

TEST(CompareRuns, CliPrintsTheLeaderboardAndThePairs) {
  const auto result = test::run_cli("compare " + compare_dir() + "/run-a " + compare_dir() +
                                    "/run-b --bootstrap 200 --seed 3");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("1. run-a"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("run-a - run-b: +20.00 points"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("McNemar exact p = 0.06525"), std::string::npos) << result.output;
  const auto missing = test::run_cli("compare " + compare_dir() + "/nowhere");
  EXPECT_NE(missing.exit_code, 0);
}

}  // namespace
}  // namespace almkit
