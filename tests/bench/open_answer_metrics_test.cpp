// Open-answer metrics against their reference implementations. Every expected value in
// tests/data/open_answer was computed by openai/whisper's normalisers, jiwer 4 (on rapidfuzz's
// pure-Python alignment) and sacreBLEU 2.6.0 themselves, by make_open_answer_references.py there
// (commits in open_answer_expected.json).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "almkit/text_metrics.h"
#include "test_support.h"

namespace almkit::bench {
namespace {

using nlohmann::json;

std::vector<json> read_jsonl(const std::string& name) {
  std::ifstream in(test::test_data_dir() + "/open_answer/" + name);
  EXPECT_TRUE(in.good()) << name;
  std::vector<json> rows;
  std::string line;
  while (std::getline(in, line)) rows.push_back(json::parse(line));
  return rows;
}

const json& expected() {
  static const json value = json::parse(
      test::read_file(test::test_data_dir() + "/open_answer/open_answer_expected.json"));
  return value;
}

TEST(WhisperNormalizers, MatchOpenAiWhisperOnThousandStrings) {
  const auto rows = read_jsonl("whisper_normalizers.jsonl");
  ASSERT_GE(rows.size(), 1000u);
  for (const char* preset : {"whisper_en", "whisper_basic", "whisper_basic_diacritics"}) {
    std::string name = preset;
    for (char& c : name) c = c == '_' ? '-' : c;
    const TextNormalizer normalizer = text_normalizer_from_name(name);
    int mismatches = 0;
    for (const auto& row : rows) {
      const std::string text = row["text"], want = row[preset];
      const std::string got = normalize_text(text, normalizer);
      if (got != want && ++mismatches <= 5) {
        ADD_FAILURE() << name << "\n  input: " << json(text).dump()
                      << "\n  whisper: " << json(want).dump()
                      << "\n  almkit:  " << json(got).dump();
      }
    }
    EXPECT_EQ(mismatches, 0) << name << " over " << rows.size() << " strings";
  }
}

TEST(WhisperNormalizers, NumbersCurrenciesSpellingsAndFillers) {
  EXPECT_EQ(whisper_english_normalize("Mr. Smith paid $20 million."),
            "mister smith paid $20000000");
  EXPECT_EQ(whisper_english_normalize("twenty five colours, hmm, one oh one"), "25 colors 101");
  EXPECT_EQ(whisper_english_normalize("I won't pay $1.50, it's 50 per cent off"),
            "i will not pay one.50 it is 50% off");  // whisper's "\\b1\\b" -> "one" rule
  EXPECT_EQ(whisper_english_normalize("the 1st of May, nine hundred decillion"),
            "the 1st of may 900000000000000000000000000000000000");
  EXPECT_EQ(whisper_english_numbers("two dollars and seven cents"), "$2.07");
  EXPECT_EQ(whisper_basic_normalize("Café [music] (aside) déjà-vu!", false), "café déjà vu ");
  EXPECT_EQ(whisper_basic_normalize("Café [music] (aside) déjà-vu!", true), "cafe deja vu ");
  EXPECT_THROW(text_normalizer_from_name("whisper-fr"), Error);
}

TEST(WerJiwer, MatchesJiwerCountsOnThousandPairs) {
  const auto rows = read_jsonl("jiwer_pairs.jsonl");
  ASSERT_GE(rows.size(), 1000u);
  std::vector<std::string> references, hypotheses;
  int mismatches = 0;
  for (const auto& row : rows) {
    references.push_back(row["reference"]);
    hypotheses.push_back(row["hypothesis"]);
    const auto words = word_error_rate({references.back()}, {hypotheses.back()});
    const auto chars = character_error_rate({references.back()}, {hypotheses.back()});
    const std::vector<int64_t> got_words{words.hits, words.substitutions, words.deletions,
                                         words.insertions};
    const std::vector<int64_t> got_chars{chars.hits, chars.substitutions, chars.deletions,
                                         chars.insertions};
    if ((got_words != row["words"].get<std::vector<int64_t>>() ||
         got_chars != row["chars"].get<std::vector<int64_t>>()) &&
        ++mismatches <= 5) {
      ADD_FAILURE() << "pair " << row.dump() << "\n  almkit words " << json(got_words).dump()
                    << " chars " << json(got_chars).dump();
    }
  }
  EXPECT_EQ(mismatches, 0);
  const json& corpus = expected()["jiwer_corpus"];
  const auto words = word_error_rate(references, hypotheses);
  const auto chars = character_error_rate(references, hypotheses);
  EXPECT_EQ(json({words.hits, words.substitutions, words.deletions, words.insertions}),
            corpus["words"]);
  EXPECT_EQ(json({chars.hits, chars.substitutions, chars.deletions, chars.insertions}),
            corpus["chars"]);
  EXPECT_DOUBLE_EQ(words.rate(), corpus["wer"].get<double>());
  EXPECT_DOUBLE_EQ(chars.rate(), corpus["cer"].get<double>());
}

TEST(WerJiwer, WhitespaceAndEmptyReferencesAsJiwer) {
  // A single tab is not collapsed, so "a\tb" is one word; two or more blanks are one space.
  EXPECT_EQ(word_error_rate({"a b"}, {"a\tb"}).substitutions, 1);
  EXPECT_EQ(word_error_rate({"a b"}, {"a\t b"}).hits, 2);
  const auto empty = word_error_rate({""}, {"x y"});
  EXPECT_EQ(empty.insertions, 2);
  EXPECT_DOUBLE_EQ(empty.rate(), 2.0);  // jiwer returns the insertion count
  // rapidfuzz's backtrace: a deletion is taken before a substitution at the end.
  const auto pick = word_error_rate({"a b c"}, {"x c"});
  EXPECT_EQ(pick.hits + pick.substitutions + pick.deletions, 3);
}

struct Corpus {
  std::vector<std::string> hypotheses;
  std::vector<std::vector<std::string>> references;
};

// The segments [chunk.begin, chunk.end) of `corpus`.
Corpus chunk_of(const Corpus& corpus, const json& chunk) {
  const long begin = chunk["begin"].get<long>(), end = chunk["end"].get<long>();
  return {{corpus.hypotheses.begin() + begin, corpus.hypotheses.begin() + end},
          {corpus.references.begin() + begin, corpus.references.begin() + end}};
}

std::string chunk_name(const json& chunk) {
  return "chunk [" + chunk["begin"].dump() + ", " + chunk["end"].dump() + ")";
}

Corpus translation_corpus() {
  Corpus corpus;
  for (const auto& row : read_jsonl("sacrebleu_segments.jsonl")) {
    corpus.hypotheses.push_back(row["hypothesis"]);
    corpus.references.push_back(row["references"]);
  }
  return corpus;
}

TEST(BleuSacrebleu, IntlTokenizerMatchesOnThousandLines) {
  int mismatches = 0, lines = 0;
  for (const auto& row : read_jsonl("sacrebleu_segments.jsonl")) {
    ++lines;
    const std::string hypothesis = row["hypothesis"];
    const std::string got =
        sacrebleu_tokenize(hypothesis.substr(0, hypothesis.find_last_not_of(" \t\n") + 1), "intl");
    if (got != row["intl"].get<std::string>() && ++mismatches <= 5) {
      ADD_FAILURE() << json(hypothesis).dump() << "\n  sacrebleu " << row["intl"].dump()
                    << "\n  almkit    " << json(got).dump();
    }
  }
  EXPECT_GE(lines, 1000);
  EXPECT_EQ(mismatches, 0);
}

TEST(BleuSacrebleu, CorpusBleuMatchesOnEveryChunkAndTokenizer) {
  const Corpus corpus = translation_corpus();
  ASSERT_GE(corpus.hypotheses.size(), 1000u);
  int chunks = 0;
  for (const auto& chunk : expected()["sacrebleu_chunks"]) {
    const Corpus part = chunk_of(corpus, chunk);
    for (const auto& [tokenizer, want] : chunk["bleu"].items()) {
      const BleuScore got = corpus_bleu_by_segment(part.hypotheses, part.references, tokenizer);
      const std::string where = chunk_name(chunk) + " tokenize " + tokenizer;
      EXPECT_EQ(json(std::vector<int64_t>(got.counts, got.counts + 4)), want["counts"]) << where;
      EXPECT_EQ(json(std::vector<int64_t>(got.totals, got.totals + 4)), want["totals"]) << where;
      EXPECT_EQ(got.sys_len, want["sys_len"].get<int64_t>()) << where;
      EXPECT_EQ(got.ref_len, want["ref_len"].get<int64_t>()) << where;
      EXPECT_NEAR(got.bp, want["bp"].get<double>(), 1e-12) << where;
      for (int n = 0; n < 4; ++n) {
        EXPECT_NEAR(got.precisions[n], want["precisions"][size_t(n)].get<double>(), 1e-9) << where;
      }
      EXPECT_NEAR(got.score, want["score"].get<double>(), 1e-9) << where;
      EXPECT_EQ(sacrebleu_printout(got), want["printed"].get<std::string>()) << where;
    }
    ++chunks;
  }
  EXPECT_GT(chunks, 20);
}

TEST(ChrfSacrebleu, ChrfAndChrfPlusPlusMatchOnEveryChunk) {
  const Corpus corpus = translation_corpus();
  for (const auto& chunk : expected()["sacrebleu_chunks"]) {
    const Corpus part = chunk_of(corpus, chunk);
    const std::string where = chunk_name(chunk);
    const ChrfScore chrf = corpus_chrf(part.hypotheses, part.references, 0);
    const ChrfScore plus = corpus_chrf(part.hypotheses, part.references, 2);
    EXPECT_NEAR(chrf.score, chunk["chrf"]["score"].get<double>(), 1e-9) << where;
    EXPECT_NEAR(plus.score, chunk["chrf++"]["score"].get<double>(), 1e-9) << where;
    EXPECT_EQ(sacrebleu_printout(chrf), chunk["chrf"]["printed"].get<std::string>()) << where;
    EXPECT_EQ(sacrebleu_printout(plus), chunk["chrf++"]["printed"].get<std::string>()) << where;
  }
}

TEST(OpenAnswerCli, NormalizeScoreAsrAndAst) {
  const std::string dir = test::temp_dir();
  test::write_file(dir + "/lines.txt", "Mr. Smith paid $20 million.\r\nCafé [music]\n\nhmm\n");
  auto result = test::run_cli("normalize --preset whisper-en --file " + dir + "/lines.txt");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(result.output, "mister smith paid $20000000\ncafe\n\n\n");
  test::write_file(
      dir + "/asr.jsonl",
      "{\"id\": \"a\", \"reference\": \"Twenty five colours.\", \"hypothesis\": \"25 colors\"}\n"
      "{\"id\": \"b\", \"reference\": \"the cat sat\", \"hypothesis\": \"the cat sad down\"}\n");
  result =
      test::run_cli("score --bench asr --normalizer whisper-en --input " + dir +
                    "/asr.jsonl --summary " + dir + "/asr.json --items " + dir + "/items.jsonl");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const json summary = json::parse(test::read_file(dir + "/asr.json"));
  EXPECT_EQ(summary["wer"]["hits"], 4);
  EXPECT_EQ(summary["wer"]["substitutions"], 1);
  EXPECT_EQ(summary["wer"]["insertions"], 1);
  EXPECT_EQ(summary["wer"]["reference_length"], 5);
  EXPECT_DOUBLE_EQ(summary["wer"]["rate"].get<double>(), 0.4);
  EXPECT_NE(test::read_file(dir + "/items.jsonl").find("\"id\":\"b\""), std::string::npos);
  test::write_file(
      dir + "/ast.jsonl",
      "{\"id\": \"1\", \"reference\": [\"the cat is on the mat\", \"a cat is on the mat\"], "
      "\"hypothesis\": \"the cat sat on the mat\"}\n");
  result = test::run_cli("score --bench ast --input " + dir + "/ast.jsonl --summary " + dir +
                         "/ast.json");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("BLEU = "), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("chrF2++ = "), std::string::npos) << result.output;
  const json ast = json::parse(test::read_file(dir + "/ast.json"));
  EXPECT_EQ(ast["bleu"]["counts"], json({5, 3, 1, 0}));
}

// pocketsphinx-testdata's LibriVox transcripts against its own decoder's output for the same
// clips: text "<s> words </s> (id)" and "words (id score)".
std::map<std::string, std::string> librivox_texts(const std::string& name) {
  std::map<std::string, std::string> texts;
  std::ifstream in(test::librivox_dir() + "/" + name);
  std::string line;
  while (std::getline(in, line)) {
    const size_t open = line.rfind(" (");
    if (open == std::string::npos) continue;
    std::string text = line.substr(0, open), id = line.substr(open + 2);
    id = id.substr(0, id.find_first_of(" )"));
    for (const char* marker : {"<s> ", " </s>"}) {
      const size_t at = text.find(marker);
      if (at != std::string::npos) text.erase(at, std::string(marker).size());
    }
    texts[id] = text;
  }
  return texts;
}

TEST(OpenAnswerCli, ScoresPocketsphinxLibrivoxDecodesAsJiwer) {
  const auto references = librivox_texts("transcription");
  const auto hypotheses = librivox_texts("test-lm.match");
  if (references.empty() || hypotheses.empty()) GTEST_SKIP() << "pocketsphinx-testdata missing";
  const json& want = expected()["pocketsphinx_librivox_whisper_en"];
  const std::string dir = test::temp_dir();
  std::string rows;
  for (const auto& id : want["ids"]) {
    rows += json({{"id", id},
                  {"reference", references.at(id.get<std::string>())},
                  {"hypothesis", hypotheses.at(id.get<std::string>())}})
                .dump() +
            "\n";
  }
  test::write_file(dir + "/librivox.jsonl", rows);
  const auto result = test::run_cli("score --bench asr --normalizer whisper-en --input " + dir +
                                    "/librivox.jsonl --summary " + dir + "/summary.json");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const json summary = json::parse(test::read_file(dir + "/summary.json"));
  for (const char* metric : {"wer", "cer"}) {
    for (const char* count : {"hits", "substitutions", "deletions", "insertions"}) {
      EXPECT_EQ(summary[metric][count], want[metric][count]) << metric << " " << count;
    }
    EXPECT_DOUBLE_EQ(summary[metric]["rate"].get<double>(), want[metric]["rate"].get<double>());
  }
}

}  // namespace
}  // namespace almkit::bench
