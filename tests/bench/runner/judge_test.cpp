// `almkit judge`: VoiceBench's judge prompts verbatim and its rules (mean score, majority vote)
// replayed on scripted replies; the calls cached and resumed; a real judge (`almkit serve`).
#include <gtest/gtest.h>

#include <mutex>

#include "almkit/eval.h"
#include "bench/judge/judge_protocols.h"
#include "remote/mock_openai_server.h"
#include "runner_fixture.h"
#include "through_server.h"

namespace almkit {
namespace {

using json = nlohmann::json;

TEST(JudgeProtocols, VoicebenchPromptsAndRules) {
  const auto& open = bench::find_judge_protocol("voicebench-open");
  EXPECT_EQ(open.prompt.substr(0, 60),
            "\nI need your help to evaluate the performance of several mod");
  EXPECT_NE(open.prompt.find("Your task is to rate the model’s responses"), std::string::npos);
  EXPECT_EQ(open.samples, 3);
  EXPECT_EQ(open.temperature, 0.5);
  const auto& qa = bench::find_judge_protocol("voicebench-qa");
  EXPECT_EQ(bench::judge_prompt_text(qa, "Q?", "R", "C"),
            "### Question\nQ?\n\n### Reference answer\nR\n\n### Candidate answer\nC\n\nIs the "
            "candidate answer correct based on the question and reference answer? \nPlease only "
            "output a single \"Yes\" or \"No\". Do not output anything else.");
  EXPECT_EQ(bench::judge_reply_score(" 4 "), 4.0);
  EXPECT_EQ(bench::judge_reply_score("Rating: [[5]]"), 5.0);
  EXPECT_EQ(bench::judge_reply_score("good"), -1.0);
  EXPECT_TRUE(bench::judge_majority_yes({"Yes", "no", "YES"}));
  EXPECT_FALSE(bench::judge_majority_yes({"Yes", "No", "No"}));
  EXPECT_FALSE(bench::judge_majority_yes({"Maybe", "Yes", "Maybe"}));
  EXPECT_ALMKIT_ERROR(bench::find_judge_protocol("airbench"), ErrorCode::kInvalidArgument,
                      "voicebench-open");
}

// A finished run of two open items answered by a scripted server.
std::string make_open_run(const std::string& dir) {
  test::write_tone(dir + "/a.wav", 1.0);
  test::write_tone(dir + "/b.wav", 1.0);
  test::write_file(
      dir + "/items.jsonl",
      json({{"id", "x"},
            {"audio", "a.wav"},
            {"question", "Capital of France?"},
            {"answer", "Paris"}})
              .dump() +
          "\n" +
          json({{"id", "y"}, {"audio", "b.wav"}, {"question", "Two plus two?"}, {"answer", "four"}})
              .dump() +
          "\n");
  test::MockOpenAiServer model([](const json& request, int) {
    return test::MockReply{test::Fault::kNone,
                           request.dump().find("France") != std::string::npos ? "Paris" : "five"};
  });
  auto options = test::runner_options(dir + "/run", 0);
  options.model_dir.clear();
  options.backend = "openai";
  options.endpoints = {model.url()};
  options.served_model = "mock-audio-llm";
  options.bench = "jsonl";
  options.data_path = dir + "/items.jsonl";
  bench::run_eval(options);
  return dir + "/run";
}

TEST(Judge, ScriptedJudgeRepliesGiveVoicebenchFiguresAndAreCached) {
  const std::string dir = test::temp_dir();
  const std::string run = make_open_run(dir);
  std::mutex mutex;
  std::vector<json> requests;
  test::MockOpenAiServer judge(
      [&](const json& request, int) {
        const std::lock_guard<std::mutex> lock(mutex);
        requests.push_back(request);
        const std::string text = request.dump();
        const bool about_x = text.find("France") != std::string::npos;
        if (text.find("rate the model") != std::string::npos)  // open: scores 4, 5, [[3]] / 2, 2, 2
          return test::MockReply{
              test::Fault::kNone,
              about_x
                  ? std::vector<std::string>{"4", "5", "[[3]]"}[request["seed"].get<int64_t>() % 3]
                  : "2"};
        // qa: x judged right, y wrong, by every sample
        return test::MockReply{test::Fault::kNone, about_x ? "Yes" : "No"};
      },
      "", "judge-model");
  bench::JudgeOptions options;
  options.run_dir = run;
  options.protocol = "voicebench-qa";
  options.endpoints = {judge.url()};
  options.served_model = "judge-model";
  const auto outcome = bench::judge_run(options);
  EXPECT_EQ(outcome.answers, 2);
  EXPECT_EQ(outcome.calls, 6);
  const json summary = json::parse(outcome.summary_json);
  EXPECT_EQ(summary["judged_accuracy"], 0.5);
  EXPECT_EQ(summary["rule_accuracy"], 0.5);  // "Paris" matches, "five" does not
  EXPECT_EQ(summary["disagreement_rate"], 0.0);
  EXPECT_EQ(summary["judge"]["temperature"], 0.5);
  ASSERT_EQ(requests.size(), 6u);
  const std::string first = requests[0].dump();
  EXPECT_NE(first.find("You are a helpful assistant who tries to help answer the user's question."),
            std::string::npos);
  EXPECT_EQ(requests[0]["max_tokens"], 1024);
  EXPECT_EQ(requests[0]["top_p"], 0.95);
  const auto lines = test::read_results(run, "judge-voicebench-qa.jsonl");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["replies"].size(), 3u);

  // Resumed: every call is in the judge cache.
  const auto again = bench::judge_run(options);
  EXPECT_EQ(again.reused, 6);
  EXPECT_EQ(requests.size(), 6u);

  options.protocol = "voicebench-open";
  const json open = json::parse(bench::judge_run(options).summary_json);
  EXPECT_EQ(open["judged"], 2);
  EXPECT_EQ(open["unparsed_replies"], 0);
  EXPECT_TRUE(test::file_exists(run + "/judge-voicebench-open.md"));
  // x: its three seeds pick among 4, 5, 3; y: 2, 2, 2.
  const auto open_lines = test::read_results(run, "judge-voicebench-open.jsonl");
  double sum = 0;
  for (const auto& line : open_lines)
    for (const auto& score : line["scores"]) sum += score.get<double>();
  EXPECT_DOUBLE_EQ(open["mean_score"].get<double>(), sum / 6.0);
}

TEST(Judge, AlmkitServeJudgesARun) {
  const std::string dir = test::temp_dir();
  const std::string run = make_open_run(dir);
  const auto server = test::start_small_server();
  bench::JudgeOptions options;
  options.run_dir = run;
  options.protocol = "binary";
  options.endpoints = {"http://127.0.0.1:" + std::to_string(server->port())};
  options.served_model = "almkit-small";
  options.max_tokens = 4;
  const auto outcome = bench::judge_run(options);
  EXPECT_EQ(outcome.calls, 2);
  EXPECT_EQ(outcome.failed, 0);
  const json summary = json::parse(outcome.summary_json);
  EXPECT_EQ(summary["judged"], 2);
  EXPECT_TRUE(summary.contains("disagreement_rate"));
  for (const auto& line : test::read_results(run, "judge-binary.jsonl"))
    EXPECT_EQ(line["replies"].size(), 1u);
  EXPECT_EQ(bench::judge_run(options).reused, 2);
}

}  // namespace
}  // namespace almkit
