// MMAU-Pro through `almkit eval` and the MMAU-family judges through `almkit judge`: a multi-audio
// item reaches the server as several input_audio parts, the prompt is NeMo-Skills' formatting,
// the run's official section leaves non-identical answers undecided and checks the
// instruction-following row; the option judge reads what
// can_infer can without a call, maps the rest from scripted replies and asks again (three times
// in all, then VLMEvalKit's random letter) when a reply is unreadable; MMAU-Pro's open judge
// scores the open item, and `almkit score` on the run's results reads that judge file.
#include <gtest/gtest.h>

#include <map>
#include <mutex>

#include "almkit/eval.h"
#include "bench/benchmarks/mmau_pro_scoring.h"
#include "remote/mock_openai_server.h"
#include "runner_fixture.h"
#include "scripted_server.h"

namespace almkit {
namespace {

using json = nlohmann::json;

using test::request_text;

int audio_parts(const json& request) {
  int parts = 0;
  for (const auto& message : request["messages"])
    if (message["content"].is_array())
      for (const auto& part : message["content"]) parts += part.value("type", "") == "input_audio";
  return parts;
}

TEST(MmauProEval, MultiAudioItemsAndTheMmauJudges) {
  const std::string dir = test::temp_dir();
  std::string rows;
  std::map<std::string, std::string> outputs;  // question -> the row's model_output
  for (const auto& row : test::read_results(test::test_data_dir() + "/benchmarks/mmau-pro",
                                            "mmau_pro_outputs.jsonl")) {
    const std::string id = row["id"];
    if (id != "mp-001" && id != "mp-002" && id != "mp-004" && id != "mp-009" && id != "mp-010")
      continue;
    for (const auto& clip : row["audio_path"]) {
      std::filesystem::create_directories(dir + "/data");
      test::write_tone(dir + "/" + clip.get<std::string>(), 0.5);
    }
    outputs[row["question"]] = row["model_output"];
    rows += row.dump() + "\n";
  }
  test::write_file(dir + "/test.jsonl", rows);
  std::mutex mutex;
  std::map<std::string, json> requests;  // by question
  test::MockOpenAiServer model([&](const json& request, int) {
    const std::string text = request_text(request);
    const std::lock_guard<std::mutex> lock(mutex);
    for (const auto& [question, output] : outputs)
      if (text.rfind(question, 0) == 0) {
        requests[question] = request;
        return test::MockReply{test::Fault::kNone, output};
      }
    return test::MockReply{test::Fault::kNone, "?"};
  });
  auto options = test::scripted_options(model, "mmau-pro", dir + "/test.jsonl", dir + "/run");
  options.silent_baseline = false;
  bench::run_eval(options);

  const json& louder = requests.at("Which clip is louder?");
  EXPECT_EQ(audio_parts(louder), 2);
  EXPECT_EQ(request_text(louder), "Which clip is louder?\n\nA. the first clip\nB. the second clip");
  EXPECT_EQ(request_text(requests.at("Describe the scene in the audio.")),
            "Describe the scene in the audio.");
  const json summary = test::read_json(dir + "/run/summary.json");
  const json& official = summary["official"]["mmau_pro"];
  EXPECT_EQ(official["closed"]["count"], 3);
  EXPECT_EQ(official["closed"]["correct"], 1);  // "Piano" is the option's text
  EXPECT_EQ(official["closed"]["undecided"], 2);
  EXPECT_EQ(official["category_results"]["open"]["count"], 1);
  // The instruction-following row ("PARIS" in all capitals) by its checker, in the run too.
  EXPECT_EQ(official["category_results"]["instruction following"]["followed"], 1);
  for (const auto& record : test::read_results(dir + "/run")) {
    if (record["id"] == "mp-010") {
      EXPECT_EQ(record["correct"], true);
    }
  }

  // The option judge: "Piano" is read by can_infer (no call); the two free answers are judged.
  std::vector<std::string> judged;
  test::MockOpenAiServer judge(
      [&](const json& request, int) {
        const std::string text = request_text(request);
        const std::lock_guard<std::mutex> lock(mutex);
        judged.push_back(text);
        if (text.find("Your output: ") != std::string::npos)  // mp-004's replies are unreadable
          return test::MockReply{test::Fault::kNone,
                                 text.find("dog barking") != std::string::npos ? "A" : "Hmm."};
        return test::MockReply{test::Fault::kNone,
                               "CORRECTNESS: 4 - good\nRELEVANCE: 5\nCOMPLETENESS: 3\nCLARITY: "
                               "5\nOVERALL: 4.25 - fine"};
      },
      "", "judge-model");
  bench::JudgeOptions judging = test::scripted_judge(judge, dir + "/run", "mmau");
  const auto outcome = bench::judge_run(judging);
  EXPECT_EQ(outcome.answers, 3);
  EXPECT_EQ(outcome.calls, 4);  // mp-002 once; mp-004 three times (VLMEvalKit's retries)
  ASSERT_EQ(judged.size(), 4u);
  EXPECT_NE(judged[0].find("Options: There are several options: \nA. "), std::string::npos);
  const json verdict = json::parse(outcome.summary_json);
  EXPECT_EQ(verdict["prefetched_answers"], 1);
  EXPECT_EQ(verdict["random_rule_answers"], 1);
  EXPECT_DOUBLE_EQ(verdict["judged_accuracy_deterministic"].get<double>(), 2.0 / 3.0);
  for (const auto& line : test::read_results(dir + "/run", "judge-mmau.jsonl")) {
    if (line["id"] != "mp-004") continue;
    EXPECT_EQ(line["replies"].size(), 3u);
    EXPECT_EQ(line["random_rule"], true);  // rd.choice(['A', 'B', 'Z']), from the judge seed
    EXPECT_EQ(line["judged_correct"], line["option"] == "B");
    EXPECT_DOUBLE_EQ(verdict["judged_accuracy"].get<double>(),
                     line["option"] == "B" ? 1.0 : 2.0 / 3.0);
  }
  EXPECT_EQ(bench::judge_run(judging).reused, 4);

  judging.protocol = "mmau-pro-open";
  const json open = json::parse(bench::judge_run(judging).summary_json);
  EXPECT_EQ(open["judged"], 1);
  EXPECT_DOUBLE_EQ(open["mean_overall"].get<double>(), 4.25);
  EXPECT_DOUBLE_EQ(open["performance"].get<double>(), 0.85);
  EXPECT_EQ(judged.size(), 5u);
  EXPECT_NE(judged[4].find("You are an expert evaluator for general open-ended"),
            std::string::npos);

  // `almkit score --bench mmau-pro --input RUNDIR/results.jsonl` reads the judge file beside it.
  nlohmann::ordered_json rescored;
  std::vector<nlohmann::ordered_json> lines;
  bench::score_mmau_pro_file(dir + "/run/results.jsonl", "", nullptr, rescored, lines);
  EXPECT_DOUBLE_EQ(rescored["category_results"]["open"]["avg_overall"].get<double>(), 4.25);
  EXPECT_EQ(rescored["closed"]["undecided"], 2);
  EXPECT_TRUE(rescored["overall_weighted_performance"].is_null());
}

}  // namespace
}  // namespace almkit
