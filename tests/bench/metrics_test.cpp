#include <gtest/gtest.h>

#include "almkit/bench_scoring.h"

namespace almkit::bench {
namespace {

TEST(WilsonInterval, MatchesTheClosedForm) {
  // 8/10 at 95 %: statsmodels proportion_confint(8, 10, method="wilson").
  const auto ci = wilson_interval(8, 10);
  EXPECT_NEAR(ci.low, 0.4901624, 1e-6);
  EXPECT_NEAR(ci.high, 0.9433178, 1e-6);
  const auto zero = wilson_interval(0, 20);
  EXPECT_DOUBLE_EQ(zero.low, 0.0);
  EXPECT_NEAR(zero.high, 0.1611252, 1e-6);
  const auto none = wilson_interval(0, 0);
  EXPECT_DOUBLE_EQ(none.low, 0.0);
  EXPECT_DOUBLE_EQ(none.high, 1.0);
}

TEST(Transcripts, NormaliserAndErrorRates) {
  EXPECT_EQ(normalize_transcript("Hello, World! [noise] It's (uh) 3.5 ÉTÉ... um OK"),
            "hello world it's 3.5 ete ok");
  EXPECT_EQ(normalize_transcript("flour-fattened  sauce,1,000"), "flour fattened sauce 1000");
  const auto wer = word_error_rate({"the cat sat", "a b"}, {"the cat sat down", ""});
  EXPECT_EQ(wer.reference_length, 5);
  EXPECT_EQ(wer.insertions, 1);
  EXPECT_EQ(wer.deletions, 2);
  EXPECT_DOUBLE_EQ(wer.rate(), 3.0 / 5.0);
  const auto cer = character_error_rate({"abc"}, {"abd"});
  EXPECT_EQ(cer.substitutions, 1);
  EXPECT_DOUBLE_EQ(cer.rate(), 1.0 / 3.0);
}

TEST(OptionLetters, OwnFormatParsing) {
  EXPECT_EQ(parse_option_letter("B", 4), 1);
  EXPECT_EQ(parse_option_letter("(C) a cat", 4), 2);
  EXPECT_EQ(parse_option_letter("D. Drums", 4), 3);
  EXPECT_EQ(parse_option_letter("The answer is (B).", 4), 1);
  EXPECT_EQ(parse_option_letter("Answer: C", 4), 2);
  EXPECT_EQ(parse_option_letter("A dog is barking", 4, {"cat", "dog is barking"}), 1);
  EXPECT_EQ(parse_option_letter("E", 4), -1);
  EXPECT_EQ(parse_option_letter("no idea", 4), -1);
  EXPECT_EQ(parse_option_letter("cat or dog", 2, {"cat", "dog"}), -1);
}

TEST(Robustness, PresentationsConsistencyAndPositions) {
  // Item x: right twice (choice 0 at positions 0 and 1). Item y: choice 1 then choice 0
  // (wrong second time), item z: unparsed once.
  const std::vector<PresentationAnswer> answers = {
      {"x", 0, 0, 0, true},  {"x", 1, 0, 1, true},  {"y", 0, 1, 1, true},
      {"y", 1, 0, 1, false}, {"z", 0, 2, 2, false}, {"z", 1, -1, -1, false},
  };
  const auto report = robustness_metrics(answers);
  ASSERT_EQ(report.accuracy_per_presentation.size(), 2u);
  EXPECT_EQ(report.accuracy_per_presentation[0].correct, 2);
  EXPECT_EQ(report.accuracy_per_presentation[1].correct, 1);
  EXPECT_DOUBLE_EQ(report.correctness_rate, (2.0 / 3.0 + 1.0 / 3.0) / 2.0);
  EXPECT_DOUBLE_EQ(report.consistency_rate, 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(report.all_correct_rate, 1.0 / 3.0);
  EXPECT_EQ(report.position_histogram, (std::vector<int64_t>{1, 3, 1}));
  EXPECT_EQ(report.unparsed, 1);
  EXPECT_EQ(report.items, 3);
}

}  // namespace
}  // namespace almkit::bench
