// sacrebleu's BLEU and tokenizers, aac-metrics' CIDEr-D and ROUGE-L, and ISA-Bench's S2TT / AAC
// metric JSON. Expected values were worked out by hand from the libraries' formulas (and the
// arithmetic checked with a few lines of Python); the ISA-Bench example outputs are its own.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "almkit/bench_scoring.h"
#include "bench/scoring/isa_format_judge.h"
#include "bench_test_util.h"

namespace almkit::bench {
namespace {

TEST(SacreBleuTokenize, ThirteenARules) {
  // Punctuation split, except '.' and ',' between digits and '-' not after a digit.
  EXPECT_EQ(sacrebleu_tokenize("Hello, world! It's 3.5-4.", "13a"),
            "Hello , world ! It's 3.5 - 4 .");
  EXPECT_EQ(sacrebleu_tokenize("a&amp;b <skipped>(x)", "13a"), "a & b ( x )");
  EXPECT_EQ(sacrebleu_tokenize("well-known 1,000.", "13a"), "well-known 1,000 .");
}

TEST(SacreBleuTokenize, ChineseCharactersOneByOneWithItsRangesQuirk) {
  EXPECT_EQ(sacrebleu_tokenize("她会没事的。", "zh"), "她 会 没 事 的 。");
  EXPECT_EQ(sacrebleu_tokenize(" OK,她好 ", "zh"), "OK , 她 好");
  // '\u20000'..'\u2a6d6' in sacrebleu are two-character strings: U+2001..U+2A6D count as
  // Chinese characters (curly quotes, dashes), U+2A6E does not.
  EXPECT_EQ(sacrebleu_tokenize("x\u201cy\u201d", "zh"), "x \u201c y \u201d");
  EXPECT_EQ(sacrebleu_tokenize("x\u2a6ey", "zh"), "x\u2a6ey");
}

TEST(CorpusBleu, ExpSmoothingAndBrevityPenalty) {
  // 1-4-gram matches 5/6, 3/5, 1/4, 0/3 (smoothed to 100 / (2 * 3)); equal lengths.
  const BleuScore cat = corpus_bleu({"the cat sat on the mat"}, {{"the cat is on the mat"}});
  EXPECT_NEAR(cat.score, 37.99178428257963, 1e-12);
  EXPECT_NEAR(cat.precisions[3], 100.0 / 6.0, 1e-12);
  EXPECT_EQ(cat.bp, 1.0);
  // zh: 4/5, 2/4, 0/3 -> 100/6, 0/2 -> 100/8; 5 tokens against 6: bp = exp(1 - 6/5).
  const BleuScore zh = corpus_bleu({"她会好的。"}, {{"她会没事的。"}}, "zh");
  EXPECT_NEAR(zh.score, 24.73692954409193, 1e-12);
  EXPECT_NEAR(zh.bp, std::exp(-0.2), 1e-15);
  EXPECT_EQ(zh.sys_len, 5);
  EXPECT_EQ(zh.ref_len, 6);
  // No match at all: 0, with the precisions at 0 and the brevity penalty still computed.
  const BleuScore none = corpus_bleu({"", "x"}, {{"a b", "c"}});
  EXPECT_EQ(none.score, 0.0);
  EXPECT_EQ(none.precisions[0], 0.0);
  EXPECT_NEAR(none.bp, std::exp(1.0 - 3.0), 1e-15);
  // The closest reference length, the shorter one on ties.
  EXPECT_EQ(corpus_bleu({"a b c"}, {{"a b"}, {"a b c d"}}).ref_len, 2);
}

TEST(CaptionMetrics, CiderDAndRougeL) {
  const std::vector<std::string> candidates = {"a dog barks", "a man speaks", "birds chirp"};
  const std::vector<std::vector<std::string>> references = {
      {"a dog is barking", "dog barks loudly"}, {"a man is speaking"},
      {"birds are chirping", "a bird sings"}};
  EXPECT_NEAR(cider_d(candidates, references), 1.815973656097378, 1e-12);
  EXPECT_NEAR(rouge_l(candidates, references), 0.5366067472015105, 1e-12);
  EXPECT_ALMKIT_ERROR(cider_d({"one"}, {{"one"}}), ErrorCode::kInvalidArgument, "2 candidates");
  EXPECT_EQ(caption_tokens("A dog barks, and it's \"loud\"!"), "a dog barks and it 's loud");
}

// ISA-Bench's example result files and the metric JSON its scripts wrote (see
// isa_scoring_test.cpp: unlicensed copies, the test runs where they exist).
std::string example_root() { return test::isa_examples_dir(); }

TEST(IsaTranslation, DimensionDMatchesTheScriptsOutput) {
  if (!test::file_exists(example_root())) GTEST_SKIP() << "no ISA-Bench examples";
  const auto got = nlohmann::ordered_json::parse(
      isa_metric_json(example_root() + "d/example_s2tt_results.json", IsaDimension::kD, "s2tt"));
  const auto expected = nlohmann::ordered_json::parse(
      test::read_file(example_root() + "output/d/s2tt/example_d_s2tt_metric.json"));
  EXPECT_EQ(got.dump(2), expected.dump(2));
}

TEST(IsaTranslation, DimensionFMatchesTheScriptsOutput) {
  // constrain (format.py judge, with jieba), prefix, suffix, wrap, json and all.
  if (!test::file_exists(example_root())) GTEST_SKIP() << "no ISA-Bench examples";
  const auto got = nlohmann::ordered_json::parse(
      isa_metric_json(example_root() + "f/example_s2tt_results.json", IsaDimension::kF, "s2tt"));
  const auto expected = nlohmann::ordered_json::parse(
      test::read_file(example_root() + "output/f/s2tt/example_f_s2tt_metric.json"));
  EXPECT_EQ(got.dump(2), expected.dump(2));
  EXPECT_EQ(got["constrain"]["bleu"], 14.54);
}

// format.py judge(reference, response) on hand-made pairs; each outcome follows from its rules
// (and was confirmed by running format.py itself).
TEST(IsaTranslation, ConstrainJudgeFollowsFormatPy) {
  struct Case {
    const char* reference;
    const char* response;
    bool positive;
  };
  const Case cases[] = {
      {"她会没事的。", "她应该是好的。", true},
      // A translation keyword in the response but not in the reference.
      {"她会没事的。", "The translation is: 她会没事的。", false},
      {"她会没事的。", "翻译：她会没事的。", false},
      {"她会没事的。", "她会没事的 (in Mandarin)", false},
      {"翻译是什么", "翻译：她会没事的", false},  // 翻译 in both; the colon segment has it
      // Five or more English words (starting with a letter) the reference does not have.
      {"她会没事的。", "one two three four 她", true},
      {"她会没事的。", "one two three four five 她", false},
      {"她会没事的。", "one two three four five6 她", false},
      {"她会没事的。", "a1 b2 c3 d4 e5 f6 她", false},
      {"She will be fine. 她会没事的。", "She will be fine, I think so 她会没事的。", true},
      // Words inside 《》 () "" of the reference do not count as shared.
      {"他用 iPhone 打电话给 Apple 和 Google 以及 Microsoft 还有 Amazon",
       "他用 iPhone 打电话给 Apple 和 Google 以及 Microsoft 还有 Amazon", true},
      {"他用《iPhone Apple Google Microsoft Amazon》",
       "他用 iPhone 打电话给 Apple 和 Google 以及 Microsoft 还有 Amazon", false},
      // No Chinese word (jieba finds none) vs non-ASCII word characters that count as Chinese.
      {"她会没事的。", "She will be fine", false},
      {"", "１２３", true},
      {"", "_", true},
      {"", "Ω", true},
      // The text before a colon, back to the previous punctuation mark, must not name the task.
      {"她会没事的。", "好的：她会没事的", true},
      {"她会没事的。", "普通话：她会没事的", false},
      {"她会没事的。", "这句话用普通话说：她会没事的", false},
      {"她会没事的。", "这句话用普通话说。她会：没事的", true},
      {"this is", "她 is", true},  // " is" is a keyword, present in both
  };
  for (const auto& c : cases) {
    EXPECT_EQ(isa::translation_judge_positive(c.reference, c.response), c.positive)
        << c.reference << " | " << c.response;
  }
  const auto counts = isa::count_words_advanced("Hello, 世界! It's 3.5-4 我们 Ω_x");
  EXPECT_EQ(counts.english, (std::vector<std::string>{"Hello", "It", "s"}));
  EXPECT_EQ(counts.chinese, (std::vector<std::string>{"世界", "我们", "Ω", "_"}));
  EXPECT_EQ(isa::remove_common_words("Hello World 你好 hello (world) WORLD x2 ab_c",
                                     "hello (world) 《x》 \"World\" ab"),
            "World 你好 (world) WORLD x2 ab_c");
  EXPECT_EQ(isa::extract_colon_segments("好的。请翻译：这句话:  来 ,  :：end:"),
            (std::vector<std::string>{"请翻译：", "这句话:", ":", "：", "end:"}));
}

// 1,000 seeded random pairs and format.py's verdicts on them
// (tests/data/bench/make_isa_judge_reference.py).
TEST(IsaTranslation, ConstrainJudgeMatchesFormatPyOnRandomPairs) {
  const auto cases = nlohmann::json::parse(
      test::read_file(test::test_data_dir() + "/bench/isa_judge_reference.json"));
  ASSERT_EQ(cases.size(), 1000u);
  size_t positive = 0;
  for (const auto& c : cases) {
    const bool expected = c[2];
    positive += expected;
    EXPECT_EQ(isa::translation_judge_positive(c[0], c[1]), expected) << c.dump();
  }
  EXPECT_EQ(positive, 427u);
}

TEST(IsaTranslation, DimensionFConstrainOnAHandMadeFile) {
  // Followed (Chinese only), refused (a keyword), and followed but scored 0 BLEU: 1 + 0 + 1.
  const std::string path = test::write_temp("f_s2tt_constrain.json", R"([
    {"text": "她会没事的。", "variation_responses": {"constrain": "  她会没事的。 "}},
    {"text": "她会没事的。", "variation_responses": {"constrain": "翻译：她会没事的。"}},
    {"text": "他很好。", "variation_responses": {"constrain": ["她会没事的。"]}}])");
  const auto got = nlohmann::ordered_json::parse(isa_metric_json(path, IsaDimension::kF, "s2tt"));
  EXPECT_EQ(got["constrain"]["ifr"], 66.67);
  EXPECT_EQ(got["all"]["ifr"], 66.67);
}

TEST(IsaTranslation, DimensionFWithoutConstrainOnAHandMadeFile) {
  // prefix followed (Chinese body), suffix followed but no Chinese (not followed), json key.
  const std::string path = test::write_temp("f_s2tt.json", R"([{
    "text": "她会没事的。", "task": "translation_ec", "variation_responses": {
      "prefix": [{"prefix": "<T>", "response": "<T> 她会没事的。"}],
      "suffix": [{"suffix": "[end]", "response": "fine [end]"}],
      "json": [{"key": "zh", "response": "{\"zh\": \"她会好的。\"}"}]}}])");
  const auto got = nlohmann::ordered_json::parse(isa_metric_json(path, IsaDimension::kF, "s2tt"));
  EXPECT_EQ(got["prefix"]["ifr"], 100.0);
  EXPECT_EQ(got["prefix"]["bleu"], 100.0);
  EXPECT_EQ(got["suffix"]["ifr"], 0.0);
  EXPECT_EQ(got["json"]["bleu"], 24.74);  // the zh case of CorpusBleu above
  EXPECT_EQ(got["all"]["ifr"], 66.67);
}

void expect_caption_metrics_match(const char* results, const char* expected_file,
                                  IsaDimension dimension) {
  const auto got =
      nlohmann::ordered_json::parse(isa_metric_json(example_root() + results, dimension, "aac"));
  auto expected =
      nlohmann::ordered_json::parse(test::read_file(example_root() + expected_file));
  ASSERT_EQ(got.size(), expected.size());
  for (auto& [variant, cell] : expected.items()) {
    ASSERT_TRUE(got.contains(variant)) << variant;
    EXPECT_EQ(got[variant]["METEOR"], "N/A");  // Java METEOR 1.5 is not reproduced
    cell["METEOR"] = "N/A";
    EXPECT_EQ(got[variant], cell) << variant;
  }
  std::vector<std::string> got_keys, expected_keys;
  for (const auto& [key, value] : got.items()) got_keys.push_back(key);
  for (const auto& [key, value] : expected.items()) expected_keys.push_back(key);
  EXPECT_EQ(got_keys, expected_keys);
}

TEST(IsaCaption, IfrCiderDAndRougeLMatchTheScriptsOutput) {
  if (!test::file_exists(example_root())) GTEST_SKIP() << "no ISA-Bench examples";
  expect_caption_metrics_match("d/example_aac_results.json",
                               "output/d/aac/example_d_aac_metric.json", IsaDimension::kD);
  expect_caption_metrics_match("f/example_aac_results.json",
                               "output/f/aac/example_f_aac_metric.json", IsaDimension::kF);
}

}  // namespace
}  // namespace almkit::bench
