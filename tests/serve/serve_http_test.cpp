// almkit serve over real loopback HTTP: every answer equals what the engine gives in-process.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "almkit/tokenizer.h"
#include "serve_fixture.h"

namespace almkit::test {
namespace {

using nlohmann::json;

json audio_question(const std::string& base64) {
  return {{{"role", "user"},
           {"content",
            {{{"type", "input_audio"}, {"input_audio", {{"data", base64}, {"format", "wav"}}}},
             {{"type", "text"}, {"text", "What do you hear?"}}}}}};
}

// The chat of audio_question as a Request to Model.
Request audio_request(const Model& model, const std::vector<uint8_t>& wav) {
  Request request;
  request.prompt = model.chat_prompt(
      json::array(
          {{{"role", "user"},
            {"content", {{{"type", "audio"}}, {{"type", "text"}, {"text", "What do you hear?"}}}}}})
          .dump(),
      true);
  AudioLoadOptions load;
  load.target_sample_rate = 16000;
  request.audio.push_back(load_audio_from_memory(wav.data(), wav.size(), load));
  return request;
}

// The same chat, greedy, straight through Model.
GenerateResult in_process(const Model& model, const std::vector<uint8_t>& wav, int max_tokens) {
  GenerateOptions options;
  options.max_new_tokens = max_tokens;
  return model.generate(audio_request(model, wav), options);
}

TEST(ServeHttp, HealthAndModels) {
  auto server = start_server();
  auto client = client_for(*server);
  auto health = client->Get("/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(json::parse(health->body)["status"], "ok");
  auto models = client->Get("/v1/models");
  ASSERT_TRUE(models);
  EXPECT_EQ(models->status, 200);
  const json list = json::parse(models->body);
  EXPECT_EQ(list["object"], "list");
  ASSERT_EQ(list["data"].size(), 1u);
  EXPECT_EQ(list["data"][0]["id"], "qwen-test");
  EXPECT_EQ(list["data"][0]["max_model_len"], 8192);
}

TEST(ServeHttp, ChatWithAudioMatchesTheEngine) {
  auto server = start_server();
  auto client = client_for(*server);
  const auto wav = wav_bytes(1.0);
  int status = 0;
  const json reply =
      post_json(*client, "/v1/chat/completions",
                {{"model", "qwen-test"},
                 {"messages", audio_question(serve::encode_base64(wav.data(), wav.size()))},
                 {"temperature", 0},
                 {"max_tokens", 6}},
                status);
  ASSERT_EQ(status, 200) << reply.dump();
  const GenerateResult expected = in_process(*serve_world().qwen, wav, 6);
  EXPECT_EQ(reply["object"], "chat.completion");
  EXPECT_EQ(reply["model"], "qwen-test");
  EXPECT_EQ(reply["choices"][0]["message"]["role"], "assistant");
  EXPECT_EQ(reply["choices"][0]["message"]["content"], expected.text);
  EXPECT_EQ(reply["choices"][0]["finish_reason"],
            expected.stop_reason == "length" ? "length" : "stop");
  EXPECT_EQ(reply["usage"]["prompt_tokens"], expected.prompt_tokens);
  EXPECT_GT(expected.prompt_tokens, 25);  // 1 s of audio is 25 frames, plus the text
  EXPECT_EQ(reply["usage"]["completion_tokens"], expected.tokens.size());
  EXPECT_EQ(reply["usage"]["total_tokens"],
            expected.prompt_tokens + static_cast<int64_t>(expected.tokens.size()));

  // The same clip as a data: URL gives the same answer.
  const json url_message = {
      {{"role", "user"},
       {"content",
        {{{"type", "audio_url"},
          {"audio_url",
           {{"url", "data:audio/wav;base64," + serve::encode_base64(wav.data(), wav.size())}}}},
         {{"type", "text"}, {"text", "What do you hear?"}}}}}};
  const json by_url =
      post_json(*client, "/v1/chat/completions",
                {{"messages", url_message}, {"temperature", 0}, {"max_tokens", 6}}, status);
  ASSERT_EQ(status, 200);
  EXPECT_EQ(by_url["choices"][0]["message"]["content"], expected.text);
}

TEST(ServeHttp, StreamedChatIsTheSameTextAsServerSentEvents) {
  auto server = start_server();
  auto client = client_for(*server);
  const json body = {
      {"messages", audio_question(wav_base64(0.5))}, {"temperature", 0}, {"max_tokens", 8}};
  int status = 0;
  const json whole = post_json(*client, "/v1/chat/completions", body, status);
  ASSERT_EQ(status, 200);
  json streamed_body = body;
  streamed_body["stream"] = true;
  streamed_body["stream_options"] = {{"include_usage", true}};
  const StreamResult stream = post_stream(*client, "/v1/chat/completions", streamed_body);
  ASSERT_EQ(stream.status, 200);
  ASSERT_GE(stream.events.size(), 4u);
  EXPECT_EQ(stream.events.back(), "[DONE]");
  std::string text;
  std::string finish;
  json usage;
  std::string id;
  for (size_t i = 0; i + 1 < stream.events.size(); ++i) {
    const json chunk = json::parse(stream.events[i]);
    EXPECT_EQ(chunk["object"], "chat.completion.chunk");
    if (id.empty()) id = chunk["id"];
    EXPECT_EQ(chunk["id"], id);  // one id for the whole stream
    if (chunk.contains("usage")) {
      usage = chunk["usage"];
      EXPECT_TRUE(chunk["choices"].empty());
      continue;
    }
    const json& choice = chunk["choices"][0];
    if (i == 0) {
      EXPECT_EQ(choice["delta"]["role"], "assistant");
    }
    if (choice["delta"].contains("content")) text += choice["delta"]["content"].get<std::string>();
    if (!choice["finish_reason"].is_null()) finish = choice["finish_reason"];
  }
  EXPECT_EQ(text, whole["choices"][0]["message"]["content"]);
  EXPECT_EQ(finish, whole["choices"][0]["finish_reason"]);
  EXPECT_EQ(usage, whole["usage"]);
}

TEST(ServeHttp, StopStringsCutTheAnswer) {
  auto server = start_server();
  auto client = client_for(*server);
  const json body = {{"messages", {{{"role", "user"}, {"content", "Say something."}}}},
                     {"temperature", 0},
                     {"max_tokens", 12}};
  int status = 0;
  const json whole = post_json(*client, "/v1/chat/completions", body, status);
  ASSERT_EQ(status, 200);
  const std::string text = whole["choices"][0]["message"]["content"];
  ASSERT_GE(text.size(), 6u);
  // Stop at a piece of the greedy answer: the reply is what came before it.
  const std::string stop = text.substr(text.size() / 2, 3);
  json cut_body = body;
  cut_body["stop"] = {stop};
  const json cut = post_json(*client, "/v1/chat/completions", cut_body, status);
  ASSERT_EQ(status, 200);
  EXPECT_EQ(cut["choices"][0]["message"]["content"], text.substr(0, text.find(stop)));
  EXPECT_EQ(cut["choices"][0]["finish_reason"], "stop");
  cut_body["stream"] = true;
  const StreamResult stream = post_stream(*client, "/v1/chat/completions", cut_body);
  std::string streamed;
  for (const auto& event : stream.events) {
    if (event == "[DONE]") continue;
    const json delta = json::parse(event)["choices"][0]["delta"];
    if (delta.contains("content")) streamed += delta["content"].get<std::string>();
  }
  EXPECT_EQ(streamed, text.substr(0, text.find(stop)));
}

TEST(ServeHttp, CompletionEchoGivesPromptLogprobsOfTheEngine) {
  auto server = start_server();
  auto client = client_for(*server);
  const Model& model = *serve_world().qwen;
  const std::string prompt = "The quick brown fox jumps over the lazy dog. The answer is (B)";
  int status = 0;
  const json reply =
      post_json(*client, "/v1/completions",
                {{"prompt", prompt}, {"echo", true}, {"max_tokens", 0}, {"logprobs", 1}}, status);
  ASSERT_EQ(status, 200) << reply.dump();
  const std::vector<int32_t> ids = model.tokenizer().encode(prompt, false);
  const json& logprobs = reply["choices"][0]["logprobs"];
  EXPECT_EQ(reply["choices"][0]["text"], prompt);
  ASSERT_EQ(logprobs["token_logprobs"].size(), ids.size());
  ASSERT_EQ(logprobs["tokens"].size(), ids.size());
  EXPECT_TRUE(logprobs["token_logprobs"][0].is_null());
  std::string joined;
  for (size_t i = 0; i < ids.size(); ++i) {
    EXPECT_EQ(logprobs["text_offset"][i], joined.size());  // ASCII: characters = bytes
    joined += logprobs["tokens"][i].get<std::string>();
  }
  EXPECT_EQ(joined, prompt);
  // Each position against a direct one-token score after its own prefix (1e-4: float32 sums).
  for (size_t i = 1; i < ids.size(); ++i) {
    Request request;
    request.prompt_ids.assign(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(i));
    const double direct = model.score_ids(request, {{ids[i]}})[0].sum_logprob;
    EXPECT_NEAR(logprobs["token_logprobs"][i].get<double>(), direct, 1e-4) << "token " << i;
  }
  // A continuation's log-likelihood, as a runner computes it from the echo, equals
  // Model::score_ids.
  const size_t context = ids.size() - 3;
  double summed = 0;
  for (size_t i = context; i < ids.size(); ++i)
    summed += logprobs["token_logprobs"][i].get<double>();
  Request request;
  request.prompt_ids.assign(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(context));
  const double direct =
      model
          .score_ids(request,
                     {std::vector<int32_t>(ids.begin() + static_cast<std::ptrdiff_t>(context),
                                           ids.end())})[0]
          .sum_logprob;
  EXPECT_NEAR(summed, direct, 1e-4);
  EXPECT_EQ(reply["usage"]["prompt_tokens"], ids.size());
  // top_logprobs (logprobs 1): the most likely token at each position plus the prompt's own,
  // as lm-eval-harness reads them to tell whether a continuation is greedy.
  const json& tops = logprobs["top_logprobs"];
  ASSERT_EQ(tops.size(), ids.size());
  EXPECT_TRUE(tops[0].is_null());
  for (size_t i = 1; i < ids.size(); ++i) {
    ASSERT_TRUE(tops[i].is_object()) << tops[i];
    EXPECT_GE(tops[i].size(), 1u);
    EXPECT_LE(tops[i].size(), 2u);
    const double own = logprobs["token_logprobs"][i].get<double>();
    EXPECT_EQ(tops[i][logprobs["tokens"][i].get<std::string>()].get<double>(), own);
    double best = -1e300;
    for (const auto& [text, value] : tops[i].items()) best = std::max(best, value.get<double>());
    Request before;
    before.prompt_ids.assign(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(i));
    EXPECT_NEAR(best, model.score_ids(before, {{ids[i]}}, {}, 1)[0].top_logprobs[0][0].logprob,
                1e-4)
        << "token " << i;
  }

  // max_tokens 1 with echo: the prompt's values plus one generated token's.
  const json one = post_json(
      *client, "/v1/completions",
      {{"prompt", prompt}, {"echo", true}, {"max_tokens", 1}, {"logprobs", 1}, {"temperature", 0}},
      status);
  ASSERT_EQ(status, 200);
  EXPECT_EQ(one["choices"][0]["logprobs"]["token_logprobs"].size(), ids.size() + 1);
  EXPECT_NEAR(one["choices"][0]["logprobs"]["token_logprobs"][3].get<double>(),
              logprobs["token_logprobs"][3].get<double>(), 1e-5);

  // Greedy tokens without echo: each is the most likely at its position (lm-eval's is_greedy).
  const json greedy = post_json(
      *client, "/v1/completions",
      {{"prompt", prompt}, {"max_tokens", 3}, {"logprobs", 2}, {"temperature", 0}}, status);
  ASSERT_EQ(status, 200) << greedy.dump();
  const json& generated = greedy["choices"][0]["logprobs"];
  ASSERT_FALSE(generated["tokens"].empty());
  for (size_t i = 0; i < generated["tokens"].size(); ++i) {
    double best = -1e300;
    for (const auto& [text, value] : generated["top_logprobs"][i].items())
      best = std::max(best, value.get<double>());
    EXPECT_EQ(best, generated["token_logprobs"][i].get<double>()) << "token " << i;
    EXPECT_LE(generated["top_logprobs"][i].size(), 3u);
  }

  // The same streamed: the chunks' legacy objects joined are the whole answer's (values from
  // the generation loop: 1e-5 of the scoring pass).
  const StreamResult stream = post_stream(
      *client, "/v1/completions",
      {{"prompt", prompt}, {"max_tokens", 3}, {"logprobs", 2}, {"temperature", 0}, {"stream", true}});
  ASSERT_EQ(stream.status, 200);
  json streamed_tokens = json::array(), streamed_values = json::array(),
       streamed_tops = json::array(), streamed_offsets = json::array();
  for (const auto& event : stream.events) {
    if (event == "[DONE]") continue;
    const json chunk = json::parse(event);
    const json& streamed = chunk["choices"][0]["logprobs"];
    if (streamed.is_null()) continue;
    for (size_t i = 0; i < streamed["tokens"].size(); ++i) {
      streamed_tokens.push_back(streamed["tokens"][i]);
      streamed_values.push_back(streamed["token_logprobs"][i]);
      streamed_tops.push_back(streamed["top_logprobs"][i]);
      streamed_offsets.push_back(streamed["text_offset"][i]);
    }
  }
  EXPECT_EQ(streamed_tokens, generated["tokens"]);
  EXPECT_EQ(streamed_offsets, generated["text_offset"]);
  ASSERT_EQ(streamed_values.size(), generated["token_logprobs"].size());
  for (size_t i = 0; i < streamed_values.size(); ++i) {
    EXPECT_NEAR(streamed_values[i].get<double>(), generated["token_logprobs"][i].get<double>(), 1e-5) << i;
    ASSERT_EQ(streamed_tops[i].size(), generated["top_logprobs"][i].size()) << i;
    for (const auto& [text, value] : streamed_tops[i].items())
      EXPECT_NEAR(value.get<double>(), generated["top_logprobs"][i][text].get<double>(), 1e-5) << i;
  }
}

TEST(ServeHttp, ChatLogprobsOfTheAnswerAndThePromptAreTheEnginesScores) {
  auto server = start_server();
  auto client = client_for(*server);
  const Model& model = *serve_world().qwen;
  const auto wav = wav_bytes(1.0);
  // Greedy, 4 tokens, 2 alternatives each; whole (with prompt_logprobs 3) and streamed below.
  const json ask = {{"messages", audio_question(serve::encode_base64(wav.data(), wav.size()))},
                    {"temperature", 0},
                    {"max_tokens", 4},
                    {"logprobs", true},
                    {"top_logprobs", 2}};
  int status = 0;
  json whole = ask;
  whole["prompt_logprobs"] = 3;
  const json reply = post_json(*client, "/v1/chat/completions", whole, status);
  ASSERT_EQ(status, 200) << reply.dump();
  const GenerateResult expected = in_process(model, wav, 4);
  EXPECT_EQ(reply["choices"][0]["message"]["content"], expected.text);

  // The answer: one entry a generated token, its value the engine's score of it after the
  // prompt and audio (same computation: 1e-9), greedy so first among its alternatives.
  Request prompt;
  const Request request = audio_request(model, wav);
  prompt.prompt_ids = model.tokenizer().encode(request.prompt, false);
  prompt.audio = request.audio;
  const OptionScore direct = model.score_ids(prompt, {expected.tokens}, {}, 2).at(0);
  const json& content = reply["choices"][0]["logprobs"]["content"];
  ASSERT_EQ(content.size(), expected.tokens.size());
  for (size_t i = 0; i < content.size(); ++i) {
    SCOPED_TRACE("answer token " + std::to_string(i));
    const std::string text = model.tokenizer().decode({expected.tokens[i]}, false);
    EXPECT_EQ(content[i]["token"], text);
    EXPECT_EQ(content[i]["bytes"].size(), text.size());
    EXPECT_NEAR(content[i]["logprob"].get<double>(), direct.token_logprobs[i], 1e-9);
    const json& top = content[i]["top_logprobs"];
    ASSERT_EQ(top.size(), 2u);
    EXPECT_EQ(top[0]["token"], text);
    EXPECT_EQ(top[0]["logprob"], content[i]["logprob"]);
    EXPECT_GE(top[0]["logprob"].get<double>(), top[1]["logprob"].get<double>());
    EXPECT_NEAR(top[1]["logprob"].get<double>(), direct.top_logprobs[i][1].logprob, 1e-9);
  }

  // The prompt: null up to the audio, then the token itself with its rank and up to three
  // alternatives ranked 1 .. 3; a token of rank r <= 3 is one of them.
  const std::vector<int32_t>& ids = prompt.prompt_ids;
  const json& prompt_logprobs = reply["prompt_logprobs"];
  ASSERT_EQ(prompt_logprobs.size(), ids.size());
  size_t scored = 0;
  for (size_t i = 0; i < ids.size(); ++i) {
    SCOPED_TRACE("prompt token " + std::to_string(i));
    if (prompt_logprobs[i].is_null()) {
      EXPECT_EQ(scored, 0u) << "a null after a scored token";
      continue;
    }
    ++scored;
    const json& position = prompt_logprobs[i];
    const std::string own_key = std::to_string(ids[i]);
    ASSERT_TRUE(position.contains(own_key)) << position.dump();
    const int64_t rank = position[own_key]["rank"].get<int64_t>();
    EXPECT_GE(rank, 1);
    EXPECT_EQ(position[own_key]["decoded_token"], model.tokenizer().decode({ids[i]}, false));
    EXPECT_EQ(position.size(), rank <= 3 ? 3u : 4u);
    std::vector<int64_t> ranks;
    for (const auto& [key, entry] : position.items()) {
      if (key != own_key) ranks.push_back(entry["rank"].get<int64_t>());
      EXPECT_LE(entry["logprob"].get<double>(), 0.0);
    }
    std::sort(ranks.begin(), ranks.end());
    std::vector<int64_t> others;
    for (int64_t r = 1; r <= 3; ++r) {
      if (r != rank) others.push_back(r);
    }
    EXPECT_EQ(ranks, std::vector<int64_t>(others.begin(), others.begin() + ranks.size()));
  }
  EXPECT_GT(scored, 5u);  // the text after the audio: "What do you hear?", the turn markers
  // Values and ranks against the engine's own score of the scored tokens (same computation).
  const size_t begin = ids.size() - scored;
  Request head = prompt;
  head.prompt_ids.resize(begin);
  const OptionScore tail = model.score_ids(
      head, {std::vector<int32_t>(ids.begin() + static_cast<std::ptrdiff_t>(begin), ids.end())},
      {}, 3)[0];
  for (size_t i = begin; i < ids.size(); ++i) {
    const json& own = prompt_logprobs[i][std::to_string(ids[i])];
    EXPECT_NEAR(own["logprob"].get<double>(), tail.token_logprobs[i - begin], 1e-9) << i;
    EXPECT_EQ(own["rank"].get<int64_t>(), tail.token_ranks[i - begin]) << i;
  }
  // The last prompt token's value against a direct score after everything before it.
  Request before = prompt;
  before.prompt_ids.pop_back();
  EXPECT_NEAR(prompt_logprobs.back()[std::to_string(ids.back())]["logprob"].get<double>(),
              model.score_ids(before, {{ids.back()}})[0].sum_logprob, 1e-4);

  // Streamed: every chunk carries the entries of the tokens that made its text, and together
  // they are the whole answer's, values as the generation loop saw them (1e-5 of the scoring
  // pass: incremental decoding).
  json streamed_ask = ask;
  streamed_ask["stream"] = true;
  const StreamResult stream = post_stream(*client, "/v1/chat/completions", streamed_ask);
  ASSERT_EQ(stream.status, 200);
  json streamed = json::array();
  std::string streamed_text;
  for (const auto& event : stream.events) {
    if (event == "[DONE]") continue;
    const json chunk = json::parse(event);
    ASSERT_TRUE(chunk.contains("choices")) << event;
    const json& choice = chunk["choices"][0];
    const json& delta = choice["delta"];
    if (delta.contains("content") && !delta["content"].get<std::string>().empty()) {
      streamed_text += delta["content"].get<std::string>();
      EXPECT_TRUE(choice["logprobs"].is_object()) << "text without its tokens' entries: " << event;
    }
    if (choice["logprobs"].is_object()) {
      for (const json& entry : choice["logprobs"]["content"]) streamed.push_back(entry);
    }
  }
  EXPECT_EQ(streamed_text, expected.text);
  ASSERT_EQ(streamed.size(), content.size());
  for (size_t i = 0; i < streamed.size(); ++i) {
    SCOPED_TRACE("streamed token " + std::to_string(i));
    EXPECT_EQ(streamed[i]["token"], content[i]["token"]);
    EXPECT_NEAR(streamed[i]["logprob"].get<double>(), content[i]["logprob"].get<double>(), 1e-5);
    ASSERT_EQ(streamed[i]["top_logprobs"].size(), 2u);
    EXPECT_EQ(streamed[i]["top_logprobs"][0]["token"], content[i]["top_logprobs"][0]["token"]);
  }

  // Without logprobs the field stays null, as before.
  const json plain = post_json(
      *client, "/v1/chat/completions",
      {{"messages", audio_question(serve::encode_base64(wav.data(), wav.size()))},
       {"temperature", 0},
       {"max_tokens", 2}},
      status);
  ASSERT_EQ(status, 200);
  EXPECT_TRUE(plain["choices"][0]["logprobs"].is_null());
}

TEST(ServeHttp, CompletionGeneratesFromTextOrIds) {
  auto server = start_server();
  auto client = client_for(*server);
  const Model& model = *serve_world().qwen;
  const std::vector<int32_t> ids = model.tokenizer().encode("Once upon a time", false);
  Request request;
  request.prompt_ids = ids;
  GenerateOptions options;
  options.max_new_tokens = 5;
  const GenerateResult expected = model.generate(request, options);
  int status = 0;
  const json by_text =
      post_json(*client, "/v1/completions",
                {{"prompt", "Once upon a time"}, {"max_tokens", 5}, {"temperature", 0}}, status);
  ASSERT_EQ(status, 200);
  EXPECT_EQ(by_text["choices"][0]["text"], expected.text);
  EXPECT_TRUE(by_text["choices"][0]["logprobs"].is_null());
  const json by_ids = post_json(*client, "/v1/completions",
                                {{"prompt", ids}, {"max_tokens", 5}, {"temperature", 0}}, status);
  ASSERT_EQ(status, 200);
  EXPECT_EQ(by_ids["choices"][0]["text"], expected.text);
  const StreamResult stream = post_stream(
      *client, "/v1/completions",
      {{"prompt", "Once upon a time"}, {"max_tokens", 5}, {"temperature", 0}, {"stream", true}});
  std::string streamed;
  for (const auto& event : stream.events) {
    if (event != "[DONE]") streamed += json::parse(event)["choices"][0]["text"].get<std::string>();
  }
  EXPECT_EQ(streamed, expected.text);
}

TEST(ServeHttp, SeededSamplingIsReproducible) {
  auto server = start_server();
  auto client = client_for(*server);
  const json body = {{"messages", {{{"role", "user"}, {"content", "Pick a word."}}}},
                     {"temperature", 1.0},
                     {"top_k", 50},
                     {"seed", 1234},
                     {"max_tokens", 6}};
  int status = 0;
  const json first = post_json(*client, "/v1/chat/completions", body, status);
  ASSERT_EQ(status, 200);
  const json second = post_json(*client, "/v1/chat/completions", body, status);
  ASSERT_EQ(status, 200);
  EXPECT_EQ(first["choices"][0]["message"]["content"], second["choices"][0]["message"]["content"]);
}

TEST(ServeHttp, ConcurrentGreedyRequestsAreBatchedWithTheSameAnswers) {
  serve::ServeOptions options = test_serve_options();
  options.max_batch = 4;
  auto server = start_server(options);
  const json body = {{"messages", {{{"role", "user"}, {"content", "Count to three."}}}},
                     {"temperature", 0},
                     {"max_tokens", 6}};
  auto client = client_for(*server);
  int status = 0;
  const json alone = post_json(*client, "/v1/chat/completions", body, status);
  ASSERT_EQ(status, 200);
  // A long streamed request keeps the one worker busy while eight greedy requests queue up.
  std::thread busy([&] {
    auto c = client_for(*server);
    post_stream(*c, "/v1/chat/completions",
                {{"messages", {{{"role", "user"}, {"content", "Go on."}}}},
                 {"max_tokens", 100},
                 {"temperature", 0},
                 {"stream", true}});
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  std::vector<std::thread> threads;
  std::vector<json> replies(8);
  for (size_t i = 0; i < replies.size(); ++i) {
    threads.emplace_back([&, i] {
      auto c = client_for(*server);
      int s = 0;
      replies[i] = post_json(*c, "/v1/chat/completions", body, s);
    });
  }
  for (auto& t : threads) t.join();
  busy.join();
  const serve::SchedulerStats stats = server->scheduler_stats();
  EXPECT_GE(stats.batches, 1u);
  EXPECT_GE(stats.largest_batch, 2);
  // Left-padded rows are masked, so a batched greedy answer is the one the request gets alone.
  for (const auto& reply : replies) {
    EXPECT_EQ(reply["choices"][0]["message"]["content"], alone["choices"][0]["message"]["content"]);
  }
}

TEST(ServeHttp, WhisperTranscriptionMatchesTheEngine) {
  serve::ServeOptions options = test_serve_options();
  options.served_model_name = "whisper-test";
  options.default_max_tokens = 8;
  auto server = start_server(options, serve_world().whisper);
  auto client = client_for(*server);
  const auto wav = wav_bytes(1.0, 300.0);
  httplib::MultipartFormDataItems form = {
      {"file", std::string(wav.begin(), wav.end()), "clip.wav", "audio/wav"},
      {"model", "whisper-test", "", ""},
      {"language", "en", "", ""}};
  auto result = client->Post("/v1/audio/transcriptions", form);
  ASSERT_TRUE(result);
  ASSERT_EQ(result->status, 200) << result->body;
  const Model& model = *serve_world().whisper;
  const WhisperTokens whisper(model.tokenizer());
  Request request;
  request.prompt_ids = whisper.prompt("en", "transcribe", false);
  AudioLoadOptions load;
  load.target_sample_rate = 16000;
  request.audio.push_back(load_audio_from_memory(wav.data(), wav.size(), load));
  GenerateOptions generate;
  generate.max_new_tokens = 8;
  std::string expected = model.generate(request, generate).text;
  expected.erase(0, expected.find_first_not_of(" \t\n"));
  expected.erase(expected.find_last_not_of(" \t\n") + 1);
  EXPECT_EQ(json::parse(result->body)["text"], expected);
  form.push_back({"response_format", "text", "", ""});
  auto text = client->Post("/v1/audio/transcriptions", form);
  ASSERT_TRUE(text);
  EXPECT_EQ(text->body, expected + "\n");
}

}  // namespace
}  // namespace almkit::test
