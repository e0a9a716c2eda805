// MMAR: `almkit score --bench mmar` prints what MMAR's code/evaluation.py prints (fixed modality
// and layer rows, zero-sample rows included, sub-categories in first-seen order, items without
// `answer_prediction` skipped before anything is counted). The expected text is the output of
// that script on the same synthetic file.
#include <gtest/gtest.h>

#include "almkit/bench_scoring.h"
#include "bench_test_util.h"

namespace almkit::bench {
namespace {

const char* kPredictions = R"([
 {"id": "1", "choices": ["a dog", "a cat"], "answer": "a dog", "modality": "sound",
  "category": "Signal Layer", "sub-category": "Counting", "answer_prediction": "It is a dog."},
 {"id": "2", "choices": ["piano", "violin"], "answer": "violin", "modality": "music",
  "category": "Perception Layer", "sub-category": "Instrument", "answer_prediction": "piano"},
 {"id": "3", "choices": ["yes", "no"], "answer": "yes", "modality": "mix-sound-speech",
  "category": "Semantic Layer", "sub-category": "Counting", "answer_prediction": "Yes."},
 {"id": "4", "choices": ["one", "two", "three"], "answer": "three", "modality": "speech",
  "category": "Cultural Layer", "sub-category": "Emotion", "answer_prediction": "two or three"},
 {"id": "5", "choices": ["left", "right"], "answer": "left", "modality": "sound",
  "category": "Signal Layer", "sub-category": "Spatial"},
 {"id": "6", "choices": ["fast", "slow"], "answer": "slow", "modality": "music",
  "category": "Perception Layer", "sub-category": "Instrument", "answer_prediction": "SLOW"}
])";

const char* kOfficialPrintout = R"(******************************
Modality-wise Accuracy:
sound : 100.00% over 1 samples
music : 50.00% over 2 samples
speech : 0.00% over 1 samples
mix-sound-music : 0.00% over 0 samples
mix-sound-speech : 100.00% over 1 samples
mix-music-speech : 0.00% over 0 samples
mix-sound-music-speech : 0.00% over 0 samples
******************************
Category-wise Accuracy:
Signal Layer : 100.00% over 1 samples
Perception Layer : 50.00% over 2 samples
Semantic Layer : 100.00% over 1 samples
Cultural Layer : 0.00% over 1 samples
******************************
Sub-category-wise Accuracy:
Counting : 100.00% over 2 samples
Instrument : 50.00% over 2 samples
Emotion : 0.00% over 1 samples
******************************
Total Accuracy: 60.00% over 5 samples
******************************
No prediction count: 0
)";

TEST(MmarOfficial, PrintsWhatEvaluationPyPrints) {
  const std::string path = test::write_temp("mmar-synthetic.json", kPredictions);
  MmauScoreOptions options;
  options.mmar = true;
  const auto report = score_mmau(read_mmau_predictions(path, options), options);
  EXPECT_EQ(report.official_printout, kOfficialPrintout);
  EXPECT_EQ(report.skipped, 1);
  EXPECT_EQ(report.strict.total, 6);

  const auto cli = test::run_cli("score --bench mmar --input " + path);
  EXPECT_EQ(cli.exit_code, 0) << cli.output;
  EXPECT_EQ(cli.output.substr(0, std::string(kOfficialPrintout).size()), kOfficialPrintout);
}

TEST(MmarOfficial, UnknownModalityOrLayerIsAClearError) {
  const std::string path = test::write_temp(
      "mmar-bad.json", R"([{"id": "x", "choices": ["a", "b"], "answer": "a", "modality": "video",
        "category": "Signal Layer", "answer_prediction": "a"}])");
  MmauScoreOptions options;
  options.mmar = true;
  EXPECT_ALMKIT_ERROR(score_mmau(read_mmau_predictions(path, options), options),
                      ErrorCode::kInvalidFormat, "item 'x': modality 'video' is not one of MMAR's 7");
}

}  // namespace
}  // namespace almkit::bench
