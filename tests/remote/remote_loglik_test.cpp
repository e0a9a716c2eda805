// Log-likelihood mode through a remote server: vLLM's prompt_logprobs on chat requests (audio
// included), OpenAI's echoed completion logprobs for text prompts, and a clear stop where the
// server returns neither.
#include <gtest/gtest.h>

#include <filesystem>

#include "almkit/eval.h"
#include "bench/runner/backend.h"
#include "bench/runner/unit.h"
#include "remote/mock_openai_server.h"
#include "remote_fixture.h"

namespace almkit::test {
namespace {

using json = nlohmann::json;

// A made-up log-probability per character of a choice, so that choices differ.
double char_logprob(const std::string& choice) {
  return -0.1 * double(choice.size() % 5 + 1);
}

// prompt_logprobs as vLLM returns them for a chat request ending in an open assistant turn:
// a few template tokens, then one token per character of the choice.
json vllm_prompt_logprobs(const std::string& choice) {
  json list = json::array({nullptr});
  list.push_back({{"151644", {{"logprob", -3.0}, {"rank", 9}, {"decoded_token", "<|im_start|>"}}}});
  list.push_back({{"77091", {{"logprob", -0.5}, {"rank", 1}, {"decoded_token", "assistant\n"}}}});
  for (char c : choice) {
    list.push_back({{"1", {{"logprob", char_logprob(choice)}, {"rank", 1},
                           {"decoded_token", std::string(1, c)}}}});
  }
  return list;
}

TEST(RemoteLoglik, ScoresEachShownChoiceFromChatPromptLogprobs) {
  const auto& suite = remote_suite();
  MockOpenAiServer server([](const json& request, int) {
    const json& last = request["messages"].back();
    MockReply reply;
    reply.extra = {{"prompt_logprobs", vllm_prompt_logprobs(last["content"].get<std::string>())}};
    return reply;
  });
  const std::string out = temp_dir() + "/run";
  auto options = remote_options(suite.data, out, server.url());
  options.mode = "loglik";
  options.limit = 3;
  options.silent_baseline = false;
  const auto outcome = bench::run_eval(options);
  ASSERT_TRUE(outcome.complete);
  int64_t expected_requests = 0;
  for (const json& record : read_jsonl(out + "/results.jsonl")) {
    const auto& choices = record["choices"];
    ASSERT_EQ(record["scores"].size(), choices.size());
    expected_requests += static_cast<int64_t>(choices.size());
    size_t best = 0;
    for (size_t c = 0; c < choices.size(); ++c) {
      const std::string choice = choices[c];
      EXPECT_EQ(record["scores"][c]["tokens"], choice.size());
      EXPECT_NEAR(record["scores"][c]["mean_logprob"].get<double>(), char_logprob(choice), 1e-12);
      if (char_logprob(choice) > char_logprob(choices[best])) best = c;
    }
    EXPECT_EQ(record["chosen_position"], best);
    EXPECT_GT(record["audio_seconds"].get<double>(), 0.0);
  }
  EXPECT_EQ(server.requests(), expected_requests);
  for (const json& body : server.bodies()) {
    EXPECT_EQ(body["prompt_logprobs"], 0);
    EXPECT_EQ(body["continue_final_message"], true);
    EXPECT_EQ(body["add_generation_prompt"], false);
    EXPECT_EQ(body["messages"].back()["role"], "assistant");
    EXPECT_EQ(body["messages"][0]["content"][0]["type"], "input_audio");
  }
}

TEST(RemoteLoglik, StopsWithAClearErrorWhenTheServerReturnsNoPromptLogprobs) {
  const auto& suite = remote_suite();
  MockOpenAiServer server;  // plain chat answers
  auto options = remote_options(suite.data, temp_dir() + "/run", server.url());
  options.mode = "loglik";
  options.limit = 2;
  options.concurrency = 1;
  EXPECT_ALMKIT_ERROR(bench::run_eval(options), ErrorCode::kUnsupported,
                      "returned no prompt_logprobs: this server cannot score choices");
  EXPECT_LE(server.requests(), 2);  // stops at the first unit
}

// A tokenizer folder with a ChatML template (GPT-2's vocabulary: small and quick to load).
std::string chatml_tokenizer_dir() {
  const std::string dir = temp_dir() + "/tokenizer";
  std::filesystem::create_directories(dir);
  for (const char* name : {"vocab.json", "merges.txt"}) {
    std::filesystem::copy_file(data_dir() + "/../tokenizers/gpt2/" + name, dir + "/" + name);
  }
  write_file(dir + "/chat_template.jinja",
             "{% for message in messages %}<|im_start|>{{ message['role'] }}\n"
             "{% if message['content'] is string %}{{ message['content'] }}{% else %}"
             "{% for part in message['content'] %}{% if part['type'] == 'text' %}{{ part['text'] }}"
             "{% endif %}{% endfor %}{% endif %}<|im_end|>\n{% endfor %}"
             "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}");
  return dir;
}

TEST(RemoteLoglik, CompletionsRefuseAudioAndNeedATokenizer) {
  const auto& suite = remote_suite();
  MockOpenAiServer server;
  auto options = remote_options(suite.data, temp_dir() + "/run", server.url());
  options.mode = "loglik";
  options.loglik_api = "completions";
  EXPECT_ALMKIT_ERROR(bench::run_eval(options), ErrorCode::kInvalidArgument, "--tokenizer DIR");
  options.tokenizer_dir = chatml_tokenizer_dir();
  EXPECT_ALMKIT_ERROR(bench::run_eval(options), ErrorCode::kUnsupported,
                      "/v1/completions carries no audio");
  EXPECT_EQ(server.requests(), 0);
}

TEST(RemoteLoglik, ScoresTextPromptsThroughEchoedCompletionLogprobs) {
  // OpenAI's legacy answer: the echoed prompt's tokens with their text offsets (here one per
  // character), then the one generated token.
  MockOpenAiServer server([](const json& request, int) {
    const std::string prompt = request["prompt"];
    json tokens = json::array(), values = json::array(), offsets = json::array();
    for (size_t i = 0; i < prompt.size(); ++i) {
      tokens.push_back(std::string(1, prompt[i]));
      values.push_back(i == 0 ? json(nullptr) : json(-0.01 * double(i % 3)));
      offsets.push_back(i);
    }
    tokens.push_back("!");
    values.push_back(-9.0);
    offsets.push_back(prompt.size());
    MockReply reply;
    reply.extra = {{"choices",
                    {{{"index", 0},
                      {"text", prompt + "!"},
                      {"logprobs",
                       {{"tokens", tokens}, {"token_logprobs", values}, {"text_offset", offsets}}},
                      {"finish_reason", "length"}}}}};
    return reply;
  });
  bench::EvalOptions options = remote_options("", "", server.url());
  options.mode = "loglik";
  options.loglik_api = "completions";
  options.tokenizer_dir = chatml_tokenizer_dir();
  const auto backend = bench::make_eval_backend(options);
  bench::BenchItem item;
  item.id = "text-only";
  item.question = "Which is a colour?";
  item.choices = {"red", "table"};
  item.answer = "red";
  bench::UnitPlan plan;
  plan.shown_choices = item.choices;
  plan.prompt = backend->prompt(
      R"([{"role": "user", "content": [{"type": "text", "text": "Which is a colour?"}]}])", item,
      {});
  // The served model's own chat template, with the assistant turn opened.
  EXPECT_NE(plan.prompt.find("<|im_start|>user\nWhich is a colour?<|im_end|>"), std::string::npos);
  EXPECT_EQ(plan.prompt.rfind("<|im_start|>assistant\n"),
            plan.prompt.size() - std::string("<|im_start|>assistant\n").size());
  const bench::BackendAnswer answer = backend->score({options, item, plan});
  ASSERT_EQ(answer.scores.size(), 2u);
  for (size_t c = 0; c < 2; ++c) {
    const std::string& choice = item.choices[c];
    double sum = 0.0;
    for (size_t i = plan.prompt.size(); i < plan.prompt.size() + choice.size(); ++i)
      sum += -0.01 * double(i % 3);
    EXPECT_EQ(answer.scores[c].tokens, int64_t(choice.size()));
    EXPECT_NEAR(answer.scores[c].sum_logprob, sum, 1e-12);
  }
  ASSERT_EQ(server.bodies().size(), 2u);
  const json body = server.bodies()[0];
  EXPECT_EQ(body["echo"], true);
  EXPECT_EQ(body["logprobs"], 1);
  EXPECT_EQ(body["max_tokens"], 1);
  EXPECT_EQ(body["prompt"], plan.prompt + "red");
}

}  // namespace
}  // namespace almkit::test
