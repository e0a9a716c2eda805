#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "almkit/bench_scoring.h"
#include "bench_test_util.h"

namespace almkit::bench {
namespace {

// tests/data/bench/star/: responses and a results file, with expected.json written by
// make_star_expected.py, which follows parse_multi_choice_response and evaluate() of
// InternLM/StarBench (ALMEval_code/datasets/starbench.py, commit named in the script) with
// Python's own `re`.
nlohmann::json star_data(const std::string& name) {
  return nlohmann::json::parse(test::read_file(test::test_data_dir() + "/bench/star/" + name));
}

TEST(StarParse, EveryCaseParsesAsStarBenchsRegexesDo) {
  const auto cases = star_data("parse_cases.json");
  const auto expected = star_data("expected.json")["parse"];
  const auto options = cases["options"].get<std::vector<std::string>>();
  ASSERT_EQ(cases["cases"].size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    const auto& c = cases["cases"][i];
    EXPECT_EQ(star_parse_multi_choice_response(c["response"], options), expected[i].get<std::string>())
        << "'" << c["response"].get<std::string>() << "': " << c["note"].get<std::string>();
  }
  // the quirks the cases pin down, spelled out
  EXPECT_EQ(expected[2], "<c>");  // (?i) covers the letter class: "answer: (c)" never scores
  EXPECT_EQ(expected[12], "Z");   // a CJK character before the letter is a word character
}

TEST(StarScore, PerformanceJsonIsWhatStarBenchWrites) {
  const std::string path = test::test_data_dir() + "/bench/star/infer_results.jsonl";
  const auto expected = star_data("expected.json");
  const auto report = score_star(read_star_results(path), false);
  EXPECT_EQ(report.predictions, expected["predictions"].get<std::vector<std::string>>());
  // the same figures, keys and values (nlohmann compares objects regardless of key order)
  EXPECT_EQ(nlohmann::json::parse(report.performance_json),
            nlohmann::json::parse(expected["performance_json"].get<std::string>()))
      << report.performance_json;
  EXPECT_NEAR(report.total.aa, 500.0 / 7, 1e-9);  // 5 of 7 runs
  EXPECT_NEAR(report.total.acr, 100.0 / 3, 1e-9);  // 1 of 3 ids
  ASSERT_EQ(report.by_category.size(), 2u);
  EXPECT_EQ(report.by_category[0].name, "spatial");  // pandas groupby order
  // Perception: category and total are means over sub-categories' two-decimal figures
  // (spatial: (50.00 + 66.67) / 2 = 58.335 -> "58.34%").
  const auto macro = score_star(read_star_results(path), true);
  EXPECT_EQ(nlohmann::json::parse(macro.performance_json),
            nlohmann::json::parse(expected["perception_performance_json"].get<std::string>()))
      << macro.performance_json;
  EXPECT_EQ(macro.total.n_subcategories, 3);
}

}  // namespace
}  // namespace almkit::bench
