// MMAR: `almkit score --bench mmar` prints what MMAR's code/evaluation.py prints (fixed modality
// and layer rows, zero-sample rows included, sub-categories in first-seen order, items without
// `answer_prediction` skipped before anything is counted). The expected text is the output of
// that script on the same synthetic file: tests/data/bench/mmar/ holds the file, the expected text
// and make_mmar_expected.py, which writes it by MMAR's rule (and names the upstream commit).
#include <gtest/gtest.h>

#include "almkit/bench_scoring.h"
#include "bench_test_util.h"

namespace almkit::bench {
namespace {

TEST(MmarOfficial, PrintsWhatEvaluationPyPrints) {
  const std::string path = test::test_data_dir() + "/bench/mmar/predictions.json";
  const std::string printout = test::read_file(test::test_data_dir() + "/bench/mmar/expected_printout.txt");
  MmauScoreOptions options;
  options.mmar = true;
  const auto report = score_mmau(read_mmau_predictions(path, options), options);
  EXPECT_EQ(report.official_printout, printout);
  EXPECT_EQ(report.skipped, 1);
  EXPECT_EQ(report.strict.total, 6);

  const auto cli = test::run_cli("score --bench mmar --input " + path);
  EXPECT_EQ(cli.exit_code, 0) << cli.output;
  EXPECT_EQ(cli.output.substr(0, printout.size()), printout);
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
