// Bad requests against almkit serve: each gets its 4xx with an OpenAI-style error body, and the
// server stays healthy.
#include <gtest/gtest.h>

#include "serve_fixture.h"

namespace almkit::test {
namespace {

using nlohmann::json;

struct Reply {
  int status = -1;
  json body;
};

Reply post_raw(httplib::Client& client, const std::string& path, const std::string& body,
               const httplib::Headers& headers = {}, const std::string& type = "application/json") {
  auto result = client.Post(path.c_str(), headers, body, type.c_str());
  if (!result) return {};
  return {result->status, json::parse(result->body, nullptr, false)};
}

void expect_error(const Reply& reply, int status, const std::string& param = "",
                  const std::string& code = "") {
  EXPECT_EQ(reply.status, status) << reply.body.dump();
  ASSERT_TRUE(reply.body.is_object()) << "status " << reply.status;
  ASSERT_TRUE(reply.body.contains("error")) << reply.body.dump();
  const json& error = reply.body["error"];
  EXPECT_TRUE(error["message"].is_string());
  EXPECT_TRUE(error["type"].is_string());
  EXPECT_TRUE(error.contains("param"));
  EXPECT_TRUE(error.contains("code"));
  if (!param.empty()) {
    EXPECT_EQ(error["param"], param) << error.dump();
  }
  if (!code.empty()) {
    EXPECT_EQ(error["code"], code) << error.dump();
  }
}

json chat_with(const json& patch) {
  json body = {{"messages", {{{"role", "user"}, {"content", "hi"}}}}, {"max_tokens", 2}};
  body.update(patch);
  return body;
}

json audio_part(const std::string& data) {
  return {{{"role", "user"},
           {"content",
            {{{"type", "input_audio"}, {"input_audio", {{"data", data}, {"format", "wav"}}}}}}}};
}

TEST(ServeErrors, EachBadInputGetsItsStatusAndTheServerStaysUp) {
  serve::ServeOptions options = test_serve_options();
  options.max_audio_seconds = 2.0;
  options.max_body_mb = 1.0;
  auto server = start_server(options);
  auto client = client_for(*server);
  const std::string chat = "/v1/chat/completions";
  expect_error(post_raw(*client, chat, "{\"messages\": [", {}), 400, "", "invalid_json");
  expect_error(post_raw(*client, chat, "\"just a string\""), 400, "", "invalid_json");
  expect_error(post_raw(*client, chat, chat_with({{"temperature", "warm"}}).dump()), 400,
               "temperature", "invalid_type");
  expect_error(post_raw(*client, chat, chat_with({{"max_tokens", -3}}).dump()), 400, "max_tokens");
  expect_error(
      post_raw(
          *client, chat,
          chat_with({{"messages", {{{"role", "user"}, {"content", {{"type", "text"}}}}}}}).dump()),
      400);
  expect_error(post_raw(*client, chat, chat_with({{"messages", audio_part("not*base64")}}).dump()),
               400, "messages[0].content[0].input_audio.data", "invalid_base64");
  expect_error(
      post_raw(*client, chat, chat_with({{"messages", audio_part("aGVsbG8gd29ybGQ=")}}).dump()),
      400, "messages[0].content[0]", "invalid_audio");
  expect_error(
      post_raw(*client, chat, chat_with({{"messages", audio_part(wav_base64(3.0))}}).dump()), 400,
      "messages[0].content[0]", "audio_too_long");
  // 1.1 MB of JSON: over the 1 MB limit, refused before parsing.
  expect_error(post_raw(*client, chat, chat_with({{"padding", std::string(1100000, 'x')}}).dump()),
               413, "", "request_too_large");
  // The text alone is longer than the 8192-position context.
  std::string long_text;
  for (int i = 0; i < 9000; ++i) long_text += " word";
  expect_error(
      post_raw(*client, chat,
               chat_with({{"messages", {{{"role", "user"}, {"content", long_text}}}}}).dump()),
      400, "messages", "context_length_exceeded");
  expect_error(
      post_raw(*client, "/v1/completions", json({{"prompt", long_text}, {"max_tokens", 1}}).dump()),
      400, "prompt", "context_length_exceeded");
  // Audio frames count too: a text that fits alone, plus 2 s of audio (50 positions), does not.
  std::string fitting;
  for (int i = 0; i < 8140; ++i) fitting += " word";
  const json crowded = {{{"role", "user"},
                         {"content",
                          {{{"type", "input_audio"}, {"input_audio", {{"data", wav_base64(2.0)}}}},
                           {{"type", "text"}, {"text", fitting}}}}}};
  expect_error(post_raw(*client, chat, chat_with({{"messages", crowded}}).dump()), 400, "messages",
               "context_length_exceeded");
  expect_error(post_raw(*client, chat, chat_with({{"model", "gpt-4o"}}).dump()), 404, "model",
               "model_not_found");
  expect_error(post_raw(*client, chat, chat_with({{"n", 3}}).dump()), 400, "n", "unsupported");
  expect_error(post_raw(*client, "/v1/nothing", "{}"), 404, "", "not_found");
  // A transcription on a model that is not Whisper.
  httplib::MultipartFormDataItems form = {{"file", "abc", "a.wav", "audio/wav"}};
  auto transcription = client->Post("/v1/audio/transcriptions", form);
  ASSERT_TRUE(transcription);
  expect_error({transcription->status, json::parse(transcription->body, nullptr, false)}, 400,
               "model", "unsupported");
  EXPECT_TRUE(healthy(*server));
  // And it still answers a good request.
  int status = 0;
  post_json(*client, chat, chat_with({{"temperature", 0}}), status);
  EXPECT_EQ(status, 200);
  EXPECT_EQ(server->http_stats().status_5xx, 0u);
}

TEST(ServeErrors, WrongApiKeyIs401AndTheRightOneWorks) {
  serve::ServeOptions options = test_serve_options();
  options.api_key = "sk-test-0123456789";
  auto server = start_server(options);
  auto client = client_for(*server);
  const std::string body = chat_with({{"temperature", 0}}).dump();
  expect_error(post_raw(*client, "/v1/chat/completions", body), 401, "", "invalid_api_key");
  expect_error(post_raw(*client, "/v1/chat/completions", body,
                        {{"Authorization", "Bearer sk-test-012345678"}}),
               401);
  expect_error(
      post_raw(*client, "/v1/chat/completions", body, {{"Authorization", "sk-test-0123456789"}}),
      401);
  auto models = client->Get("/v1/models");
  ASSERT_TRUE(models);
  EXPECT_EQ(models->status, 401);
  EXPECT_TRUE(healthy(*server));  // /health needs no key (load balancers probe it)
  const Reply good = post_raw(*client, "/v1/chat/completions", body,
                              {{"Authorization", "Bearer sk-test-0123456789"}});
  EXPECT_EQ(good.status, 200) << good.body.dump();
  EXPECT_EQ(server->http_stats().unauthorized, 4u);
}

TEST(ServeErrors, WhisperWithoutTokenizerIsAClearError) {
  const std::string dir = temp_dir();
  std::filesystem::copy(
      serve_world().whisper_dir, dir,
      std::filesystem::copy_options::recursive | std::filesystem::copy_options::overwrite_existing);
  std::filesystem::remove(dir + "/tokenizer.json");
  serve::ServeOptions options = test_serve_options();
  options.served_model_name = "w";
  auto server = start_server(options, Model::load(dir));
  auto client = client_for(*server);
  const auto wav = wav_bytes(0.5);
  httplib::MultipartFormDataItems form = {
      {"file", std::string(wav.begin(), wav.end()), "a.wav", "audio/wav"}};
  auto result = client->Post("/v1/audio/transcriptions", form);
  ASSERT_TRUE(result);
  expect_error({result->status, json::parse(result->body, nullptr, false)}, 501, "",
               "no_tokenizer");
  auto no_file = client->Post("/v1/audio/transcriptions", "{}", "application/json");
  ASSERT_TRUE(no_file);
  EXPECT_EQ(no_file->status, 400);
  EXPECT_TRUE(healthy(*server));
}

}  // namespace
}  // namespace almkit::test
