// `almkit eval --bench asr|ast`: open answers scored with the published metrics. The ASR example is
// pocketsphinx-testdata's five LibriVox clips (tests/data/bench/librivox_asr.jsonl): answered by
// a scripted OpenAI-compatible server with pocketsphinx's own decodes, the run's WER and CER are
// jiwer's figures for those decodes (open_answer_expected.json, made from jiwer itself).
#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "almkit/eval.h"
#include "almkit/text_metrics.h"
#include "remote/mock_openai_server.h"
#include "runner_fixture.h"
#include "scripted_server.h"

namespace almkit {
namespace {

using json = nlohmann::json;

// "words (id score)" / "<s> words </s> (id)" lines of pocketsphinx-testdata.
std::map<std::string, std::string> librivox_texts(const std::string& name) {
  std::map<std::string, std::string> texts;
  std::ifstream in(test::librivox_dir() + "/" + name);
  for (std::string line; std::getline(in, line);) {
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

std::vector<json> librivox_rows() {
  std::vector<json> rows;
  std::ifstream in(test::test_data_dir() + "/bench/librivox_asr.jsonl");
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) rows.push_back(json::parse(line));
  return rows;
}

// Each row asks about its own clip by name, so that the scripted server knows which it is.
std::string rows_naming_their_clip(const std::string& dir, std::vector<json> rows) {
  std::string text;
  for (auto& row : rows) {
    row["question"] = "Transcribe clip " + row["id"].get<std::string>() + ".";
    text += row.dump() + "\n";
  }
  test::write_file(dir + "/rows.jsonl", text);
  return dir + "/rows.jsonl";
}

std::string clip_named_in(const json& request, const std::map<std::string, std::string>& texts) {
  const std::string body = request.dump();
  for (const auto& [id, text] : texts)
    if (body.find("clip " + id + ".") != std::string::npos) return id;
  return "";
}

// A run answered by the scripted server, its clips read from the LibriVox folder.
bench::EvalOptions served_options(const test::MockOpenAiServer& server, const std::string& bench,
                                  const std::string& data, const std::string& out) {
  bench::EvalOptions options = test::scripted_options(server, bench, data, out);
  options.audio_root = test::librivox_dir();
  return options;
}

TEST(EvalOpenAnswers, LibrivoxAsrRunGivesJiwersFiguresForPocketsphinxDecodes) {
  const auto references = librivox_texts("transcription");
  const auto decodes = librivox_texts("test-lm.match");
  if (references.empty() || decodes.empty()) GTEST_SKIP() << "pocketsphinx-testdata missing";
  const auto rows = librivox_rows();
  ASSERT_EQ(rows.size(), 5u);
  for (const auto& row : rows)  // the committed set is the package's transcription
    EXPECT_EQ(row["reference"], references.at(row["id"].get<std::string>()));
  const std::string dir = test::temp_dir();
  test::MockOpenAiServer server([&](const json& request, int) {
    return test::MockReply{test::Fault::kNone, decodes.at(clip_named_in(request, decodes))};
  });
  const auto outcome = bench::run_eval(
      served_options(server, "asr", rows_naming_their_clip(dir, rows), dir + "/run"));
  EXPECT_TRUE(outcome.complete);
  const json summary = json::parse(outcome.summary_json);
  const json want =
      test::read_json(test::test_data_dir() +
                      "/open_answer/open_answer_expected.json")["pocketsphinx_librivox_whisper_en"];
  const json& open = summary["open_items"];
  EXPECT_EQ(open["normalizer"], "whisper-en");
  EXPECT_EQ(open["items"], 5);
  for (const char* metric : {"wer", "cer"}) {
    SCOPED_TRACE(metric);
    EXPECT_DOUBLE_EQ(open[metric]["rate"].get<double>(), want[metric]["rate"].get<double>());
    for (const char* count : {"hits", "substitutions", "deletions", "insertions"})
      EXPECT_EQ(open[metric][count], want[metric][count]) << count;
  }
  EXPECT_EQ(open["wer"]["reference_length"], 71);  // 55 hits + 13 S + 3 D
  EXPECT_EQ(test::read_json(dir + "/run/run.json")["scoring"]["normalizer"], "whisper-en");
  EXPECT_NE(test::read_file(dir + "/run/report.md")
                .find("## Speech recognition (normaliser "
                      "whisper-en)"),
            std::string::npos);
  for (const auto& record : test::read_results(dir + "/run")) EXPECT_EQ(record["variant"], "audio");

  // Another normaliser rescored from the cache: the answers are the same, the figures jiwer's on
  // the raw texts.
  auto raw = served_options(server, "asr", dir + "/rows.jsonl", dir + "/run");
  raw.normalizer = "none";
  const auto again = bench::run_eval(raw);
  EXPECT_EQ(again.reused, 5);
  std::vector<std::string> refs, hyps;
  for (const auto& row : rows) {
    refs.push_back(references.at(row["id"].get<std::string>()));
    hyps.push_back(decodes.at(row["id"].get<std::string>()));
  }
  const auto wer = bench::word_error_rate(refs, hyps);
  const json rescored = json::parse(again.summary_json)["open_items"];
  EXPECT_EQ(rescored["normalizer"], "none");
  EXPECT_DOUBLE_EQ(rescored["wer"]["rate"].get<double>(), wer.rate());
  EXPECT_NE(rescored["wer"]["rate"], open["wer"]["rate"]);
}

TEST(EvalOpenAnswers, AstRowsWithSeveralReferencesScoreAsSacrebleu) {
  if (librivox_texts("transcription").empty()) GTEST_SKIP() << "pocketsphinx-testdata missing";
  const std::string dir = test::temp_dir();
  const auto rows = librivox_rows();
  std::string text;
  std::map<std::string, std::string> answers;
  std::vector<std::string> hypotheses;
  std::vector<std::vector<std::string>> references;
  for (size_t i = 0; i < 3; ++i) {
    const std::string id = rows[i]["id"];
    const std::vector<std::string> refs = {"il n'était pas un jeune homme mal disposé " + id,
                                           "ce n'était pas un mauvais jeune homme " + id};
    text += json({{"id", id},
                  {"audio", rows[i]["audio"]},
                  {"reference", refs},
                  {"target_language", "French"},
                  {"question", "Translate clip " + id + "."}})
                .dump() +
            "\n";
    // The second item answers one of its references exactly.
    answers[id] = i == 1 ? refs[1] : "ce n'était pas un jeune homme disposé " + id;
    hypotheses.push_back(answers[id]);
    references.push_back(refs);
  }
  test::write_file(dir + "/ast.jsonl", text);
  test::MockOpenAiServer server([&](const json& request, int) {
    const std::string body = request.dump();
    for (const auto& [id, answer] : answers)
      if (body.find("clip " + id + ".") != std::string::npos)
        return test::MockReply{test::Fault::kNone, answer};
    return test::MockReply{test::Fault::kNone, ""};
  });
  const auto outcome =
      bench::run_eval(served_options(server, "ast", dir + "/ast.jsonl", dir + "/run"));
  const json open = json::parse(outcome.summary_json)["open_items"];
  const auto bleu = bench::corpus_bleu_by_segment(hypotheses, references, "13a");
  EXPECT_DOUBLE_EQ(open["bleu"]["score"].get<double>(), bleu.score);
  EXPECT_EQ(open["bleu"]["counts"], json(std::vector<int64_t>(bleu.counts, bleu.counts + 4)));
  EXPECT_EQ(open["bleu"]["ref_len"], bleu.ref_len);
  EXPECT_DOUBLE_EQ(open["chrf"].get<double>(), bench::corpus_chrf(hypotheses, references).score);
  EXPECT_DOUBLE_EQ(open["chrf++"].get<double>(),
                   bench::corpus_chrf(hypotheses, references, 2).score);
  EXPECT_EQ(open["sacrebleu"][0], bench::sacrebleu_printout(bleu));
  EXPECT_EQ(open["tokenize"], "13a");
  const auto records = test::read_results(dir + "/run");
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[1]["references"].size(), 2u);
  EXPECT_TRUE(records[1]["correct"]);  // any reference counts for exact match
  EXPECT_FALSE(records[0]["correct"]);
}

TEST(EvalOpenAnswers, DefaultAsrInstructionAndLocalModel) {
  if (librivox_texts("transcription").empty()) GTEST_SKIP() << "pocketsphinx-testdata missing";
  const std::string dir = test::temp_dir();
  bench::EvalOptions options;
  options.model_dir = test::runner_world().model;
  options.bench = "asr";
  options.data_path = test::test_data_dir() + "/bench/librivox_asr.jsonl";
  options.audio_root = test::librivox_dir();
  options.out_dir = dir + "/run";
  options.limit = 2;
  options.max_new_tokens = 4;
  options.quiet = true;
  const auto outcome = bench::run_eval(options);
  const json summary = json::parse(outcome.summary_json);
  const auto records = test::read_results(dir + "/run");
  ASSERT_EQ(records.size(), 2u);
  std::vector<std::string> refs, hyps;
  for (const auto& record : records) {
    EXPECT_NE(record["prompt"].get<std::string>().find("Transcribe the speech in this audio."),
              std::string::npos);
    refs.push_back(bench::whisper_english_normalize(record["answer"]));
    hyps.push_back(bench::whisper_english_normalize(record["response"]));
  }
  EXPECT_DOUBLE_EQ(summary["open_items"]["wer"]["rate"].get<double>(),
                   bench::word_error_rate(refs, hyps).rate());
  EXPECT_EQ(summary["items"], 0);  // the multiple-choice headline has no items here
}

}  // namespace
}  // namespace almkit
