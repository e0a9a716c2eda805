#include <gtest/gtest.h>

#include "almkit/bench_scoring.h"
#include "bench_test_util.h"

namespace almkit::bench {
namespace {

std::string trim(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

// ISA-Bench's own example result files and the metric JSON its scripts wrote for them
// (code/egs/example of bovod-sjtu/ISA-Bench, copied to ../shared/benchmarks/isa-bench-example
// or the folder in ALMKIT_ISA_EXAMPLES_DIR; the repository has no license, so the copies are not
// committed here).
struct IsaExample {
  const char* results;
  const char* expected;
  IsaDimension dimension;
  const char* task;
};

class IsaConformance : public ::testing::TestWithParam<IsaExample> {};

TEST_P(IsaConformance, MatchesTheMetricJsonOfItsScripts) {
  const std::string root = test::isa_examples_dir();
  const IsaExample& example = GetParam();
  // The unlicensed example files cannot be committed or fetched in CI (no GitHub access there):
  // the conformance check runs wherever a copy of them exists, and says so where none does.
  if (!test::file_exists(root)) GTEST_SKIP() << "no copy of ISA-Bench's examples at " << root;
  ASSERT_TRUE(test::file_exists(root + example.results)) << root + example.results;
  EXPECT_EQ(isa_metric_json(root + example.results, example.dimension, example.task),
            trim(test::read_file(root + example.expected)));
}

INSTANTIATE_TEST_SUITE_P(
    ExampleFiles, IsaConformance,
    ::testing::Values(IsaExample{"d/example_ser_results.json",
                                 "output/d/ser/example_d_ser_metric.json", IsaDimension::kD, "ser"},
                      IsaExample{"d/example_gr_results.json",
                                 "output/d/gr/example_d_gr_metric.json", IsaDimension::kD, "gr"},
                      IsaExample{"d/example_asr_results.json",
                                 "output/d/asr/example_d_asr_metric.json", IsaDimension::kD, "asr"},
                      IsaExample{"f/example_ser_results.json",
                                 "output/f/ser/example_f_ser_metric.json", IsaDimension::kF, "ser"},
                      IsaExample{"f/example_gr_results.json",
                                 "output/f/gr/example_f_gr_metric.json", IsaDimension::kF, "gr"},
                      IsaExample{"f/example_asr_results.json",
                                 "output/f/asr/example_f_asr_metric.json", IsaDimension::kF, "asr"},
                      IsaExample{"f/example_s2tt_results.json",
                                 "output/f/s2tt/example_f_s2tt_metric.json", IsaDimension::kF,
                                 "s2tt"},
                      IsaExample{"n/example_n_results.json",
                                 "output/n/only/example_n_only_metric.json", IsaDimension::kN,
                                 ""}));

// A hand-made F-dimension emotion file where every checker has something to accept and to
// refuse (tests/data/bench/isa/); the expected metric JSON is written by make_isa_expected.py,
// which follows f/compute_if_acc.py of ISA-Bench (and printed the same as that script).
TEST(IsaFormat, CheckersAndIfAccuracyOnHandMadeResponses) {
  const std::string dir = test::test_data_dir() + "/bench/isa/";
  EXPECT_EQ(isa_metric_json(dir + "f_ser_handmade.json", IsaDimension::kF, "ser"),
            trim(test::read_file(dir + "f_ser_handmade_metric.json")));
}

TEST(IsaFormat, BadInputsAreClearErrors) {
  const std::string empty = test::write_temp("empty.json", "[]");
  EXPECT_ALMKIT_ERROR(isa_metric_json(empty, IsaDimension::kD, "ser"), ErrorCode::kInvalidFormat,
                      "non-empty JSON list");
  const std::string broken = test::write_temp("broken.json", "[{\"text\": ");
  EXPECT_ALMKIT_ERROR(isa_metric_json(broken, IsaDimension::kD, "ser"), ErrorCode::kInvalidFormat,
                      "malformed JSON");
  const std::string ok =
      test::write_temp("ok.json", R"([{"text": "x", "variation_responses": {"default": "x"}}])");
  EXPECT_ALMKIT_ERROR(isa_metric_json(ok, IsaDimension::kD, "qa"), ErrorCode::kUnsupported,
                      "'qa' is not known");
}

TEST(IsaArea, RadarAreaAsCalcAreaComputesIt) {
  // A regular 11-gon of radius 1: (11/2) sin(2 pi / 11).
  EXPECT_NEAR(radar_polygon_area(std::vector<double>(11, 100.0), 100.0), 2.9735244960057865, 1e-12);
  EXPECT_DOUBLE_EQ(isa_ifr_area_score(std::vector<double>(11, 100.0)), 100.0);
  // Half the radius on every axis: a quarter of the area.
  EXPECT_DOUBLE_EQ(isa_ifr_area_score(std::vector<double>(11, 50.0)), 25.0);
  EXPECT_DOUBLE_EQ(radar_polygon_area({1.0, 1.0}, 1.0), 0.0);
  EXPECT_ALMKIT_ERROR(isa_ifr_area_score({1.0, 2.0}), ErrorCode::kInvalidArgument, "11 axis");
}

}  // namespace
}  // namespace almkit::bench
