// JSONL items with `messages` (a chat history with clips in several turns): loaded with their clips
// in order, sent to a server as the whole chat (each clip an input_audio part where its turn has
// it), rendered by the local model's chat template, and refused with a clear error when malformed.
#include <gtest/gtest.h>

#include <mutex>

#include "almkit/bench.h"
#include "almkit/eval.h"
#include "remote/mock_openai_server.h"
#include "runner_fixture.h"

namespace almkit {
namespace {

using json = nlohmann::json;

// Two items: t1 with a two-turn history (clip a, then the assistant's reply) before its own clip b;
// t2 with its only clip in the history.
std::string write_multi_turn_items(const std::string& dir) {
  test::write_tone(dir + "/a.wav", 0.25);
  test::write_tone(dir + "/b.wav", 0.5);
  const json t1 = {{"id", "t1"},
                   {"messages",
                    {{{"role", "user"},
                      {"content",
                       {{{"type", "audio"}, {"audio", "a.wav"}},
                        {{"type", "text"}, {"text", "Remember this."}}}}},
                     {{"role", "assistant"}, {"content", "Got it."}}}},
                   {"audio", "b.wav"},
                   {"question", "Is this the same melody?"},
                   {"choices", {"yes", "no"}},
                   {"answer", "no"}};
  const json t2 = {{"id", "t2"},
                   {"messages",
                    {{{"role", "system"}, {"content", "Be brief."}},
                     {{"role", "user"}, {"content", {{{"type", "audio"}, {"audio", "b.wav"}}}}},
                     {{"role", "assistant"}, {"content", "A tone."}}}},
                   {"question", "How long was it?"},
                   {"answer", "half a second"}};
  test::write_file(dir + "/items.jsonl", t1.dump() + "\n" + t2.dump() + "\n");
  return dir + "/items.jsonl";
}

TEST(MultiTurnItems, ServerGetsTheWholeChatWithEachClipInItsTurn) {
  const std::string dir = test::temp_dir();
  const std::string data = write_multi_turn_items(dir);
  std::mutex mutex;
  std::vector<json> requests;
  test::MockOpenAiServer model([&](const json& request, int) {
    const std::lock_guard<std::mutex> lock(mutex);
    requests.push_back(request);
    return test::MockReply{test::Fault::kNone, "B"};
  });
  bench::EvalOptions options;
  options.bench = "jsonl";
  options.data_path = data;
  options.out_dir = dir + "/run";
  options.backend = "openai";
  options.endpoints = {model.url()};
  options.served_model = "mock-audio-llm";
  options.silent_baseline = false;
  options.quiet = true;
  bench::run_eval(options);
  ASSERT_EQ(requests.size(), 2u);
  for (const auto& request : requests) {
    const auto& messages = request["messages"];
    if (messages.size() == 3) {  // t1: user (clip a + text), assistant, user (clip b + question)
      EXPECT_EQ(messages[0]["content"][0]["type"], "input_audio");
      EXPECT_EQ(messages[0]["content"][1]["text"], "Remember this.");
      EXPECT_EQ(messages[1]["role"], "assistant");
      EXPECT_EQ(messages[1]["content"], "Got it.");
      EXPECT_EQ(messages[2]["content"][0]["type"], "input_audio");
      // 0.25 s against 0.5 s of 16-bit audio: clip a is the shorter payload, in the first turn.
      EXPECT_LT(messages[0]["content"][0]["input_audio"]["data"].get<std::string>().size(),
                messages[2]["content"][0]["input_audio"]["data"].get<std::string>().size());
      EXPECT_NE(
          messages[2]["content"][1]["text"].get<std::string>().find("Is this the same melody?"),
          std::string::npos);
    } else {  // t2: system, user (clip b), assistant, user (question, no clip of its own)
      ASSERT_EQ(messages.size(), 4u);
      EXPECT_EQ(messages[0]["role"], "system");
      EXPECT_EQ(messages[1]["content"][0]["type"], "input_audio");
      EXPECT_EQ(messages[3]["content"].size(), 1u);
      EXPECT_EQ(messages[3]["content"][0]["text"].get<std::string>().rfind("How long was it?", 0),
                0u);
    }
  }
  const auto records = test::read_results(dir + "/run");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0]["audio"].size(), 2u);  // history clip first
  EXPECT_NE(records[0]["audio"][0].get<std::string>().find("a.wav"), std::string::npos);
  EXPECT_EQ(records[0]["correct"], true);  // "B" is "no"
}

TEST(MultiTurnItems, LocalChatTemplateRendersEveryTurn) {
  const std::string dir = test::temp_dir();
  auto options = test::runner_options(dir + "/run", 0);
  options.bench = "jsonl";
  options.data_path = write_multi_turn_items(dir);
  options.silent_baseline = false;
  bench::run_eval(options);
  const auto records = test::read_results(dir + "/run");
  ASSERT_EQ(records.size(), 2u);
  for (const auto& record : records) {
    ASSERT_FALSE(record.contains("error")) << record.dump();
    const std::string prompt = record["prompt"];
    if (record["id"] == "t1") {
      const size_t remember = prompt.find("Remember this."), reply = prompt.find("Got it."),
                   question = prompt.find("Is this the same melody?");
      EXPECT_LT(remember, reply);
      EXPECT_LT(reply, question);
      EXPECT_NE(question, std::string::npos);
      EXPECT_EQ(record["audio_windows"], 2);
    } else {
      EXPECT_NE(prompt.find("Be brief."), std::string::npos);
      EXPECT_NE(prompt.find("A tone."), std::string::npos);
      EXPECT_EQ(record["audio_windows"], 1);
    }
  }
}

TEST(MultiTurnItems, MalformedHistoryIsAnErrorNamingTheLineAndTurn) {
  const std::string dir = test::temp_dir();
  test::write_file(
      dir + "/items.jsonl",
      R"({"id": "x", "audio": "a.wav", "question": "Q?", "answer": "A", )"
      R"("messages": [{"role": "user", "content": "hi"}, {"role": "robot", "content": "x"}]})"
      "\n");
  bench::LoadOptions load;
  EXPECT_ALMKIT_ERROR(bench::load_jsonl(dir + "/items.jsonl", load), ErrorCode::kInvalidFormat,
                      "items.jsonl:1: field 'messages': turn 1 has role 'robot'");
  test::write_file(dir + "/items.jsonl",
                   R"({"id": "x", "question": "Q?", "answer": "A", "messages": )"
                   R"([{"role": "user", "content": [{"type": "image", "image": "p.png"}]}]})"
                   "\n");
  EXPECT_ALMKIT_ERROR(bench::load_jsonl(dir + "/items.jsonl", load), ErrorCode::kInvalidFormat,
                      "turn 0: a part should be");
}

}  // namespace
}  // namespace almkit
