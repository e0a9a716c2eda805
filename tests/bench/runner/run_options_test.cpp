// Run options (docs/eval.md "Run options"): --repeats, --system-prompt, --modality text,
// several reference answers, --long-audio windows|truncate|refuse (local and remote).
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "almkit/bench_scoring.h"
#include "almkit/eval.h"
#include "remote/mock_openai_server.h"
#include "runner_fixture.h"

namespace almkit {
namespace {

using json = nlohmann::json;

TEST(EvalRunOptions, RepeatsRecordTheirSeedsAndSummarise) {
  const std::string dir = test::temp_dir();
  auto options = test::runner_options(dir + "/run", 3);
  options.temperature = 1.0;
  options.repeats = 3;
  options.silent_baseline = false;
  const auto outcome = bench::run_eval(options);
  EXPECT_EQ(outcome.units, 9);
  const auto records = test::read_results(dir + "/run");
  ASSERT_EQ(records.size(), 9u);
  std::map<std::string, std::vector<json>> by_item;
  for (const auto& record : records) by_item[record["id"]].push_back(record);
  int64_t consistent = 0, voted = 0;
  std::vector<int64_t> correct(3, 0);
  for (const auto& [id, answers] : by_item) {
    ASSERT_EQ(answers.size(), 3u);
    std::set<uint64_t> seeds;
    std::map<int, int> votes;
    for (const auto& answer : answers) {
      const int repeat = answer.value("repeat", 0);
      seeds.insert(answer["seed"].get<uint64_t>());
      correct[size_t(repeat)] += answer["correct"].get<bool>();
      ++votes[answer["chosen_choice"].get<int>()];
    }
    EXPECT_EQ(seeds.size(), 3u) << id;  // each repeat samples with its own seed
    consistent += votes.size() == 1;
    // Majority vote (ties: the first repeat's answer among the most frequent).
    int best_count = 0;
    for (const auto& [choice, count] : votes) best_count = std::max(best_count, count);
    for (const auto& answer : answers) {
      if (votes[answer["chosen_choice"].get<int>()] != best_count) continue;
      voted += answer["chosen_choice"].get<int>() >= 0 && answer["correct"].get<bool>();
      break;
    }
  }
  const json summary = json::parse(outcome.summary_json);
  const json& repeats = summary["repeats"];
  EXPECT_EQ(repeats["k"], 3);
  EXPECT_EQ(repeats["items"], 3);
  EXPECT_EQ(repeats["seeds"].size(), 3u);
  double mean = 0;
  for (int r = 0; r < 3; ++r) {
    EXPECT_EQ(repeats["per_repeat"][r]["correct"], correct[size_t(r)]);
    mean += double(correct[size_t(r)]) / 3.0 / 3.0;
  }
  EXPECT_NEAR(repeats["mean"].get<double>(), mean, 1e-12);
  EXPECT_EQ(repeats["majority_vote"]["correct"], voted);
  EXPECT_NEAR(repeats["consistency"].get<double>(), double(consistent) / 3.0, 1e-12);
  EXPECT_EQ(summary["items"], 3);  // the headline is repeat 0's
  EXPECT_EQ(summary["accuracy"]["correct"], correct[0]);
  EXPECT_EQ(test::read_json(dir + "/run/run.json")["repeats"], 3);

  // Repeat 0 is the plain run's unit: a run without --repeats finds all of it in the cache.
  options.repeats = 1;
  EXPECT_EQ(bench::run_eval(options).reused, 3);
  options.temperature = 0.0;
  options.repeats = 2;
  EXPECT_ALMKIT_ERROR(bench::run_eval(options), ErrorCode::kInvalidArgument, "--temperature");
}

TEST(EvalRunOptions, SystemPromptOpensEveryPrompt) {
  const std::string dir = test::temp_dir();
  auto options = test::runner_options(dir + "/run", 2);
  options.system_prompt = "You are a careful listener.";
  bench::run_eval(options);
  for (const auto& record : test::read_results(dir + "/run")) {
    const std::string prompt = record["prompt"];
    const size_t system = prompt.find("You are a careful listener.");
    ASSERT_NE(system, std::string::npos);
    EXPECT_LT(system, prompt.find("audio"));
  }
  EXPECT_EQ(test::read_json(dir + "/run/run.json")["system_prompt"], "You are a careful listener.");
}

// A scripted server that records what it was sent.
struct RecordingServer {
  std::mutex mutex;
  std::vector<json> requests;
  test::MockOpenAiServer server{[this](const json& request, int) {
    const std::lock_guard<std::mutex> lock(mutex);
    requests.push_back(request);
    return test::MockReply{test::Fault::kNone, "A"};
  }};
};

bench::EvalOptions served(const RecordingServer& recording, bench::EvalOptions options) {
  options.model_dir.clear();
  options.backend = "openai";
  options.endpoints = {recording.server.url()};
  options.served_model = "mock-audio-llm";
  return options;
}

// Audio parts of a request: the decoded seconds of each input_audio WAV (16-bit mono).
std::vector<double> sent_clip_seconds(const json& request) {
  std::vector<double> seconds;
  for (const auto& message : request["messages"]) {
    if (!message["content"].is_array()) continue;
    for (const auto& part : message["content"]) {
      if (part.value("type", "") != "input_audio") continue;
      const std::string data = part["input_audio"]["data"];
      const size_t padding =
          data.size() >= 2 ? (data[data.size() - 1] == '=') + (data[data.size() - 2] == '=') : 0;
      const size_t wav_bytes = data.size() / 4 * 3 - padding;
      seconds.push_back(double(wav_bytes - 44) / 2.0 / 16000.0);
    }
  }
  return seconds;
}

TEST(EvalRunOptions, TextModalityAsksTheTranscriptInsteadOfTheAudio) {
  const std::string dir = test::temp_dir();
  test::write_tone(dir + "/a.wav", 1.0);
  test::write_tone(dir + "/b.wav", 1.0);
  test::write_file(dir + "/items.jsonl", json({{"id", "with"},
                                               {"audio", "a.wav"},
                                               {"question", "What is said?"},
                                               {"choices", {"hello", "goodbye"}},
                                               {"answer", "hello"},
                                               {"transcript", "hello there"}})
                                                 .dump() +
                                             "\n" +
                                             json({{"id", "without"},
                                                   {"audio", "b.wav"},
                                                   {"question", "What is heard?"},
                                                   {"choices", {"tone", "noise"}},
                                                   {"answer", "tone"}})
                                                 .dump() +
                                             "\n");
  RecordingServer recording;
  auto options = served(recording, test::runner_options(dir + "/run", 0));
  options.bench = "jsonl";
  options.data_path = dir + "/items.jsonl";
  options.modality = "text";
  bench::run_eval(options);
  const auto records = test::read_results(dir + "/run");
  ASSERT_EQ(records.size(), 3u);  // the text item has no silent twin
  EXPECT_EQ(records[0]["variant"], "text");
  EXPECT_EQ(records[1]["variant"], "audio");
  EXPECT_EQ(records[2]["variant"], "silence");
  int with_transcript = 0;
  for (const auto& request : recording.requests) {
    const std::string text = request.dump();
    if (text.find("hello there") == std::string::npos) continue;
    ++with_transcript;
    EXPECT_TRUE(sent_clip_seconds(request).empty());
    EXPECT_NE(text.find("Transcript of the audio: hello there"), std::string::npos);
  }
  EXPECT_EQ(with_transcript, 1);
  EXPECT_EQ(test::read_json(dir + "/run/run.json")["modality"], "text");
}

TEST(EvalRunOptions, OpenItemsTakeSeveralReferenceAnswers) {
  const std::string dir = test::temp_dir();
  test::write_tone(dir + "/a.wav", 1.0);
  test::write_file(dir + "/items.jsonl", json({{"id", "open"},
                                               {"audio", "a.wav"},
                                               {"question", "Say a letter."},
                                               {"answer", {"B", "A"}}})
                                                 .dump() +
                                             "\n");
  RecordingServer recording;  // answers "A": the second reference
  auto options = served(recording, test::runner_options(dir + "/run", 0));
  options.bench = "jsonl";
  options.data_path = dir + "/items.jsonl";
  bench::run_eval(options);
  const auto records = test::read_results(dir + "/run");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0]["answer"], "B");
  EXPECT_EQ(records[0]["references"], json({"B", "A"}));
  EXPECT_TRUE(records[0]["correct"]);
}

TEST(EvalRunOptions, LongAudioPolicyLocallyAndThroughAServer) {
  const std::string dir = test::temp_dir();
  test::write_tone(dir + "/long.wav", 5.0);
  test::write_file(dir + "/items.jsonl", json({{"id", "long"},
                                               {"audio", "long.wav"},
                                               {"question", "Which?"},
                                               {"choices", {"x", "y"}},
                                               {"answer", "x"}})
                                                 .dump() +
                                             "\n");
  auto local = test::runner_options(dir + "/local", 0);
  local.bench = "jsonl";
  local.data_path = dir + "/items.jsonl";
  local.silent_baseline = false;
  local.max_audio_seconds = 2.0;
  std::map<std::string, json> first;
  for (const char* policy : {"windows", "truncate", "refuse"}) {
    SCOPED_TRACE(policy);
    local.long_audio = policy;
    const auto outcome = bench::run_eval(local);
    EXPECT_EQ(outcome.reused, 0);  // the policy is in the cache key
    first[policy] = test::read_results(dir + "/local")[0];
    EXPECT_EQ(test::read_json(dir + "/local/run.json")["long_audio"]["policy"], policy);
  }
  EXPECT_EQ(first["windows"]["audio_windows"], 3);  // ceil(5 / 2)
  EXPECT_EQ(first["truncate"]["audio_windows"], 1);
  EXPECT_NE(first["refuse"]["error"].get<std::string>().find("--long-audio refuse"),
            std::string::npos);
  EXPECT_EQ(first["refuse"]["error_kind"], "refused");

  RecordingServer recording;
  auto remote = served(recording, local);
  remote.out_dir = dir + "/remote";
  remote.long_audio = "windows";
  bench::run_eval(remote);
  ASSERT_EQ(recording.requests.size(), 1u);
  const auto windows = sent_clip_seconds(recording.requests[0]);
  ASSERT_EQ(windows.size(), 3u);
  EXPECT_NEAR(windows[0] + windows[1] + windows[2], 5.0, 1e-3);
  remote.long_audio = "truncate";
  bench::run_eval(remote);
  ASSERT_EQ(recording.requests.size(), 2u);
  EXPECT_EQ(sent_clip_seconds(recording.requests[1]), std::vector<double>({2.0}));
  remote.long_audio = "refuse";
  const auto refused = bench::run_eval(remote);
  EXPECT_EQ(refused.failed, 1);
  EXPECT_EQ(recording.requests.size(), 2u);  // refused before any request
  remote.long_audio.clear();                 // the server's own handling: the whole clip
  bench::run_eval(remote);
  ASSERT_EQ(recording.requests.size(), 3u);
  EXPECT_EQ(sent_clip_seconds(recording.requests[2]), std::vector<double>({5.0}));
}

}  // namespace
}  // namespace almkit
