// The benchmark pack through `almkit eval` and `almkit judge`: VoiceBench, AIR-Bench (foundation
// and chat) and SAKURA runs answered by a scripted server give the official scripts' figures
// (tests/data/benchmarks/<name>/), their judges read scripted replies by the official rules, and
// `almkit serve` judges a run end to end (cached and resumed); judged figures reach the reports.
#include <gtest/gtest.h>

#include <map>
#include <mutex>

#include "almkit/eval.h"
#include "bench/benchmarks/benchmark.h"
#include "remote/mock_openai_server.h"
#include "runner_fixture.h"
#include "scripted_server.h"
#include "through_server.h"

namespace almkit {
namespace {

using json = nlohmann::json;

std::string pack_dir(const std::string& name) {
  return test::test_data_dir() + "/benchmarks/" + name + "/";
}

using test::request_text;
using test::scripted_options;

TEST(BenchmarkPackEval, AirBenchFoundationRunPrintsScoreFoundationPysFigures) {
  const std::string dir = test::temp_dir();
  // The example items with their clips; each question names its id for the scripted model.
  std::map<std::string, std::string> replies;
  for (const auto& line :
       test::read_results(pack_dir("air-bench"), "Foundation_result_modelx.jsonl"))
    replies[std::to_string(line["uniq_id"].get<int>())] = line["response"];
  json meta = test::read_json(pack_dir("air-bench") + "Foundation_meta.json");
  for (auto& item : meta) {
    std::string clip = item["task_name"].get<std::string>() + "_" +
                       item["dataset_name"].get<std::string>() + "/" +
                       item["path"].get<std::string>();
    if (item["task_name"] == "Audio_Grounding") clip = clip.substr(0, clip.size() - 3) + "flac";
    std::filesystem::create_directories(std::filesystem::path(dir + "/" + clip).parent_path());
    test::write_tone(dir + "/" + clip, 0.5);
    item["question"] = item["question"].get<std::string>() + " (item " +
                       std::to_string(item["uniq_id"].get<int>()) + ")";
  }
  test::write_file(dir + "/Foundation_meta.json", meta.dump());
  std::mutex mutex;
  std::vector<std::string> prompts;
  test::MockOpenAiServer model([&](const json& request, int) {
    const std::string text = request_text(request);
    const std::lock_guard<std::mutex> lock(mutex);
    prompts.push_back(text);
    for (const auto& [id, reply] : replies)
      if (text.find("(item " + id + ")") != std::string::npos)
        return test::MockReply{test::Fault::kNone, reply};
    return test::MockReply{test::Fault::kNone, "?"};
  });
  auto options = scripted_options(model, "air-bench", dir + "/Foundation_meta.json", dir + "/run");
  options.silent_baseline = false;
  bench::run_eval(options);
  const json summary = test::read_json(dir + "/run/summary.json");
  const json expected = test::read_json(pack_dir("air-bench") + "air_bench_expected.json");
  EXPECT_EQ(summary["official"]["air_bench_foundation"]["printout"],
            expected["foundation_printout"]);
  // Inference_Foundation.py's prompt, a missing choice printed as None.
  bool two_choice_prompt = false;
  for (const auto& text : prompts)
    two_choice_prompt =
        two_choice_prompt || text.find(
                                 "Choose the most suitable answer from options A, B, C, and D to "
                                 "respond the question in next line, you may only choose A or B "
                                 "or C or D.\nWhat is the gender of the speaker? (item 101)\nA. "
                                 "male\nB. female\nC. None\nD. None") != std::string::npos;
  EXPECT_TRUE(two_choice_prompt);
  EXPECT_NE(test::read_file(dir + "/run/report.md").find("score_foundation.py"), std::string::npos);
}

// A SAKURA run of the example track (tones as clips), answered by a scripted model.
std::string make_sakura_run(const std::string& dir, int limit = 0) {
  std::filesystem::create_directories(dir + "/Animal/audio");
  for (const char* clip : {"cow3.wav", "frog11.wav"})
    test::write_tone(dir + "/Animal/audio/" + clip, 0.5);
  test::write_file(dir + "/Animal/metadata.json",
                   test::read_file(pack_dir("sakura") + "Animal/metadata.json"));
  test::MockOpenAiServer model([](const json& request, int) {
    const std::string text = request_text(request);
    // single-hop: the cow is named (right), the frog question gets two animals (wrong);
    // multi-hop: "(a) Grass" (right), "In a nest in a tree" (wrong).
    const char* reply = text.find("horse") != std::string::npos        ? "It is a cow."
                        : text.find("sheep") != std::string::npos      ? "A frog or a dog."
                        : text.find("mainly eat") != std::string::npos ? "(a) Grass"
                                                                       : "In a nest in a tree.";
    return test::MockReply{test::Fault::kNone, reply};
  });
  auto options = scripted_options(model, "sakura", dir + "/Animal/metadata.json", dir + "/run");
  options.silent_baseline = false;
  options.limit = limit;
  bench::run_eval(options);
  return dir + "/run";
}

TEST(BenchmarkPackEval, SakuraRunWritesItsLayoutAndIsJudgedByTheOfficialRule) {
  const std::string dir = test::temp_dir();
  const std::string run = make_sakura_run(dir);
  const json summary = test::read_json(run + "/summary.json");
  EXPECT_EQ(summary["accuracy"]["correct"], 2);  // almkit's rule: cow and (a) Grass
  const json single = test::read_json(run + "/sakura-Animal-single.json");
  EXPECT_EQ(single["attribute"], "animal");
  EXPECT_EQ(single["type"], "single");
  const json& cow = single["results"]["data/Animal/audio/cow3.wav"];
  EXPECT_EQ(cow["response"], "It is a cow.");
  EXPECT_EQ(cow["label"], "(b) cow");
  EXPECT_EQ(
      cow["instruction"],
      "Which animal is making the sound in this recording? (a) horse (b) cow (c) duck (d) cat");

  std::mutex mutex;
  std::vector<json> requests;
  test::MockOpenAiServer judge(
      [&](const json& request, int) {
        const std::lock_guard<std::mutex> lock(mutex);
        requests.push_back(request);
        const std::string text = request_text(request);
        // The judge calls the frog answer correct: one disagreement with almkit's rule.
        const bool right = text.find("It is a cow.") != std::string::npos ||
                           text.find("Model generated response: (a) Grass") != std::string::npos ||
                           text.find("A frog or a dog.") != std::string::npos;
        return test::MockReply{
            test::Fault::kNone,
            std::string("Explanation: scripted\nJudgement: ") + (right ? "correct" : "incorrect")};
      },
      "", "judge-model");
  const bench::JudgeOptions options = test::scripted_judge(judge, run, "sakura");
  const json figures = json::parse(bench::judge_run(options).summary_json);
  EXPECT_EQ(figures["judged"], 4);
  EXPECT_EQ(figures["judged_accuracy"], 0.75);
  EXPECT_EQ(figures["rule_accuracy"], 0.5);
  EXPECT_EQ(figures["disagreement_rate"], 0.25);
  ASSERT_EQ(requests.size(), 4u);
  EXPECT_EQ(requests[0]["temperature"], 0.0);
  EXPECT_EQ(requests[0]["top_p"], 0.9);
  EXPECT_EQ(requests[0]["messages"][0]["role"], "system");
  const auto lines = test::read_results(run, "judge-sakura.jsonl");
  EXPECT_EQ(lines[0]["Judgement"], "correct");
  // The run's summary and reports now carry the judged figures.
  EXPECT_EQ(test::read_json(run + "/summary.json")["judged"]["sakura"]["judged_accuracy"], 0.75);
  const std::string md = test::read_file(run + "/report.md");
  EXPECT_NE(md.find("## Judged scores"), std::string::npos);
  EXPECT_NE(md.find("| 4 | 50.0% | 75.0% | 25.0% |"), std::string::npos);
  EXPECT_NE(test::read_file(run + "/report.html").find("Judged scores"), std::string::npos);
}

TEST(BenchmarkPackEval, AirBenchChatJudgedByPairScoresAsCalScore) {
  const std::string dir = test::temp_dir();
  for (const char* clip :
       {"speech_QA_common_voice/speech_qa_0001.wav", "sound_QA_clotho/sound_qa_0002.wav"}) {
    std::filesystem::create_directories(std::filesystem::path(dir + "/" + clip).parent_path());
    test::write_tone(dir + "/" + clip, 0.5);
  }
  test::write_file(dir + "/Chat_meta.json",
                   test::read_file(pack_dir("air-bench") + "Chat_meta.json"));
  test::MockOpenAiServer model([](const json& request, int) {
    return test::MockReply{test::Fault::kNone,
                           request_text(request).find("animal") != std::string::npos
                               ? "A cat."
                               : "They want the bill."};
  });
  auto run_options =
      scripted_options(model, "air-bench-chat", dir + "/Chat_meta.json", dir + "/run");
  bench::run_eval(run_options);
  std::vector<std::string> prompts;
  std::map<std::string, double> temperatures;  // item id -> the temperature its call was sent at
  std::mutex mutex;
  test::MockOpenAiServer judge(
      [&](const json& request, int) {
        const std::string text = request_text(request);
        const std::lock_guard<std::mutex> lock(mutex);
        prompts.push_back(text);
        temperatures[text.find("A cat.") != std::string::npos ? "9002" : "9001"] =
            request["temperature"].get<double>();
        return test::MockReply{test::Fault::kNone,
                               text.find("A cat.") != std::string::npos ? "9 2" : "7 8"};
      },
      "", "judge-model");
  const bench::JudgeOptions options = test::scripted_judge(judge, dir + "/run", "air-bench-chat");
  const json figures = json::parse(bench::judge_run(options).summary_json);
  EXPECT_EQ(figures["model_mean_score"], 5.0);
  EXPECT_EQ(figures["reference_mean_score"], 8.0);
  EXPECT_EQ(figures["win_rate"], 0.5);
  ASSERT_EQ(prompts.size(), 2u);
  for (const auto& text : prompts) {
    if (text.find("A cat.") == std::string::npos) continue;
    EXPECT_NE(text.find("[Detailed Audio Description]\nA dog barks repeatedly while cars pass in "
                        "the background.\n[Question]\nWhich animal can be heard?\n[The Start of "
                        "Assistant 1s Answer]\nA dog is barking.\n[The End of Assistant 1s "
                        "Answer]\n[The Start of Assistant 2s Answer]\nA cat.\n"),
              std::string::npos);
  }
  // score_chat.py's random half at temperature 2.0: each line says which it was, as sent.
  for (const auto& line : test::read_results(dir + "/run", "judge-air-bench-chat.jsonl"))
    EXPECT_EQ(line["temperature"].get<double>(), temperatures[line["id"].get<std::string>()]);
  // The judge's lines are cal_score.py's input: scored by `almkit score --bench air-bench`.
  bench::JudgeOutcome again = bench::judge_run(options);
  EXPECT_EQ(again.reused, 2);
  nlohmann::ordered_json summary;
  std::vector<nlohmann::ordered_json> items;
  ASSERT_TRUE(bench::find_benchmark("air-bench")
                  .score_file(dir + "/run/judge-air-bench-chat.jsonl", 0, summary, items));
  EXPECT_EQ(summary["figures"]["groups"]["sound"]["llm_avg_score"], 2.0);
  EXPECT_EQ(summary["figures"]["groups"]["speech"]["win_rate"], 1.0);
}

TEST(BenchmarkPackEval, VoicebenchRunScoresEachSubsetByItsEvaluator) {
  const std::string dir = test::temp_dir();
  std::string rows;
  std::map<std::string, std::string> replies;
  size_t index = 0;
  for (const auto& line : test::read_results(pack_dir("voicebench"), "voicebench_outputs.jsonl")) {
    json row = line;
    row.erase("response");
    row["audio"] = "clip" + std::to_string(index) + ".wav";
    test::write_tone(dir + "/clip" + std::to_string(index) + ".wav", 0.3);
    replies[line["prompt"]] = line["response"];
    rows += row.dump() + "\n";
    ++index;
  }
  test::write_file(dir + "/voicebench.jsonl", rows);
  test::MockOpenAiServer model([&](const json& request, int) {
    const std::string text = request_text(request);
    for (const auto& [prompt, reply] : replies)
      if (text.find(prompt) != std::string::npos) return test::MockReply{test::Fault::kNone, reply};
    return test::MockReply{test::Fault::kNone, "?"};
  });
  auto options = scripted_options(model, "voicebench", dir + "/voicebench.jsonl", dir + "/run");
  options.modality = "text";  // the scripted model reads which row it is from the transcript
  options.seed = 7;
  bench::run_eval(options);
  const json summary = test::read_json(dir + "/run/summary.json");
  const json expected = test::read_json(pack_dir("voicebench") + "voicebench_expected.json");
  const json& official = summary["official"]["voicebench"]["subsets"];
  EXPECT_EQ(official["openbookqa"]["acc"], expected["subsets"]["openbookqa"]["7"]["acc"]);
  EXPECT_EQ(official["mmsu"]["fail"], expected["subsets"]["mmsu"]["7"]["fail"]);
  EXPECT_EQ(official["advbench"]["refusal_rate"], expected["subsets"]["advbench"]["refusal_rate"]);
  EXPECT_EQ(official["bbh"]["acc"], expected["subsets"]["bbh"]["7"]["acc"]);
  const auto records = test::read_results(dir + "/run");
  ASSERT_EQ(records.size(), 22u);
  EXPECT_EQ(records[0]["parsed"], "B");
  EXPECT_EQ(records[11]["parsed"], "unsafe");
  EXPECT_NE(test::read_file(dir + "/run/report.md").find("VoiceBench evaluators"),
            std::string::npos);
}

// The ifeval rows through a run: the figures are IFEvaluator's (ifeval_expected.json), the
// instructions read again from the run's data file; each record's `correct` is the strict rule.
TEST(BenchmarkPackEval, VoicebenchIfevalRunGivesIFEvaluatorsFigures) {
  const std::string dir = test::temp_dir();
  std::string rows;
  std::map<std::string, std::string> replies;
  size_t index = 0;
  for (const auto& line : test::read_results(pack_dir("voicebench"), "ifeval_rows.jsonl")) {
    json row = line;
    row.erase("response");
    row["audio"] = "clip" + std::to_string(index) + ".wav";
    test::write_tone(dir + "/clip" + std::to_string(index++) + ".wav", 0.1);
    replies[line["prompt"]] = line["response"];  // a repeated prompt: the later response
    rows += row.dump() + "\n";
  }
  test::write_file(dir + "/ifeval.jsonl", rows);
  test::MockOpenAiServer model([&](const json& request, int) {
    const std::string text = request_text(request);
    std::string best;  // "case 12" also contains "case 1": the longest prompt found
    for (const auto& [prompt, reply] : replies)
      if (text.find(prompt) != std::string::npos && prompt.size() > best.size()) best = prompt;
    return test::MockReply{test::Fault::kNone, best.empty() ? "?" : replies[best]};
  });
  auto options = scripted_options(model, "voicebench", dir + "/ifeval.jsonl", dir + "/run");
  options.modality = "text";
  bench::run_eval(options);
  const json summary = test::read_json(dir + "/run/summary.json");
  const json expected = test::read_json(pack_dir("voicebench") + "ifeval_expected.json");
  const json& figures = summary["official"]["voicebench"]["subsets"]["ifeval"];
  for (const char* key :
       {"strict-prompt", "strict-instruction", "loose-prompt", "loose-instruction", "final"})
    EXPECT_EQ(figures[key], expected["figures"][key]) << key;
  const auto records = test::read_results(dir + "/run");
  ASSERT_EQ(records.size(), expected["decisions"].size());
  EXPECT_EQ(records[0]["correct"], expected["decisions"][0]["strict"][0]);
  EXPECT_EQ(records[1]["parsed"], "strict 0/1");
  EXPECT_NE(test::read_file(dir + "/run/report.md").find("final 0."), std::string::npos);
}

TEST(BenchmarkPackEval, MmsuRunPrintsMmsuEvaluationPysFigures) {
  const std::string dir = test::temp_dir();
  std::string rows;
  std::map<std::string, std::string> replies;
  for (const auto& line : test::read_results(pack_dir("mmsu"), "mmsu_outputs.jsonl")) {
    json row = line;
    replies[line["question"]] = line["response"];
    row.erase("response");
    std::filesystem::create_directories(dir + "/audio");
    test::write_tone(dir + "/" + line["audio_path"].get<std::string>(), 0.3);
    rows += row.dump() + "\n";
  }
  test::write_file(dir + "/mmsu.jsonl", rows);
  std::mutex mutex;
  std::vector<std::string> prompts;
  test::MockOpenAiServer model([&](const json& request, int) {
    const std::string text = request_text(request);
    const std::lock_guard<std::mutex> lock(mutex);
    prompts.push_back(text);
    for (const auto& [question, reply] : replies)
      if (text.find(question) != std::string::npos)
        return test::MockReply{test::Fault::kNone, reply};
    return test::MockReply{test::Fault::kNone, "?"};
  });
  auto options = scripted_options(model, "mmsu", dir + "/mmsu.jsonl", dir + "/run");
  options.silent_baseline = false;
  bench::run_eval(options);
  const json summary = test::read_json(dir + "/run/summary.json");
  EXPECT_EQ(summary["official"]["mmsu"]["printout"],
            test::read_json(pack_dir("mmsu") + "mmsu_expected.json")["printout"]);
  bool four_choice_prompt = false;
  for (const auto& text : prompts)
    four_choice_prompt =
        four_choice_prompt || text.find(
                                  "Choose the most suitable answer from options A, B, C, and D. "
                                  "You must respond with only A, B, C, or D.\n\nQuestion: Which "
                                  "word carries the main stress in the sentence?\n\nA. I\nB. "
                                  "never\nC. said\nD. that") != std::string::npos;
  EXPECT_TRUE(four_choice_prompt);
}

TEST(BenchmarkPackEval, BigBenchAudioRunJudgedByTheReleasePostsEvaluator) {
  const std::string dir = test::temp_dir();
  std::filesystem::create_directories(dir + "/data");
  // The rows name .mp3 clips; here they are WAV tones of the same names with .wav.
  std::string rows;
  for (auto line : test::read_results(pack_dir("big-bench-audio"), "metadata.jsonl")) {
    std::string clip = line["file_name"];
    clip = clip.substr(0, clip.size() - 4) + ".wav";
    test::write_tone(dir + "/" + clip, 0.3);
    line["file_name"] = clip;
    rows += line.dump() + "\n";
  }
  test::write_file(dir + "/metadata.jsonl", rows);
  // Answers by row: invalid (right), "No" (wrong), "seven" (right, spelled), "No" (right).
  test::MockOpenAiServer model([](const json& request, int) {
    const std::string text = request_text(request);
    const char* reply = text.find("Ann is a cousin") != std::string::npos
                            ? "The argument is invalid."
                        : text.find("Turn right") != std::string::npos ? "No"
                        : text.find("apples") != std::string::npos     ? "seven"
                                                                       : "No";
    return test::MockReply{test::Fault::kNone, reply};
  });
  auto options = scripted_options(model, "big-bench-audio", dir + "/metadata.jsonl", dir + "/run");
  options.modality = "text";  // the scripted model reads the transcript
  bench::run_eval(options);
  std::vector<std::string> prompts;
  std::mutex mutex;
  test::MockOpenAiServer judge(
      [&](const json& request, int) {
        const std::string text = request_text(request);
        const std::lock_guard<std::mutex> lock(mutex);
        prompts.push_back(text);
        const bool wrong = text.find("CANDIDATE ANSWER TO ASSESS\n\nNo\n") != std::string::npos &&
                           text.find("OFFICIAL ANSWER:Yes") != std::string::npos;
        return test::MockReply{test::Fault::kNone, wrong ? "INCORRECT" : " Correct\n"};
      },
      "", "judge-model");
  const bench::JudgeOptions judge_options = test::scripted_judge(judge, dir + "/run", "big-bench-audio");
  const json figures = json::parse(bench::judge_run(judge_options).summary_json);
  // The rule (CORRECT / INCORRECT, stripped, any case) by hand: 3 of 4 correct; almkit's exact
  // match rule gets only "No" = "No" (web_of_lies) right.
  EXPECT_EQ(figures["judged_accuracy"], 0.75);
  EXPECT_EQ(figures["rule_accuracy"], 0.25);
  EXPECT_EQ(figures["disagreement_rate"], 0.5);
  bool found = false;
  for (const auto& text : prompts)
    found = found || text.find(
                         "Autry or Audrie.\n  \nThe question, for reference only: START "
                         "QUESTION I have two apples, three pears and two plums. How many "
                         "fruits do I have? \n\nEND QUESTION\n\nThe OFFICIAL ANSWER:7\n\n"
                         "BEGIN CANDIDATE ANSWER TO ASSESS\n\nseven\n\nEND CANDIDATE ANSWER "
                         "TO ASSESS\n\nReply only with CORRECT or INCORRECT.") != std::string::npos;
  EXPECT_TRUE(found);
}

TEST(BenchmarkPackEval, AlmkitServeJudgesASakuraRun) {
  const std::string dir = test::temp_dir();
  const std::string run = make_sakura_run(dir, 2);  // one clip: its single- and multi-hop items
  const auto server = test::start_small_server();
  bench::JudgeOptions options;
  options.run_dir = run;
  options.protocol = "sakura";
  options.endpoints = {"http://127.0.0.1:" + std::to_string(server->port())};
  options.served_model = "almkit-small";
  options.max_tokens = 3;
  const auto outcome = bench::judge_run(options);
  EXPECT_EQ(outcome.calls, 2);
  EXPECT_EQ(outcome.failed, 0);
  const json figures = json::parse(outcome.summary_json);
  EXPECT_EQ(figures["judged"], 2);
  // A random-weights judge writes no "Explanation: ...\nJudgement: ..." reply: all unparsed.
  EXPECT_EQ(figures["answers_with_unparsed_replies"], 2);
  EXPECT_EQ(figures["judged_accuracy"], 0.0);
  EXPECT_EQ(bench::judge_run(options).reused, 2);
}

}  // namespace
}  // namespace almkit
