// Every family `almkit init-model` can write (random weights, real vocabularies from
// .cache/tokenizers with each family's tokens and chat template) runs through every entry point:
// the CLI's generate and eval, the Model API (a batch answers as each request alone) and
// `almkit serve`.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "almkit/model.h"
#include "almkit/tokenizer.h"
#include "serve/serve_fixture.h"
#include "test_support.h"

namespace almkit::test {
namespace {

using nlohmann::json;

struct Family {
  std::string arch, tokenizer;
  bool takes_audio;
  std::string turn_start, audio_marker;  // what its chat template writes
};

std::ostream& operator<<(std::ostream& out, const Family& family) { return out << family.arch; }

class ModelFamily : public ::testing::TestWithParam<Family> {
 protected:
  // One checkpoint per architecture per test process.
  static const std::string& checkpoint(const Family& family) {
    static std::map<std::string, std::string> made;
    auto it = made.find(family.arch);
    if (it != made.end()) return it->second;
    const std::string dir = "/tmp/almkit-test-family-" + family.arch + "-" + std::to_string(::getpid());
    std::filesystem::remove_all(dir);
    const auto result = run_cli("init-model --arch " + family.arch + " --size small --tokenizer " + data_dir() +
                                "/../tokenizers/" + family.tokenizer + " -o " + dir);
    EXPECT_EQ(result.exit_code, 0) << result.output;
    static std::vector<std::string> to_remove;
    to_remove.push_back(dir);
    std::atexit([] {
      for (const auto& d : to_remove) std::filesystem::remove_all(d);
    });
    return made[family.arch] = dir;
  }
  static const std::string& checkpoint() { return checkpoint(GetParam()); }
  bool takes_audio() const { return GetParam().takes_audio; }
  std::string user_turn(const std::string& text) const {
    json content = json::array();
    if (takes_audio()) content.push_back({{"type", "audio"}});
    content.push_back({{"type", "text"}, {"text", text}});
    return json::array({{{"role", "user"}, {"content", content}}}).dump();
  }
  Request ask(const Model& model, const std::string& text, double seconds = 1.5, double hz = 440.0) const {
    Request request;
    request.prompt = model.chat_prompt(user_turn(text), true);
    if (takes_audio()) {
      AudioBuffer tone{16000, 1, {}};
      for (int i = 0; i < seconds * 16000; ++i) tone.samples.push_back(0.3f * std::sin(2 * M_PI * hz * i / 16000));
      request.audio.push_back(tone);
    }
    return request;
  }
};

TEST_P(ModelFamily, ChatTemplateAndConfigComeFromTheFamilysRecipe) {
  auto model = Model::load(checkpoint());
  EXPECT_EQ(model->model_type(), GetParam().arch);
  const std::string prompt = model->chat_prompt(user_turn("Hi"), true);
  EXPECT_NE(prompt.find(GetParam().turn_start), std::string::npos) << prompt;
  EXPECT_EQ(model->accepts_audio(), takes_audio());
  if (takes_audio()) {
    EXPECT_NE(prompt.find(GetParam().audio_marker), std::string::npos) << prompt;
    // One placeholder token in the prompt, its id the one the config names.
    const std::vector<int32_t> ids = model->tokenizer().encode(prompt, false);
    EXPECT_EQ(std::count(ids.begin(), ids.end(), static_cast<int32_t>(model->audio_token_id())), 1) << prompt;
  }
}

TEST_P(ModelFamily, BatchedGreedyAnswersEqualEachRequestAlone) {
  auto model = Model::load(checkpoint());
  GenerateOptions options;
  options.max_new_tokens = 6;
  // Different lengths of text and audio, so rows are padded differently.
  const std::vector<Request> requests = {ask(*model, "What do you hear?", 1.5, 440.0),
                                         ask(*model, "Describe it in one long sentence please.", 3.2, 880.0)};
  const auto batch = model->generate_batch(requests, options);
  ASSERT_EQ(batch.size(), 2u);
  for (size_t r = 0; r < requests.size(); ++r) {
    const GenerateResult alone = model->generate(requests[r], options);
    EXPECT_FALSE(batch[r].error.has_value());
    EXPECT_EQ(batch[r].tokens, alone.tokens) << "row " << r;
    EXPECT_EQ(batch[r].prompt_tokens, alone.prompt_tokens);
    EXPECT_EQ(alone.tokens.size(), 6u);
  }
  if (takes_audio()) {
    // The one placeholder became the clip's projected rows; without its clip it is refused.
    Request only_text = requests[0];
    only_text.audio.clear();
    const int64_t text_tokens = static_cast<int64_t>(model->tokenizer().encode(requests[0].prompt, false).size());
    EXPECT_GT(model->generate(requests[0], options).prompt_tokens, text_tokens);
    EXPECT_ALMKIT_ERROR(model->generate(only_text, options), ErrorCode::kInvalidArgument, "placeholder");
  }
  const auto scores = model->score(requests[0], {" yes", " no"});
  ASSERT_EQ(scores.size(), 2u);
  EXPECT_LT(scores[0].sum_logprob, 0.0);
}

TEST_P(ModelFamily, GenerateAndEvalRunFromTheCommandLine) {
  const std::string dir = temp_dir();
  const std::string audio = takes_audio() ? " --audio " + data_dir() + "/jfk.wav" : "";
  const auto generated =
      run_cli("generate --model " + checkpoint() + audio + " --prompt 'Say hi.' --max-new-tokens 4");
  ASSERT_EQ(generated.exit_code, 0) << generated.output;
  EXPECT_NE(generated.output.find("4 new tokens"), std::string::npos) << generated.output;
  if (!takes_audio()) return;  // the perception suite asks about audio
  const auto synth = run_cli("synth --suite perception --n 4 --seed 1 -o " + dir + "/suite");
  ASSERT_EQ(synth.exit_code, 0) << synth.output;
  const auto eval = run_cli("eval --model " + checkpoint() + " --bench perception --data " + dir +
                            "/suite/perception.json --out " + dir + "/run --mode loglik --quiet --threads 1");
  ASSERT_EQ(eval.exit_code, 0) << eval.output;
  // 4 items x (1 presentation + silent audio), each prompt with the Llama-3 turn and the placeholder.
  std::ifstream results(dir + "/run/results.jsonl");
  int rows = 0;
  for (std::string line; std::getline(results, line); ++rows) {
    const json record = json::parse(line);
    EXPECT_NE(record["prompt"].get<std::string>().find(GetParam().audio_marker), std::string::npos);
  }
  EXPECT_EQ(rows, 8);
  EXPECT_TRUE(file_exists(dir + "/run/report.html"));
}

TEST_P(ModelFamily, ServeAnswersAsTheEngine) {
  std::shared_ptr<const Model> model = Model::load(checkpoint());
  auto server = start_server(test_serve_options(), model);
  auto client = client_for(*server);
  json content = json::array();
  if (takes_audio()) {
    content.push_back({{"type", "input_audio"}, {"input_audio", {{"data", wav_base64(1.5)}, {"format", "wav"}}}});
  }
  content.push_back({{"type", "text"}, {"text", "What do you hear?"}});
  int status = 0;
  const json reply = post_json(*client, "/v1/chat/completions",
                               {{"messages", {{{"role", "user"}, {"content", content}}}},
                                {"temperature", 0},
                                {"max_tokens", 5}},
                               status);
  ASSERT_EQ(status, 200) << reply.dump();
  GenerateOptions options;
  options.max_new_tokens = 5;
  const GenerateResult engine = model->generate(ask(*model, "What do you hear?", 1.5), options);
  EXPECT_EQ(reply["choices"][0]["message"]["content"], engine.text);
  EXPECT_EQ(reply["usage"]["completion_tokens"], 5);
}

INSTANTIATE_TEST_SUITE_P(
    InitModel, ModelFamily,
    ::testing::Values(
        Family{"llama", "llama3", false, "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>", ""},
        Family{"ultravox", "llama3", true, "<|start_header_id|>user<|end_header_id|>\n\n<|audio|>", "<|audio|>"},
        Family{"qwen2_5_omni_thinker", "qwen3", true, "<|im_start|>system\nYou are Qwen",
               "<|audio_bos|><|AUDIO|><|audio_eos|>"},
        Family{"voxtral", "llama3", true, "[INST][BEGIN_AUDIO][AUDIO]", "[BEGIN_AUDIO][AUDIO]"},
        Family{"audioflamingo3", "qwen3", true, "<|im_start|>user\n<sound>", "<sound>"},
        Family{"granite_speech", "llama3", true, "<|start_of_role|>user<|end_of_role|><|audio|>", "<|audio|>"}),
    [](const ::testing::TestParamInfo<Family>& info) { return info.param.arch; });

}  // namespace
}  // namespace almkit::test

namespace almkit::test {
namespace {

TEST(ModelFamilies, CheckpointsWithoutALanguageModelAreRefusedClearly) {
  // A Q-Former bridge alone: reference-check runs it, Model::load (generate, eval, serve) says why not.
  EXPECT_ALMKIT_ERROR(Model::load(reference_dir() + "/qformer"), ErrorCode::kUnsupported, "has no language model");
}

}  // namespace
}  // namespace almkit::test

namespace almkit::test {
namespace {

TEST(ModelFamilies, MalformedChatMessagesAreAFormatError) {
  auto model = Model::load(reference_dir() + "/qwen2", ModelOptions{"cpu", "float32", 0, false});
  // A number beyond a double is nlohmann's out_of_range, not a parse error: still almkit's error.
  EXPECT_ALMKIT_ERROR(model->chat_prompt(R"([{"role": "user", "content": 1e999}])", true), ErrorCode::kInvalidFormat,
                      "not valid JSON");
  EXPECT_ALMKIT_ERROR(model->chat_prompt("[{", true), ErrorCode::kInvalidFormat, "not valid JSON");
}

}  // namespace
}  // namespace almkit::test
