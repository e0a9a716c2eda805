// The research sub-commands on an init-model Qwen2-Audio checkpoint (random weights): inspect,
// steer build, generate --steer and saliency write what docs/research.md says they write.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <numeric>

#include "almkit/audio.h"
#include "almkit/model.h"
#include "almkit/research.h"
#include "almkit/safetensors.h"
#include "test_support.h"

namespace almkit::test {
namespace {

class ResearchCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string("/tmp/almkit-test-research-cli-" + std::to_string(::getpid()));
    std::filesystem::remove_all(*dir_);
    std::filesystem::create_directories(*dir_);
    const auto made = run_cli("init-model --arch qwen2_audio --size small --tokenizer " +
                              data_dir() + "/../tokenizers/qwen3 -o " + *dir_ + "/model");
    ASSERT_EQ(made.exit_code, 0) << made.output;
    AudioBuffer tone{16000, 1, {}};
    for (int i = 0; i < 16000; ++i)
      tone.samples.push_back(0.3f * std::sin(2 * M_PI * 440.0 * i / 16000));
    write_wav(*dir_ + "/tone.wav", tone);
  }
  static void TearDownTestSuite() {
    std::filesystem::remove_all(*dir_);
    delete dir_;
  }
  static std::string* dir_;
  std::string model() const { return " --model " + *dir_ + "/model "; }
  std::string audio() const { return " --audio " + *dir_ + "/tone.wav "; }
};
std::string* ResearchCli::dir_ = nullptr;

TEST_F(ResearchCli, InspectWritesHiddenStatesAttentionAndTheLogitLens) {
  const std::string out = *dir_ + "/inspect.safetensors";
  const auto result = run_cli("inspect" + model() + audio() +
                              "--prompt 'What is it?' --attention --logit-lens -o " + out);
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const auto file = SafetensorsFile::open(out);
  for (const char* name :
       {"hidden_states_L0", "hidden_states_L2", "lm_last_layer_output", "encoder_hidden_states_L0",
        "encoder_hidden_states_L2", "attentions_L1", "audio_attention_share", "logit_lens",
        "audio_position_mask", "logits", "input_ids"}) {
    EXPECT_TRUE(file->contains(name)) << name;
  }
  EXPECT_EQ(file->tensor("audio_attention_share").shape, (std::vector<int64_t>{1, 2, 4}));
  EXPECT_EQ(file->tensor("logit_lens").shape.at(1), 3);
  const auto chosen =
      run_cli("inspect" + model() + audio() + "--prompt 'What is it?' --layers 1 -o " + out);
  ASSERT_EQ(chosen.exit_code, 0) << chosen.output;
  EXPECT_TRUE(SafetensorsFile::open(out)->contains("hidden_states_L1"));
  EXPECT_FALSE(SafetensorsFile::open(out)->contains("hidden_states_L0"));
}

TEST_F(ResearchCli, SteerBuildThenGenerateWithTheVector) {
  write_file(*dir_ + "/positive.jsonl",
             "{\"prompt\": \"Describe it happily.\", \"audio\": \"tone.wav\"}\n"
             "{\"prompt\": \"I love this!\"}\n");
  write_file(*dir_ + "/negative.jsonl",
             "{\"prompt\": \"Describe it sadly.\", \"audio\": \"tone.wav\"}\n"
             "{\"prompt\": \"I hate this.\"}\n");
  const std::string vector_path = *dir_ + "/vector.safetensors";
  const auto built =
      run_cli("steer build" + model() + "--positive " + *dir_ + "/positive.jsonl --negative " +
              *dir_ + "/negative.jsonl --layer 1 -o " + vector_path);
  ASSERT_EQ(built.exit_code, 0) << built.output;
  const research::SteeringVector vector = research::SteeringVector::load(vector_path);
  EXPECT_EQ(vector.layer, 1);
  EXPECT_EQ(vector.values.size(), 128u);
  EXPECT_NE(vector.provenance.find("mean difference"), std::string::npos) << vector.provenance;
  const auto steered =
      run_cli("generate" + model() + audio() +
              "--prompt 'What is it?' --max-new-tokens 4 --steer " + vector_path + " --alpha 200");
  ASSERT_EQ(steered.exit_code, 0) << steered.output;
  EXPECT_NE(steered.output.find("[steering: "), std::string::npos) << steered.output;
  // The same through the library: alpha 0 leaves the answer, a large alpha changes it.
  const auto loaded = Model::load(*dir_ + "/model");
  Request request;
  request.prompt_ids = {1, 2, static_cast<int32_t>(loaded->audio_token_id()), 3, 4};
  request.audio = {load_audio(*dir_ + "/tone.wav")};
  GenerateOptions options;
  options.max_new_tokens = 6;
  const auto plain = loaded->generate(request, options).tokens;
  options.hooks = research::steering_hooks(vector, 0.0);
  EXPECT_EQ(loaded->generate(request, options).tokens, plain);
  options.hooks = research::steering_hooks(
      vector,
      500.0 / (1e-6 + std::sqrt(std::inner_product(vector.values.begin(), vector.values.end(),
                                                   vector.values.begin(), 0.0))));
  EXPECT_NE(loaded->generate(request, options).tokens, plain);
}

TEST_F(ResearchCli, SaliencyWritesFeatureAndWaveformGradients) {
  const std::string out = *dir_ + "/saliency.safetensors";
  const auto result = run_cli("saliency" + model() + audio() +
                              "--prompt 'What is it?' --target 'a tone' --waveform -o " + out);
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("most salient frames"), std::string::npos) << result.output;
  const auto file = SafetensorsFile::open(out);
  EXPECT_EQ(file->tensor("grad_input_features").shape, (std::vector<int64_t>{1, 128, 3000}));
  EXPECT_EQ(file->tensor("grad_waveform_0").shape, (std::vector<int64_t>{16000}));
  const std::vector<float> grad = file->to_float("grad_input_features");
  double beyond = 0.0, inside = 0.0;  // 1 s = 100 frames; the gradient stops a frame or two after
  for (int64_t bin = 0; bin < 128; ++bin) {
    for (int64_t f = 0; f < 3000; ++f)
      (f < 102 ? inside : beyond) += std::fabs(grad[bin * 3000 + f]);
  }
  EXPECT_GT(inside, 0.0);
  EXPECT_EQ(beyond, 0.0);
}

TEST_F(ResearchCli, AttackLowersTheAnswerWithinItsBudget) {
  const std::string wav = *dir_ + "/attacked.wav";
  const auto result = run_cli("attack" + model() + audio() +
                              "--prompt 'What is it?' --waveform --snr 30 --steps 3 "
                              "--max-new-tokens 3 -o " +
                              wav);
  ASSERT_EQ(result.exit_code, 0) << result.output;
  double clean = 0, attacked = 0, snr = 0;
  ASSERT_EQ(std::sscanf(result.output.substr(result.output.find("log P(target): ")).c_str(),
                        "log P(target): %lf -> %lf", &clean, &attacked),
            2)
      << result.output;
  EXPECT_LE(attacked, clean);
  ASSERT_EQ(std::sscanf(result.output.substr(result.output.find("perturbation SNR")).c_str(),
                        "perturbation SNR %lf", &snr),
            1);
  EXPECT_GE(snr, 29.9);
  EXPECT_EQ(load_audio(wav).samples.size(), 16000u);
  research::AttackOptions features;
  features.epsilon = 0.05;
  features.steps = 2;
  const auto loaded = Model::load(*dir_ + "/model");
  Request request;
  request.prompt_ids = {1, 2, static_cast<int32_t>(loaded->audio_token_id()), 3, 4};
  request.audio = {load_audio(*dir_ + "/tone.wav")};
  const research::AttackResult on_features =
      research::attack(*loaded, request, {5, 6, 7}, features);
  EXPECT_LE(on_features.attacked_logprob, on_features.clean_logprob);
  EXPECT_EQ(on_features.feature_shape, (std::vector<int64_t>{1, 128, 3000}));
}

}  // namespace
}  // namespace almkit::test
