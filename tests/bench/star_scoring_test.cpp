#include <gtest/gtest.h>

#include "almkit/bench_scoring.h"
#include "bench_test_util.h"

namespace almkit::bench {
namespace {

const std::vector<std::string> kOptions = {"cat", "dog barking", "bird", "car"};

// Cases follow parse_multi_choice_response in InternLM/StarBench (ALMEval_code/datasets/
// starbench.py), traced by hand through its regexes and sort keys.
TEST(StarParse, KeywordThenLetter) {
  EXPECT_EQ(star_parse_multi_choice_response("The answer is B", kOptions), "<B>");
  EXPECT_EQ(star_parse_multi_choice_response("The correct answer is option D.", kOptions), "<D>");
}

TEST(StarParse, KeywordPatternIsCaseInsensitiveEvenForTheLetter) {
  // (?i) covers the letter class, so a lower-case letter is returned as is and never matches
  // "<C>": a quirk of the original, kept.
  EXPECT_EQ(star_parse_multi_choice_response("answer: (c)", kOptions), "<c>");
}

TEST(StarParse, BracketedKeywordBeatsBareKeywordAndLastWins) {
  EXPECT_EQ(star_parse_multi_choice_response(
                "Option A is wrong, the correct option is (C). Option B too.", kOptions),
            "<C>");
  EXPECT_EQ(star_parse_multi_choice_response("Answer: A. Wait, actually the answer is C", kOptions),
            "<C>");
}

TEST(StarParse, WithoutKeywordsBracketsThenOptionTextThenBareLetters) {
  EXPECT_EQ(star_parse_multi_choice_response("B", kOptions), "<B>");
  EXPECT_EQ(star_parse_multi_choice_response("(B) or maybe C", kOptions), "<B>");
  // "A" (bare letter, lowest) loses to the text of option B (responses of 3+ words only).
  EXPECT_EQ(star_parse_multi_choice_response("I think it is A dog barking", kOptions), "<B>");
  EXPECT_EQ(star_parse_multi_choice_response("dog barking", kOptions), "Z");
  EXPECT_EQ(star_parse_multi_choice_response("clearly a DOG BARKING here", kOptions), "<B>");
}

TEST(StarParse, NothingFoundIsZ) {
  EXPECT_EQ(star_parse_multi_choice_response("Nothing here", kOptions), "Z");
  EXPECT_EQ(star_parse_multi_choice_response("", kOptions), "Z");
  // A CJK character before the letter is a word character, so \b fails: no match.
  EXPECT_EQ(star_parse_multi_choice_response("答案是C", kOptions), "Z");
  EXPECT_EQ(star_parse_multi_choice_response("答案是(C)", kOptions), "<C>");
  // E is not an option letter when there are four options.
  EXPECT_EQ(star_parse_multi_choice_response("(E)", kOptions), "Z");
}

TEST(StarScore, AverageAccuracyAndAllCorrectRate) {
  const std::string lines =
      R"({"id": "x", "options": ["a", "b"], "answer_letter": "<A>", "model_response": "A", "category": "temporal", "sub-category": "order"}
{"id": "x", "options": ["b", "a"], "answer_letter": "<B>", "model_response": "B", "category": "temporal", "sub-category": "order"}
{"id": "y", "options": ["a", "b"], "answer_letter": "<A>", "model_response": "A", "category": "spatial", "sub-category": "direction"}
{"id": "y", "options": ["b", "a"], "answer_letter": "<B>", "model_response": "nothing", "category": "spatial", "sub-category": "direction"}
)";
  const std::string path = test::write_temp("infer_results.jsonl", lines);
  const auto report = score_star(read_star_results(path), false);
  EXPECT_DOUBLE_EQ(report.total.aa, 75.0);
  EXPECT_DOUBLE_EQ(report.total.acr, 50.0);
  EXPECT_EQ(report.predictions[3], "Z");
  ASSERT_EQ(report.by_category.size(), 2u);
  EXPECT_EQ(report.by_category[0].name, "spatial");  // pandas groupby order
  EXPECT_DOUBLE_EQ(report.by_category[0].aa, 50.0);
  EXPECT_DOUBLE_EQ(report.by_category[0].acr, 0.0);
  EXPECT_NE(report.performance_json.find("\"Total\": {\n        \"AA\": \"75.00%\",\n        "
                                         "\"ACR\": \"50.00%\",\n        \"total_runs\": 4,\n"
                                         "        \"unique_samples\": 2\n    }"),
            std::string::npos)
      << report.performance_json;
  // Perception: category and total are means over sub-categories' two-decimal figures.
  const auto macro = score_star(read_star_results(path), true);
  EXPECT_DOUBLE_EQ(macro.total.aa, 75.0);
  EXPECT_DOUBLE_EQ(macro.total.acr, 50.0);
  EXPECT_EQ(macro.total.n_subcategories, 2);
}

}  // namespace
}  // namespace almkit::bench
