// The research sub-commands on an init-model Qwen2-Audio checkpoint (random weights): inspect,
// steer build, generate --steer and saliency write what docs/research.md says they write.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <numeric>
#include <sstream>

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
  // Two multiple-choice items on the tone (JSONL), for eval and attack --data.
  std::string items() const {
    const std::string path = *dir_ + "/items.jsonl";
    write_file(path,
               "{\"id\": \"a/1\", \"audio\": \"tone.wav\", \"question\": \"Which?\", "
               "\"choices\": [\"a tone\", \"a dog\"], \"answer\": \"a tone\"}\n"
               "{\"id\": \"a2\", \"audio\": \"tone.wav\", \"question\": \"What?\", "
               "\"choices\": [\"music\", \"speech\", \"noise\"], \"answer\": \"noise\"}\n");
    return path;
  }
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

// --ablate-heads zeroes the named heads before o_proj (head_outputs_L1 shows it) and changes the
// logits; a malformed spec is refused naming the item.
TEST_F(ResearchCli, InspectAblatesHeadsAndSavesTheirOutputs) {
  const std::string plain_path = *dir_ + "/plain.safetensors", ablated_path = *dir_ + "/ablated.safetensors";
  const std::string common = "inspect" + model() + audio() + "--prompt 'What is it?' --layers 1 --head-outputs 1 ";
  ASSERT_EQ(run_cli(common + "-o " + plain_path).exit_code, 0);
  const auto ablated = run_cli(common + "--ablate-heads 1:0,1:2 -o " + ablated_path);
  ASSERT_EQ(ablated.exit_code, 0) << ablated.output;
  const auto plain = SafetensorsFile::open(plain_path), got = SafetensorsFile::open(ablated_path);
  const TensorView& heads = got->tensor("head_outputs_L1");
  ASSERT_EQ(heads.shape.size(), 4u);
  EXPECT_EQ(heads.shape[2], 4);  // init-model small: 4 heads of 32
  const std::vector<float> values = got->to_float("head_outputs_L1"), before = plain->to_float("head_outputs_L1");
  double zeroed = 0.0, kept_diff = 0.0, kept = 0.0;
  for (size_t i = 0; i < values.size(); ++i) {
    const int64_t head = static_cast<int64_t>(i / heads.shape[3]) % heads.shape[2];
    if (head == 0 || head == 2) {
      zeroed += std::fabs(values[i]);
    } else {
      kept_diff += std::fabs(values[i] - before[i]);
      kept += std::fabs(before[i]);
    }
  }
  EXPECT_EQ(zeroed, 0.0);
  EXPECT_EQ(kept_diff, 0.0);  // layer 1's own heads are computed before its ablation
  EXPECT_GT(kept, 0.0);
  const std::vector<float> a = plain->to_float("logits"), b = got->to_float("logits");
  double change = 0.0;
  for (size_t i = 0; i < a.size(); ++i) change = std::max(change, double(std::fabs(a[i] - b[i])));
  EXPECT_GT(change, 1e-4);
  const auto bad = run_cli(common + "--ablate-heads 1:x -o " + ablated_path);
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.output.find("head '1:x'"), std::string::npos) << bad.output;
}

// eval --steer: recorded in run.json; a steered run does not reuse the plain run's cached answers
// (its cache key differs), a second steered run reuses its own.
TEST_F(ResearchCli, EvalWithASteeringVectorIsRecordedAndCachedApart) {
  research::SteeringVector vector;
  vector.layer = 0;
  vector.values.assign(128, 0.5f);
  vector.provenance = "{\"test\": true}";
  const std::string vector_path = *dir_ + "/eval_vector.safetensors";
  vector.save(vector_path);
  const std::string run = *dir_ + "/eval_run";
  const std::string common = "eval" + model() + "--bench jsonl --data " + items() + " --mode loglik " +
                             "--no-silent-baseline --quiet --out " + run;
  const auto plain = run_cli(common);
  ASSERT_EQ(plain.exit_code, 0) << plain.output;
  const auto steered = run_cli(common + " --steer " + vector_path + " --alpha 3");
  ASSERT_EQ(steered.exit_code, 0) << steered.output;
  EXPECT_NE(steered.output.find("0 from the cache, 2 run"), std::string::npos) << steered.output;
  const std::string record = read_file(run + "/run.json");
  EXPECT_NE(record.find("\"steer\""), std::string::npos) << record;
  EXPECT_NE(record.find("\"alpha\": 3"), std::string::npos) << record;
  const auto again = run_cli(common + " --steer " + vector_path + " --alpha 3");
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_NE(again.output.find("2 from the cache"), std::string::npos) << again.output;
  const auto remote = run_cli(common + " --steer " + vector_path + " --backend openai --endpoint http://127.0.0.1:9");
  EXPECT_NE(remote.exit_code, 0);
  EXPECT_NE(remote.output.find("--steer"), std::string::npos) << remote.output;
}

// attack --data: every item attacked within the SNR budget, accuracy before / after from the
// per-item records; a run missing an item (stopped) redoes only that item; other settings in the
// same folder are refused.
TEST_F(ResearchCli, AttackOverADataSetReportsAccuracyAndResumes) {
  const std::string out = *dir_ + "/attack_run";
  const std::string command = "attack" + model() + "--data " + items() + " --waveform --snr 30 " +
                              "--steps 2 -o " + out;
  const auto first = run_cli(command);
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_NE(first.output.find("over 2 items"), std::string::npos) << first.output;
  const auto lines = [&] {
    std::vector<std::string> out_lines;
    std::istringstream in(read_file(out + "/results.jsonl"));
    for (std::string line; std::getline(in, line);)
      if (!line.empty()) out_lines.push_back(line);
    return out_lines;
  };
  const std::vector<std::string> records = lines();
  ASSERT_EQ(records.size(), 2u);
  int correct_before = 0, perturbed = 0;
  for (const auto& line : records) {
    const auto record = nlohmann::json::parse(line);
    // an item no step helped keeps its clean clip (best iterate): L-inf 0, SNR null
    if (record["linf"].get<double>() > 0) {
      ++perturbed;
      EXPECT_GE(record["snr_db"].get<double>(), 29.9) << line;
    } else {
      EXPECT_TRUE(record["snr_db"].is_null()) << line;
    }
    EXPECT_LE(record["target_logprob_after"].get<double>(), record["target_logprob_before"].get<double>()) << line;
    correct_before += record["correct_before"].get<bool>();
    EXPECT_TRUE(file_exists(out + "/" + record["wav"][0].get<std::string>())) << line;
  }
  const auto summary = nlohmann::json::parse(read_file(out + "/summary.json"));
  EXPECT_DOUBLE_EQ(summary["accuracy_before"].get<double>(), correct_before / 2.0);
  EXPECT_EQ(summary["items"].get<int>(), 2);
  EXPECT_GE(perturbed, 1);
  EXPECT_EQ(summary["perturbed_items"].get<int>(), perturbed);
  write_file(out + "/results.jsonl", records[0] + "\n{\"id\": \"a2\", \"corr");  // stopped mid-line
  const auto resumed = run_cli(command);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_EQ(resumed.output.find("a/1:"), std::string::npos) << resumed.output;  // not redone
  EXPECT_NE(resumed.output.find("a2:"), std::string::npos) << resumed.output;
  ASSERT_EQ(lines().size(), 3u);  // the first, the broken half line, the redone second
  EXPECT_EQ(lines()[0], records[0]);
  const auto other = run_cli("attack" + model() + "--data " + items() + " --waveform --snr 20 -o " + out);
  EXPECT_NE(other.exit_code, 0);
  EXPECT_NE(other.output.find("attack.json holds a run with other settings"), std::string::npos) << other.output;
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
