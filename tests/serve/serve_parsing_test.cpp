// Request parsing, base64 / data URLs, stop strings and the key comparison, without a server.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "serve/api_error.h"
#include "serve/audio_parts.h"
#include "serve/auth.h"
#include "serve/requests.h"
#include "serve/stop_strings.h"
#include "serve_fixture.h"

namespace almkit::serve {
namespace {

using nlohmann::json;

ModelInfo audio_model() {
  ModelInfo info;
  info.served_name = "m";
  info.accepts_audio = true;
  info.audio.sample_rate = 16000;
  info.audio.max_seconds = 30.0;
  info.max_positions = 8192;
  return info;
}

// Expects an ApiError with this status and param from `statement`.
#define EXPECT_API_ERROR(statement, expected_status, expected_param)                   \
  do {                                                                                 \
    try {                                                                              \
      statement;                                                                       \
      ADD_FAILURE() << "expected ApiError " << expected_status << " from " #statement; \
    } catch (const ApiError& error__) {                                                \
      EXPECT_EQ(error__.status(), expected_status) << error__.what();                  \
      EXPECT_EQ(error__.param(), expected_param) << error__.what();                    \
      EXPECT_TRUE(json::parse(error__.body())["error"].contains("message"));           \
    }                                                                                  \
  } while (0)

TEST(ServeBase64, RoundTripsAndRefusesGarbage) {
  const std::string text = "almkit serve \x01\xff";
  const std::string encoded =
      encode_base64(reinterpret_cast<const uint8_t*>(text.data()), text.size());
  EXPECT_EQ(encoded, "YWxta2l0IHNlcnZlIAH/");
  const auto decoded = decode_base64(encoded, "data");
  EXPECT_EQ(std::string(decoded.begin(), decoded.end()), text);
  EXPECT_EQ(decode_base64("TWE=", "d").size(), 2u);
  EXPECT_EQ(decode_base64("TWE", "d").size(), 2u);  // padding optional
  EXPECT_EQ(decode_base64("TW\r\nE=", "d").size(), 2u);
  EXPECT_API_ERROR(decode_base64("TW!=", "x.data"), 400, "x.data");
  EXPECT_API_ERROR(decode_base64("T", "x.data"), 400, "x.data");
  EXPECT_API_ERROR(decode_base64("TQ==TQ==", "x.data"), 400, "x.data");
}

TEST(ServeAudioParts, DataUrlsAndLimits) {
  std::string format;
  const auto bytes = decode_data_url("data:audio/wav;base64,TWE=", "u", format);
  EXPECT_EQ(format, "wav");
  EXPECT_EQ(bytes.size(), 2u);
  EXPECT_API_ERROR(decode_data_url("https://example.com/a.wav", "u", format), 400, "u");
  EXPECT_API_ERROR(decode_data_url("data:audio/wav,plain", "u", format), 400, "u");
  AudioLimits limits;
  limits.max_seconds = 1.0;
  const auto wav = test::wav_bytes(0.5);
  const AudioBuffer audio = decode_audio_bytes(wav, "wav", limits, "clip");
  EXPECT_EQ(audio.sample_rate, 16000);
  EXPECT_EQ(audio.num_frames(), 8000);
  EXPECT_API_ERROR(decode_audio_bytes(test::wav_bytes(1.5), "wav", limits, "clip"), 400, "clip");
  EXPECT_API_ERROR(decode_audio_bytes({1, 2, 3, 4, 5, 6, 7, 8}, "wav", limits, "clip"), 400,
                   "clip");
  EXPECT_API_ERROR(decode_audio_bytes(wav, "wav;rm -rf", limits, "clip"), 400, "clip");
}

TEST(ServeStopStrings, HoldsBackPrefixesAndCutsAtTheFirstStop) {
  StopMatcher matcher({"END", "\n\n"});
  EXPECT_EQ(matcher.feed("Hello E"), "Hello ");  // "E" may start "END"
  EXPECT_EQ(matcher.feed("x"), "Ex");
  EXPECT_EQ(matcher.feed(" EN"), " ");
  EXPECT_EQ(matcher.feed("D and more"), "");
  EXPECT_TRUE(matcher.stopped());
  EXPECT_EQ(matcher.text(), "Hello Ex ");
  EXPECT_EQ(matcher.feed("later"), "");
  StopMatcher none({});
  EXPECT_EQ(none.feed("abc"), "abc");
  StopMatcher tail({"xyz"});
  EXPECT_EQ(tail.feed("abcx"), "abc");
  EXPECT_EQ(tail.flush(), "x");
  EXPECT_EQ(tail.text(), "abcx");
}

TEST(ServeAuth, ComparesWholeKeys) {
  EXPECT_TRUE(constant_time_equal("secret", "secret"));
  EXPECT_FALSE(constant_time_equal("secret", "secreT"));
  EXPECT_FALSE(constant_time_equal("secret", "secret2"));
  EXPECT_FALSE(constant_time_equal("", "x"));
  EXPECT_TRUE(authorized("Bearer k-123", "k-123"));
  EXPECT_FALSE(authorized("Bearer k-12", "k-123"));
  EXPECT_FALSE(authorized("k-123", "k-123"));
  EXPECT_FALSE(authorized("", "k-123"));
}

TEST(ServeRequests, ChatRequestMapsPartsAndSampling) {
  const json body = {
      {"model", "m"},
      {"messages",
       {{{"role", "system"}, {"content", "Be brief."}},
        {{"role", "user"},
         {"content",
          {{{"type", "input_audio"},
            {"input_audio", {{"data", test::wav_base64(0.25)}, {"format", "wav"}}}},
           {{"type", "audio_url"},
            {"audio_url", {{"url", "data:audio/wav;base64," + test::wav_base64(0.5)}}}},
           {{"type", "text"}, {"text", "What is it?"}}}}}}},
      {"temperature", 0},
      {"top_p", 0.9},
      {"top_k", 5},
      {"max_tokens", 7},
      {"seed", 11},
      {"stop", "END"},
      {"stream", true},
      {"stream_options", {{"include_usage", true}}},
      {"frequency_penalty", 0},
      {"user", "someone"}};
  const ChatRequest chat = parse_chat_request(body.dump(), audio_model());
  ASSERT_EQ(chat.audio.size(), 2u);
  EXPECT_EQ(chat.audio[0].num_frames(), 4000);
  EXPECT_EQ(chat.audio[1].num_frames(), 8000);
  const json messages = json::parse(chat.messages_json);
  EXPECT_EQ(messages[1]["content"][0], json({{"type", "audio"}}));
  EXPECT_EQ(messages[1]["content"][2]["text"], "What is it?");
  EXPECT_EQ(chat.sampling.max_tokens, 7);
  EXPECT_EQ(chat.sampling.temperature, 0.0);
  EXPECT_EQ(chat.sampling.top_k, 5);
  EXPECT_EQ(chat.sampling.seed, 11u);
  EXPECT_EQ(chat.sampling.stop, std::vector<std::string>{"END"});
  EXPECT_TRUE(chat.stream);
  EXPECT_TRUE(chat.include_usage);
}

TEST(ServeRequests, ChatRequestErrorsNameTheField) {
  const ModelInfo model = audio_model();
  auto with = [](json patch) {
    json body = {{"messages", {{{"role", "user"}, {"content", "hi"}}}}};
    body.update(patch);
    return body.dump();
  };
  EXPECT_API_ERROR(parse_chat_request("{not json", model), 400, "");
  EXPECT_API_ERROR(parse_chat_request("[1, 2]", model), 400, "");
  EXPECT_API_ERROR(parse_chat_request("{}", model), 400, "messages");
  EXPECT_API_ERROR(parse_chat_request(with({{"messages", "hi"}}), model), 400, "messages");
  EXPECT_API_ERROR(parse_chat_request(with({{"temperature", "hot"}}), model), 400, "temperature");
  EXPECT_API_ERROR(parse_chat_request(with({{"temperature", 3}}), model), 400, "temperature");
  EXPECT_API_ERROR(parse_chat_request(with({{"max_tokens", 1.5}}), model), 400, "max_tokens");
  EXPECT_API_ERROR(parse_chat_request(with({{"max_tokens", 0}}), model), 400, "max_tokens");
  EXPECT_API_ERROR(parse_chat_request(with({{"max_tokens", 100000}}), model), 400, "max_tokens");
  EXPECT_API_ERROR(parse_chat_request(with({{"stream", "yes"}}), model), 400, "stream");
  EXPECT_API_ERROR(parse_chat_request(with({{"stop", {1, 2}}}), model), 400, "stop");
  EXPECT_API_ERROR(parse_chat_request(with({{"n", 2}}), model), 400, "n");
  EXPECT_API_ERROR(parse_chat_request(with({{"model", "other"}}), model), 404, "model");
  EXPECT_API_ERROR(parse_chat_request(with({{"top_logprobs", 2}}), model), 400, "top_logprobs");
  EXPECT_API_ERROR(parse_chat_request(with({{"logprobs", true}, {"top_logprobs", 21}}), model),
                   400, "top_logprobs");
  EXPECT_API_ERROR(parse_chat_request(with({{"logprobs", "yes"}}), model), 400, "logprobs");
  EXPECT_EQ(parse_chat_request(with({{"logprobs", true}, {"top_logprobs", 2}, {"stream", true}}),
                               model)
                .top_logprobs,
            2);
  EXPECT_API_ERROR(parse_chat_request(with({{"prompt_logprobs", 21}}), model), 400,
                   "prompt_logprobs");
  EXPECT_API_ERROR(parse_chat_request(with({{"prompt_logprobs", 1}, {"stream", true}}), model),
                   400, "stream");
  const ChatRequest scored =
      parse_chat_request(with({{"logprobs", true}, {"top_logprobs", 5}, {"prompt_logprobs", 3}}),
                         model);
  EXPECT_EQ(scored.top_logprobs, 5);
  EXPECT_EQ(scored.prompt_logprobs, 3);
  const ChatRequest plain = parse_chat_request(with({{"logprobs", false}}), model);
  EXPECT_FALSE(plain.top_logprobs.has_value());
  EXPECT_FALSE(plain.prompt_logprobs.has_value());
  EXPECT_EQ(parse_chat_request(with({{"logprobs", true}}), model).top_logprobs, 0);
  EXPECT_API_ERROR(
      parse_chat_request(with({{"messages", {{{"role", "tool"}, {"content", "x"}}}}}), model), 400,
      "messages[0].role");
  EXPECT_API_ERROR(
      parse_chat_request(with({{"messages", {{{"role", "user"}, {"content", 5}}}}}), model), 400,
      "messages[0].content");
  const json bad_audio = {
      {{"role", "user"},
       {"content",
        {{{"type", "input_audio"}, {"input_audio", {{"data", "@@@"}, {"format", "wav"}}}}}}}};
  EXPECT_API_ERROR(parse_chat_request(with({{"messages", bad_audio}}), model), 400,
                   "messages[0].content[0].input_audio.data");
  const json image = {
      {{"role", "user"}, {"content", {{{"type", "image_url"}, {"image_url", {{"url", "x"}}}}}}}};
  EXPECT_API_ERROR(parse_chat_request(with({{"messages", image}}), model), 400,
                   "messages[0].content[0].type");
  ModelInfo text_only = model;
  text_only.accepts_audio = false;
  const json audio = {
      {{"role", "user"},
       {"content",
        {{{"type", "input_audio"}, {"input_audio", {{"data", test::wav_base64(0.1)}}}}}}}};
  EXPECT_API_ERROR(parse_chat_request(with({{"messages", audio}}), text_only), 400,
                   "messages[0].content[0]");
}

TEST(ServeRequests, CompletionPromptsAsTextOrIds) {
  const ModelInfo model = audio_model();
  const CompletionRequest text = parse_completion_request(
      R"({"prompt": "Hi there", "echo": true, "max_tokens": 0, "logprobs": 1})", model);
  EXPECT_EQ(text.prompt, "Hi there");
  EXPECT_TRUE(text.echo);
  EXPECT_EQ(text.sampling.max_tokens, 0);
  EXPECT_EQ(text.logprobs, 1);
  const CompletionRequest ids = parse_completion_request(R"({"prompt": [[1, 2, 3]]})", model);
  EXPECT_EQ(ids.prompt_ids, (std::vector<int32_t>{1, 2, 3}));
  EXPECT_EQ(ids.sampling.max_tokens, 16);  // OpenAI's default for completions
  EXPECT_API_ERROR(parse_completion_request(R"({"prompt": "x", "max_tokens": 0})", model), 400,
                   "max_tokens");
  EXPECT_API_ERROR(parse_completion_request(R"({"prompt": ["a", "b"]})", model), 400, "prompt");
  EXPECT_API_ERROR(parse_completion_request(R"({"prompt": [1, -2]})", model), 400, "prompt");
  EXPECT_API_ERROR(parse_completion_request(R"({"prompt": ""})", model), 400, "prompt");
  EXPECT_API_ERROR(parse_completion_request(R"({"prompt": "x", "logprobs": 9})", model), 400,
                   "logprobs");
  EXPECT_API_ERROR(
      parse_completion_request(R"({"prompt": "x", "echo": true, "stream": true})", model), 400,
      "stream");
}

}  // namespace
}  // namespace almkit::serve
