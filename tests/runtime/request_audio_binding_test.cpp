// Each request's audio placeholders are bound to its own clips: in a batch, a request without
// audio next to one with audio works, and a request whose placeholders do not fit its clips is
// refused alone, without failing or changing its neighbours (Model::generate_batch and serve).
#include <gtest/gtest.h>

#include <thread>

#include "serve/serve_fixture.h"

namespace almkit::test {
namespace {

using nlohmann::json;

AudioBuffer tone(double seconds, double hz) {
  AudioBuffer audio{16000, 1, {}};
  for (int i = 0; i < seconds * 16000; ++i) audio.samples.push_back(0.3f * std::sin(2 * M_PI * hz * i / 16000));
  return audio;
}

Request chat(const Model& model, int clips, const std::string& text, std::vector<AudioBuffer> audio) {
  json content = json::array();
  for (int i = 0; i < clips; ++i) content.push_back({{"type", "audio"}});
  content.push_back({{"type", "text"}, {"text", text}});
  Request request;
  request.prompt = model.chat_prompt(json::array({{{"role", "user"}, {"content", content}}}).dump(), true);
  request.audio = std::move(audio);
  return request;
}

TEST(RequestAudioBinding, EachRowTakesOnlyItsOwnClips) {
  const Model& model = *serve_world().qwen;
  GenerateOptions options;
  options.max_new_tokens = 5;
  const std::vector<Request> requests = {
      chat(model, 1, "What do you hear?", {tone(1.0, 440)}),
      chat(model, 0, "Count to three.", {}),                          // no audio at all
      chat(model, 1, "A placeholder without its clip.", {}),          // refused
      chat(model, 2, "Two clips.", {tone(0.5, 660), tone(2.0, 220)}),
      chat(model, 1, "One placeholder, two clips.", {tone(1.0, 330), tone(1.0, 550)}),  // refused
  };
  const auto batch = model.generate_batch(requests, options);
  ASSERT_EQ(batch.size(), requests.size());
  for (size_t r : {0u, 1u, 3u}) {
    ASSERT_FALSE(batch[r].error.has_value()) << r << ": " << batch[r].error->what();
    EXPECT_EQ(batch[r].tokens, model.generate(requests[r], options).tokens) << "request " << r;
  }
  for (size_t r : {2u, 4u}) {
    ASSERT_TRUE(batch[r].error.has_value()) << r;
    EXPECT_EQ(batch[r].error->code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(batch[r].error->what()).find("request " + std::to_string(r)), std::string::npos)
        << batch[r].error->what();
    EXPECT_NE(std::string(batch[r].error->what()).find("placeholder"), std::string::npos);
    EXPECT_TRUE(batch[r].tokens.empty());
  }
  // generate() of a refused request throws the same error.
  EXPECT_ALMKIT_ERROR(model.generate(requests[2], options), ErrorCode::kInvalidArgument, "0 clip(s)");
}

TEST(RequestAudioBinding, AClipThatCannotBeReadRefusesOnlyItsRequest) {
  const Model& model = *serve_world().qwen;
  GenerateOptions options;
  options.max_new_tokens = 3;
  AudioBuffer empty{16000, 1, {}};
  AudioBuffer too_long = tone(31.0, 440);
  const std::vector<Request> requests = {chat(model, 1, "Empty clip.", {empty}),
                                         chat(model, 1, "What do you hear?", {tone(1.0, 440)}),
                                         chat(model, 1, "Too long.", {too_long})};
  const auto batch = model.generate_batch(requests, options);
  EXPECT_TRUE(batch[0].error.has_value());
  EXPECT_TRUE(batch[2].error.has_value());
  EXPECT_NE(std::string(batch[2].error->what()).find("takes at most"), std::string::npos) << batch[2].error->what();
  ASSERT_FALSE(batch[1].error.has_value());
  EXPECT_EQ(batch[1].tokens, model.generate(requests[1], options).tokens);
}

TEST(RequestAudioBinding, ServeRefusesTheBadRequestOfABatchAlone) {
  serve::ServeOptions serve_options = test_serve_options();
  serve_options.max_batch = 4;
  auto server = start_server(serve_options);
  const auto body = [](const std::string& text, bool with_audio) {
    json content = json::array();
    if (with_audio) {
      content.push_back({{"type", "input_audio"}, {"input_audio", {{"data", wav_base64(1.0)}, {"format", "wav"}}}});
    }
    content.push_back({{"type", "text"}, {"text", text}});
    return json{{"messages", {{{"role", "user"}, {"content", content}}}}, {"temperature", 0}, {"max_tokens", 5}};
  };
  // The placeholder typed as text: a placeholder with no clip.
  const json good_audio = body("What do you hear?", true), good_text = body("Count to three.", false),
             bad = body("Listen: <|AUDIO|>", false);
  auto client = client_for(*server);
  int status = 0;
  const json alone_audio = post_json(*client, "/v1/chat/completions", good_audio, status);
  ASSERT_EQ(status, 200);
  const json alone_text = post_json(*client, "/v1/chat/completions", good_text, status);
  ASSERT_EQ(status, 200);
  // A long streamed request keeps the one worker busy while the others queue into one batch.
  std::thread busy([&] {
    auto c = client_for(*server);
    post_stream(*c, "/v1/chat/completions",
                {{"messages", {{{"role", "user"}, {"content", "Go on."}}}}, {"max_tokens", 60}, {"temperature", 0},
                 {"stream", true}});
  });
  for (int i = 0; i < 5000 && server->scheduler_stats().running == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  const std::vector<json> bodies = {good_audio, bad, good_text, good_audio, bad, good_text};
  std::vector<json> replies(bodies.size());
  std::vector<int> statuses(bodies.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < bodies.size(); ++i) {
    threads.emplace_back([&, i] {
      auto c = client_for(*server);
      replies[i] = post_json(*c, "/v1/chat/completions", bodies[i], statuses[i]);
    });
  }
  for (auto& t : threads) t.join();
  busy.join();
  for (size_t i = 0; i < bodies.size(); ++i) {
    if (bodies[i] == bad) {
      EXPECT_EQ(statuses[i], 400) << replies[i].dump();
      EXPECT_NE(replies[i].dump().find("placeholder"), std::string::npos) << replies[i].dump();
    } else {
      ASSERT_EQ(statuses[i], 200) << replies[i].dump();
      const json& alone = bodies[i] == good_audio ? alone_audio : alone_text;
      EXPECT_EQ(replies[i]["choices"][0]["message"]["content"], alone["choices"][0]["message"]["content"]) << i;
    }
  }
  EXPECT_TRUE(healthy(*server));
}

}  // namespace
}  // namespace almkit::test
