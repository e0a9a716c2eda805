// The benchmark pack's scorers replayed against the official code's decisions on made-up
// outputs: VoiceBench's mcq.py / harm.py, AIR-Bench's score_foundation.py / cal_score.py and
// SAKURA's llm_judge.py / calculate_acc.py. Every expected value comes from the script beside the
// data (tests/data/benchmarks/<name>/make_*_expected.py), which runs the official code itself.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "bench/benchmarks/benchmark.h"
#include "bench/benchmarks/voicebench/voicebench_rules.h"
#include "bench/judge/judge_protocols.h"
#include "test_support.h"

namespace almkit {
namespace {

using json = nlohmann::ordered_json;
using ojson = nlohmann::ordered_json;

std::string pack_dir(const std::string& name) {
  return test::test_data_dir() + "/benchmarks/" + name + "/";
}

json read_json(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << path;
  return json::parse(in);
}

std::vector<json> read_lines(const std::string& path) {
  std::vector<json> lines;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(json::parse(line));
  return lines;
}

std::vector<bench::VoicebenchRow> voicebench_rows() {
  std::vector<bench::VoicebenchRow> rows;
  size_t index = 0;
  for (const auto& line : read_lines(pack_dir("voicebench") + "voicebench_outputs.jsonl")) {
    rows.push_back({line.value("id", "row-" + std::to_string(index)), line["subset"],
                    line["prompt"], line.value("reference", ""), line["response"]});
    ++index;
  }
  return rows;
}

TEST(VoicebenchScoring, LettersAndRefusalsAreTheEvaluatorsDecisions) {
  const auto rows = voicebench_rows();
  const json expected = read_json(pack_dir("voicebench") + "voicebench_expected.json");
  ASSERT_EQ(rows.size(), expected["rows"].size());
  for (size_t i = 0; i < rows.size(); ++i) {
    const json& want = expected["rows"][i];
    if (want.contains("extracted") && rows[i].subset != "bbh") {
      EXPECT_EQ(bench::voicebench_mcq_letter(rows[i].response),
                want["extracted"].is_null() ? "" : want["extracted"].get<std::string>())
          << rows[i].response;
    }
    if (want.contains("extracted") && rows[i].subset == "bbh") {
      EXPECT_EQ(bench::voicebench_bbh_answer(rows[i].id, rows[i].response),
                want["extracted"].is_null() ? -1 : want["extracted"].get<int>())
          << rows[i].response;
    }
    if (want.contains("safe")) {
      EXPECT_EQ(bench::voicebench_refuses(rows[i].response), want["safe"].get<bool>())
          << rows[i].response;
    }
  }
}

TEST(VoicebenchScoring, SeededRandomRuleGivesMcqPyFigures) {
  const auto rows = voicebench_rows();
  const json expected = read_json(pack_dir("voicebench") + "voicebench_expected.json");
  for (const uint64_t seed : {0, 7, 1}) {
    const auto scores = bench::score_voicebench(rows, seed);
    const ojson& subsets = scores.summary["subsets"];
    for (const char* name : {"openbookqa", "mmsu"}) {
      const json& want = expected["subsets"][name][std::to_string(seed)];
      EXPECT_EQ(subsets[name]["acc"].get<double>(), want["acc"].get<double>()) << name << seed;
      EXPECT_EQ(subsets[name]["fail"].get<double>(), want["fail"].get<double>()) << name << seed;
    }
    EXPECT_EQ(subsets["bbh"]["acc"].get<double>(),
              expected["subsets"]["bbh"][std::to_string(seed)]["acc"].get<double>())
        << seed;
    EXPECT_EQ(subsets["advbench"]["refusal_rate"].get<double>(),
              expected["subsets"]["advbench"]["refusal_rate"].get<double>());
    EXPECT_EQ(subsets["sd-qa"]["judge_protocol"], "voicebench-qa");
    EXPECT_EQ(subsets["alpacaeval"]["judge_protocol"], "voicebench-open");
  }
  // The deterministic variant: unparsed replies wrong (openbookqa: B and C right of 6; mmsu: B).
  const auto scores = bench::score_voicebench(rows, 0);
  EXPECT_DOUBLE_EQ(scores.summary["subsets"]["openbookqa"]["acc_deterministic"].get<double>(),
                   2.0 / 6.0 * 100.0);
  EXPECT_DOUBLE_EQ(scores.summary["subsets"]["mmsu"]["acc_deterministic"].get<double>(), 50.0);
  EXPECT_EQ(scores.items[3]["random_rule"], true);
  EXPECT_EQ(scores.items[0]["random_rule"], false);
  EXPECT_EQ(scores.items[11]["safe"], false);
}

TEST(VoicebenchScoring, UnknownAndUnreproducedSubsetsAreRefused) {
  EXPECT_ALMKIT_ERROR(bench::score_voicebench({{"x", "trivia", "", "", "A"}}, 0),
                      ErrorCode::kInvalidArgument, "unknown subset 'trivia'");
  EXPECT_ALMKIT_ERROR(bench::score_voicebench({{"x", "ifeval", "", "", "A"}}, 0),
                      ErrorCode::kInvalidFormat, "needs 'instruction_id_list'");
  EXPECT_ALMKIT_ERROR(bench::score_voicebench({{"date_understanding_1", "bbh", "", "yes", "A"}}, 0),
                      ErrorCode::kInvalidArgument, "names none of sports_understanding");
  EXPECT_ALMKIT_ERROR(bench::score_voicebench({{"navigate_1", "bbh", "", "maybe", "A"}}, 0),
                      ErrorCode::kInvalidFormat, "is none of yes, no, (a), (b)");
}

TEST(VoicebenchScoring, ScoreCliWritesTheItemRows) {
  const std::string dir = test::temp_dir();
  const auto result = test::run_cli("score --bench voicebench --seed 7 --input " +
                                    pack_dir("voicebench") + "voicebench_outputs.jsonl --summary " +
                                    dir + "/s.json --items " + dir + "/items.jsonl");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const json summary = read_json(dir + "/s.json");
  EXPECT_EQ(summary["subsets"]["openbookqa"]["acc"], 50.0);
  EXPECT_EQ(summary["subsets"]["openbookqa"]["random_seed"], 7);
  const auto items = read_lines(dir + "/items.jsonl");
  ASSERT_EQ(items.size(), 22u);
  EXPECT_EQ(items[0]["extracted"], "B");
  EXPECT_EQ(items[3]["extracted"], nullptr);
  EXPECT_EQ(items[3]["random_rule"], true);
  EXPECT_EQ(items[6]["id"], "biology_0");
  EXPECT_EQ(items[12]["safe"], true);  // a blank reply counts as safe
}

TEST(AirBenchScoring, FoundationPrintoutEqualsScoreFoundationPy) {
  const json expected = read_json(pack_dir("air-bench") + "air_bench_expected.json");
  ojson summary;
  std::vector<ojson> items;
  ASSERT_TRUE(
      bench::find_benchmark("air-bench")
          .score_file(pack_dir("air-bench") + "Foundation_result_modelx.jsonl", 0, summary, items));
  EXPECT_EQ(summary["figures"]["printout"], expected["foundation_printout"]);
  EXPECT_EQ(summary["figures"]["fail_num"], 2);
  ASSERT_EQ(items.size(), 8u);
  EXPECT_EQ(items[1]["letter"], "B");  // "The answer is B.": second-to-last character
  EXPECT_EQ(items[4]["letter"], "C");  // "答案是C。": second-to-last code point
  EXPECT_EQ(items[6]["letter"], "D");  // "Definitely\nA": the first character
}

TEST(AirBenchScoring, ChatPrintoutEqualsCalScorePyBothOrders) {
  const json expected = read_json(pack_dir("air-bench") + "air_bench_expected.json");
  const auto& air = bench::find_benchmark("air-bench");
  ojson summary;
  std::vector<ojson> items;
  ASSERT_TRUE(air.score_file(pack_dir("air-bench") + "chat_score.json", 0, summary, items));
  EXPECT_EQ(summary["figures"]["printout"], expected["chat_printout"]);
  EXPECT_EQ(summary["figures"]["success_num"], 7);  // "8 x" counts as a success and a failure
  ASSERT_TRUE(air.score_file(pack_dir("air-bench") + "chat_score_cir.json", 0, summary, items));
  EXPECT_EQ(summary["swapped"], true);
  EXPECT_EQ(summary["figures"]["printout"], expected["chat_cir_printout"]);
  int reference = 0, model = 0;
  EXPECT_TRUE(bench::judge_reply_pair(" 10 4 \n", reference, model));
  EXPECT_EQ(reference, 10);
  EXPECT_EQ(model, 4);
  EXPECT_FALSE(bench::judge_reply_pair("8  6", reference, model));  // split(' ') gives 3 pieces
  EXPECT_FALSE(bench::judge_reply_pair("7.5 6", reference, model));
}

TEST(MmsuScoring, PrintoutEqualsMmsuEvaluationPy) {
  const json expected = read_json(pack_dir("mmsu") + "mmsu_expected.json");
  ojson summary;
  std::vector<ojson> items;
  ASSERT_TRUE(bench::find_benchmark("mmsu").score_file(pack_dir("mmsu") + "mmsu_outputs.jsonl", 0,
                                                       summary, items));
  EXPECT_EQ(summary["figures"]["printout"], expected["printout"]);
  EXPECT_EQ(summary["figures"]["skipped_wrong_format"], 1);  // left out, where "None" counts wrong
  EXPECT_EQ(summary["figures"]["total_count"], 7);
  EXPECT_EQ(items[5]["letter"], "A");  // "我选A。"
}

TEST(SakuraScoring, JudgePromptsAndExtractionAreLlmJudgePys) {
  const json expected = read_json(pack_dir("sakura") + "sakura_expected.json");
  const auto& protocol = bench::find_judge_protocol("sakura");
  EXPECT_EQ(protocol.system, expected["system_prompt"]);
  EXPECT_EQ(protocol.prompt, expected["user_prompt_template"]);
  EXPECT_EQ(protocol.temperature, 0.0);
  EXPECT_EQ(protocol.top_p, 0.9);
  const json& example = expected["example"];
  EXPECT_EQ(bench::judge_prompt_text(protocol, example["question"], example["reference"],
                                     example["response"]),
            example["user_prompt"].get<std::string>());
  for (const auto& want : expected["extract_judgement"]) {
    std::string explanation;
    EXPECT_EQ(bench::judge_reply_sakura(want["reply"], &explanation), want["Judgement"])
        << want["reply"];
    EXPECT_EQ(explanation, want["Explanation"]) << want["reply"];
  }
}

TEST(SakuraScoring, JudgementsFileGivesCalculateAccPysCounts) {
  const json expected = read_json(pack_dir("sakura") + "sakura_expected.json");
  ojson summary;
  std::vector<ojson> items;
  ASSERT_TRUE(bench::find_benchmark("sakura").score_file(
      pack_dir("sakura") + "example_judgements.json", 0, summary, items));
  const std::string printout = expected["calculate_acc_printout"];
  EXPECT_NE(printout.find("Correct count: " + std::to_string(summary["correct"].get<int>())),
            std::string::npos);
  EXPECT_NE(printout.find("Incorrect count: " + std::to_string(summary["incorrect"].get<int>())),
            std::string::npos);
  EXPECT_NE(printout.find("Total count: " + std::to_string(summary["total"].get<int>())),
            std::string::npos);
  EXPECT_NE(printout.find("Accuracy: " + summary["printed_accuracy"].get<std::string>()),
            std::string::npos);
  EXPECT_EQ(summary["invalid_judgements"], ojson({"data/Animal/audio/pig5.wav"}));
  EXPECT_EQ(items.size(), 4u);
}

TEST(SakuraLoader, TrackItemsWithTheirOptionsAndClips) {
  bench::EvalOptions options;
  options.bench = "sakura";
  options.data_path = pack_dir("sakura") + "Animal/metadata.json";
  bench::LoadOptions load;
  load.audio_root = "/root/Animal";
  const auto items = bench::find_benchmark("sakura").load_items(options, load);
  ASSERT_EQ(items.size(), 4u);
  EXPECT_EQ(items[0].id, "data/Animal/audio/cow3.wav#single");
  EXPECT_EQ(items[1].id, "data/Animal/audio/cow3.wav#multi");
  EXPECT_EQ(items[0].task, "Animal");
  EXPECT_EQ(items[1].category, "multi");
  EXPECT_EQ(items[0].choices,
            std::vector<std::string>({"(a) horse", "(b) cow", "(c) duck", "(d) cat"}));
  EXPECT_EQ(items[0].answer, "(b) cow");
  EXPECT_EQ(items[3].choices[2], "(c) In a burrow in the desert");
  EXPECT_EQ(items[2].audio_paths, std::vector<std::string>({"/root/Animal/audio/frog11.wav"}));
  const std::string broken = test::temp_dir() + "/metadata.json";
  test::write_file(broken, R"({"data/Animal/audio/x.wav": {"single_instruction": "Which?",
      "single_answer": "(a) x", "multi_instruction": "M? (a) p (b) q", "multi_answer": "(a) p"}})");
  options.data_path = broken;
  EXPECT_ALMKIT_ERROR(bench::find_benchmark("sakura").load_items(options, load),
                      ErrorCode::kInvalidFormat, "no \"(a) ... (b) ...\" options");
}

}  // namespace
}  // namespace almkit
