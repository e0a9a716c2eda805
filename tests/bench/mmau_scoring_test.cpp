#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "almkit/bench_scoring.h"
#include "bench_test_util.h"

namespace almkit::bench {
namespace {

const std::vector<std::string> kChoices = {"Man", "Woman", "Child", "Robot"};

TEST(MmauStringMatch, AllAnswerTokensPresentIsCorrect) {
  EXPECT_TRUE(mmau_string_match("Woman", "woman", kChoices));
  EXPECT_TRUE(mmau_string_match("Woman", "The speaker is a woman.", kChoices));
  EXPECT_FALSE(mmau_string_match("Church bells", "bells", {"Church bells", "Sirens"}));
}

TEST(MmauStringMatch, TokenOfOnlyAWrongChoiceMakesItWrong) {
  EXPECT_FALSE(mmau_string_match("Woman", "woman or man", kChoices));
  EXPECT_FALSE(mmau_string_match("Woman", "not a child, a woman", kChoices));
}

TEST(MmauStringMatch, TokensSharedWithTheAnswerAreAllowed) {
  const std::vector<std::string> choices = {"a dog barking", "a cat barking", "dog howling"};
  // "dog" and "barking" also occur in wrong choices but belong to the answer.
  EXPECT_TRUE(mmau_string_match("a dog barking", "A dog barking.", choices));
  EXPECT_FALSE(mmau_string_match("a dog barking", "a dog barking, not howling", choices));
  // A wrong choice with the same token set as the answer adds no forbidden tokens.
  EXPECT_TRUE(mmau_string_match("Dog, barking", "dog barking", {"Dog, barking", "barking dog"}));
}

TEST(MmauStringMatch, EmptyOrPunctuationOnlyPredictionIsWrong) {
  EXPECT_FALSE(mmau_string_match("Woman", "", kChoices));
  EXPECT_FALSE(mmau_string_match("Woman", " ?! ", kChoices));
}

TEST(MmauStringMatch, LowerCasingAndWordsAreUnicodeAware) {
  const std::vector<std::string> choices = {"Ça va", "Déjà vu", "ΟΔΟΣ"};
  EXPECT_TRUE(mmau_string_match("Déjà vu", "DÉJÀ VU!", choices));
  EXPECT_FALSE(mmau_string_match("Déjà vu", "déjà vu ou ça va", choices));
  // Python lowers "ΟΔΟΣ" to "οδος" (final sigma), so "οδοσ" is a different token.
  EXPECT_TRUE(mmau_string_match("ΟΔΟΣ", "οδος", choices));
  EXPECT_FALSE(mmau_string_match("ΟΔΟΣ", "οδοσ", choices));
}

std::string mmau_fixture() {
  return R"([
 {"id": "a", "answer": "Woman", "choices": ["Man", "Woman"], "task": "speech",
  "difficulty": "easy", "sub-category": "Gender", "model_output": "woman"},
 {"id": "b", "answer": "Man", "choices": ["Man", "Woman"], "task": "speech",
  "difficulty": "hard", "sub-category": "Gender", "model_output": "woman"},
 {"id": "c", "answer": "Piano", "choices": ["Piano", "Drums"], "task": "music",
  "difficulty": "easy", "sub-category": null},
 {"id": "d", "answer": "Rain", "choices": ["Rain", "Wind"], "task": "sound",
  "difficulty": "medium", "sub-category": "Weather", "model_prediction": "rain"}
])";
}

TEST(MmauOfficial, SkipsItemsWithoutOutputAndReportsStrictSeparately) {
  const std::string path = test::write_temp("predictions.json", mmau_fixture());
  const auto records = read_mmau_predictions(path, {});
  const auto report = score_mmau(records, {});
  EXPECT_EQ(report.total.total, 3);
  EXPECT_EQ(report.total.correct, 2);
  EXPECT_EQ(report.skipped, 1);
  EXPECT_EQ(report.strict.total, 4);
  EXPECT_EQ(report.strict.correct, 2);
  EXPECT_EQ(report.official_printout,
            "******************************\nTask-wise Accuracy:\n"
            "sound : 100.00% over 1 samples\nmusic : 0.00% over 0 samples\n"
            "speech : 50.00% over 2 samples\n"
            "******************************\nDifficulty-wise Accuracy:\n"
            "easy : 100.00% over 1 samples\nhard : 0.00% over 1 samples\n"
            "medium : 100.00% over 1 samples\n"
            "******************************\nSub-category-wise Accuracy:\n"
            "Gender : 50.00% over 2 samples\nWeather : 100.00% over 1 samples\n"
            "******************************\nTotal Accuracy: 66.67% over 3 samples\n"
            "******************************\nNo prediction count: 0\n");
}

TEST(MmauOfficial, PredictionKeyCanBeForced) {
  const std::string path = test::write_temp("predictions.json", mmau_fixture());
  MmauScoreOptions options;
  options.prediction_key = "model_output";  // evaluation.py's own key only
  const auto report = score_mmau(read_mmau_predictions(path, options), options);
  EXPECT_EQ(report.total.total, 2);
  EXPECT_EQ(report.skipped, 2);
}

TEST(MmauOfficial, UnknownTaskAndNoOutputsAreClearErrors) {
  const std::string bad_task = test::write_temp(
      "bad.json", R"([{"id": "x", "answer": "A", "choices": ["A", "B"], "task": "video",
                      "difficulty": "easy", "model_output": "A"}])");
  EXPECT_ALMKIT_ERROR(score_mmau(read_mmau_predictions(bad_task, {}), {}),
                      ErrorCode::kInvalidFormat, "task 'video'");
  const std::string none = test::write_temp(
      "none.json", R"([{"id": "x", "answer": "A", "choices": ["A", "B"], "task": "sound",
                       "difficulty": "easy"}])");
  EXPECT_ALMKIT_ERROR(score_mmau(read_mmau_predictions(none, {}), {}), ErrorCode::kInvalidArgument,
                      "no item has a model output");
  const std::string missing_answer =
      test::write_temp("missing.json",
                       "[\n{\"id\": \"x\", \"choices\": [\"A\"], \"task\": \"sound\",\n"
                       " \"difficulty\": \"easy\"}]");
  EXPECT_ALMKIT_ERROR(read_mmau_predictions(missing_answer, {}), ErrorCode::kInvalidFormat,
                      "missing.json:2: required field 'answer' is missing");
}

// The real 1,000 test-mini items with synthetic predictions (rule in
// tests/data/bench/make_mmau_expected.py, whose independent Python run wrote the expected text).
std::string synthetic_prediction(size_t i, const nlohmann::ordered_json& item, bool* present) {
  const std::string answer = item["answer"];
  std::string wrong;
  int answer_index = 0;
  for (size_t c = 0; c < item["choices"].size(); ++c) {
    const std::string choice = item["choices"][c];
    if (choice == answer) answer_index = static_cast<int>(c);
    if (wrong.empty() && choice != answer) wrong = choice;
  }
  *present = true;
  switch (i % 7) {
    case 0:
      return answer;
    case 1:
      return wrong;
    case 2:
      return "The answer is " + answer + ".";
    case 3:
      *present = false;
      return "";
    case 4:
      return answer + " and " + wrong;
    case 5:
      return "";
    default:
      return "(" + std::string(1, static_cast<char>('A' + answer_index)) + ") " + answer;
  }
}

TEST(MmauOfficial, ReproducesOfficialFiguresOnRealTestMini) {
  std::ifstream in(test::shared_benchmarks_dir() + "/mmau/mmau-test-mini.json");
  ASSERT_TRUE(in) << "MMAU test-mini missing";
  auto items = nlohmann::ordered_json::parse(in);
  ASSERT_EQ(items.size(), 1000u);
  for (size_t i = 0; i < items.size(); ++i) {
    bool present = false;
    const std::string prediction = synthetic_prediction(i, items[i], &present);
    if (present) items[i]["model_output"] = prediction;
  }
  const std::string path = test::write_temp("mmau-synthetic.json", items.dump(1));
  const auto report = score_mmau(read_mmau_predictions(path, {}), {});
  const std::string expected =
      test::read_file(test::test_data_dir() + "/bench/mmau_synthetic_expected.txt");
  EXPECT_EQ(report.official_printout, expected);
  EXPECT_EQ(report.total.total, 857);
  EXPECT_EQ(report.total.correct, 411);
  EXPECT_EQ(report.strict.total, 1000);
  EXPECT_EQ(report.skipped, 143);

  const auto cli = test::run_cli("score --bench mmau --input " + path);
  EXPECT_EQ(cli.exit_code, 0) << cli.output;
  EXPECT_EQ(cli.output.substr(0, expected.size()), expected);
  EXPECT_NE(cli.output.find("almkit strict accuracy (items without an output count as wrong): "
                            "41.10% over 1000 samples (143 without output)"),
            std::string::npos)
      << cli.output;
}

}  // namespace
}  // namespace almkit::bench
