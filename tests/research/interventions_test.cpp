// Research interventions (src/research): the transformers fixture reproduced, and on every family
// the pipeline runs (Qwen2-Audio, Ultravox, Llama, Whisper; init-model checkpoints with random
// weights) each intervention equals the plain forward with the intervention written out by hand.
#include "research/interventions.h"

#include <c10/core/InferenceMode.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <map>

#include "almkit/audio.h"
#include "almkit/safetensors.h"
#include "models/registry.h"
#include "research/gradients.h"
#include "research/readouts.h"
#include "runtime/reference_check.h"
#include "test_support.h"

namespace almkit::test {
namespace {

using research::Interventions;
using research::Positions;
using research::PromptTensors;

// transformers 4.47.1's interventions fixture (reference README, "Interventions"): hidden states,
// attention, logit lens, steering, patching within 1e-4 x max(1, |ref|) (measured <= 1.5e-6),
// greedy ids identical, gradients within 1e-4 x max |ref| (measured 4e-3 and 8e-3 of that).
TEST(InterventionsFixture, EveryTensorMatchesTransformers) {
  const std::string dir = reference_dir() + "/qwen2_audio";
  const ReferenceReport report = run_reference_check(dir, dir + "/interventions.safetensors", {});
  EXPECT_TRUE(report.unknown.empty())
      << report.unknown.size() << " reference tensors not computed, e.g. "
      << (report.unknown.empty() ? "" : report.unknown[0]);
  EXPECT_GE(report.rows.size(), 22u);
  for (const auto& row : report.rows) {
    EXPECT_TRUE(row.ok) << row.name << ": max|diff| " << row.max_abs_diff << " > " << row.tolerance
                        << " " << row.note;
    const bool gradient = row.name.rfind("grad_", 0) == 0;
    if (row.tolerance > 0 && !gradient) {
      EXPECT_LE(row.max_abs_diff, 1e-5) << row.name;
    }
    if (gradient) {
      EXPECT_LE(row.max_abs_diff, 0.05 * row.tolerance) << row.name;
    }
  }
}

TEST(InterventionsFixture, ReferenceCheckCommandDumpsEveryTensor) {
  const std::string dir = reference_dir() + "/qwen2_audio",
                    dump = temp_dir() + "/interventions.safetensors";
  const auto result = run_cli("reference-check --model " + dir + " --io " + dir +
                              "/interventions.safetensors --dump " + dump);
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("steered_generate_ids"), std::string::npos) << result.output;
  EXPECT_TRUE(file_exists(dump));
}

class InterventionFamily : public ::testing::TestWithParam<std::string> {
 protected:
  static std::string checkpoint(const std::string& arch) {
    static std::map<std::string, std::string> made;
    auto it = made.find(arch);
    if (it != made.end()) return it->second;
    const std::string dir = "/tmp/almkit-test-research-" + arch + "-" + std::to_string(::getpid());
    std::filesystem::remove_all(dir);
    const std::string tokenizer = arch == "qwen2_audio" ? "qwen3" : "llama3";
    const auto result = run_cli("init-model --arch " + arch + " --size small --tokenizer " +
                                data_dir() + "/../tokenizers/" + tokenizer + " -o " + dir);
    EXPECT_EQ(result.exit_code, 0) << result.output;
    static std::vector<std::string> to_remove;
    to_remove.push_back(dir);
    std::atexit([] {
      for (const auto& d : to_remove) std::filesystem::remove_all(d);
    });
    return made[arch] = dir;
  }

  void SetUp() override {
    pipeline_ =
        std::make_unique<Pipeline>(load_model_parts(checkpoint(GetParam()), WeightOptions{}));
  }

  // A prompt of text ids around one audio placeholder (when the family splices audio), with a
  // 1.2 s tone; two rows, the second left-padded by two positions.
  PromptTensors prompt() const {
    const ModelParts& parts = pipeline_->parts();
    PromptTensors p;
    std::vector<int64_t> row0 = {11, 12, 13, 14, 15, 16}, row1 = {0, 0, 21, 22, 23, 24};
    const bool splices = parts.encoder && !pipeline_->language_model().attends_to_audio();
    if (splices) row0[2] = row1[3] = parts.audio_token_id;
    const bool whisper = pipeline_->language_model().attends_to_audio();
    if (whisper) row1 = {21, 22, 23, 24, 25, 26};  // one clip per row, no padding
    std::vector<int64_t> ids = row0;
    ids.insert(ids.end(), row1.begin(), row1.end());
    p.ids = at::tensor(ids, at::kLong).view({2, 6});
    p.attention_mask = at::ones({2, 6}, at::kLong);
    if (!whisper) p.attention_mask[1].narrow(0, 0, 2).zero_();
    if (parts.encoder) {
      std::vector<AudioBuffer> clips;
      for (double hz : {440.0, 660.0}) {
        AudioBuffer tone{16000, 1, {}};
        for (int i = 0; i < 1.2 * 16000; ++i)
          tone.samples.push_back(0.3f * std::sin(2 * M_PI * hz * i / 16000));
        clips.push_back(tone);
      }
      const FeatureBatch batch = parts.encoder->features().extract(clips);
      p.features = at::from_blob(const_cast<float*>(batch.features.values.data()),
                                 batch.features.shape, at::kFloat)
                       .clone();
      p.feature_lengths = at::tensor(batch.valid_frames, at::kLong);
      p.clips_per_row = {1, 1};
    }
    return p;
  }
  int layers() const {
    research::ReadoutOptions count;
    count.layer_outputs = true;
    c10::InferenceMode inference;
    return static_cast<int>(
        research::run_forward(*pipeline_, prompt(), count).decoder_outputs.size());
  }
  std::unique_ptr<Pipeline> pipeline_;
};

double max_diff(const at::Tensor& a, const at::Tensor& b) {
  return (a - b).abs().max().item<double>();
}

// Steering after the last layer, by hand: logits(final_norm(last output + alpha * v x positions)).
TEST_P(InterventionFamily, SteeringEqualsTheLastLayerOutputPlusTheVectorByHand) {
  c10::InferenceMode inference;
  const LanguageModel& lm = pipeline_->language_model();
  const PromptTensors p = prompt();
  research::ReadoutOptions read;
  read.layer_outputs = true;
  const research::ForwardResult plain = research::run_forward(*pipeline_, p, read);
  const int last = static_cast<int>(plain.decoder_outputs.size()) - 1;
  const at::Tensor out = plain.decoder_outputs.at(last);
  const at::Tensor v = at::randn({out.size(2)}, at::TensorOptions().dtype(at::kFloat)) * 0.5;
  const at::Tensor audio = plain.tensors.at("audio_position_mask").to(at::kFloat).unsqueeze(-1);
  at::Tensor last_only = at::zeros_like(audio);
  last_only.select(1, out.size(1) - 1).fill_(1);
  const std::map<Positions, at::Tensor> where = {{Positions::kAll, at::ones_like(audio)},
                                                 {Positions::kAudio, audio},
                                                 {Positions::kText, 1 - audio},
                                                 {Positions::kLast, last_only}};
  for (const auto& [positions, weights] : where) {
    Interventions steer;
    steer.add(research::Steering{"decoder", last, v, 3.0, positions});
    const at::Tensor got = research::run_forward(*pipeline_, p, {}, &steer).logits;
    const at::Tensor by_hand = lm.logits(lm.final_norm(out + 3.0 * v * weights));
    EXPECT_LE(max_diff(got, by_hand), 1e-4) << research::positions_name(positions);
  }
}

// Steering the stack's input (layer -1) = the forward on embeddings + alpha * v; alpha 0 = plain.
TEST_P(InterventionFamily, SteeringTheInputEqualsShiftedEmbeddings) {
  c10::InferenceMode inference;
  const LanguageModel& lm = pipeline_->language_model();
  const PromptTensors p = prompt();
  nn::KvCache cache = lm.new_cache();
  DecoderInput input = research::prepare_prompt(*pipeline_, p, cache);
  const at::Tensor v = at::randn({input.embeddings.size(2)}, at::TensorOptions().dtype(at::kFloat));
  Interventions steer;
  steer.add(research::Steering{"decoder", -1, v, 0.5, Positions::kAll});
  const at::Tensor got = research::run_forward(*pipeline_, p, {}, &steer).logits;
  input.embeddings = input.embeddings + 0.5 * v;
  const at::Tensor by_hand = lm.logits(lm.forward(input, cache, nullptr));
  EXPECT_LE(max_diff(got, by_hand), 1e-4);
  Interventions zero;
  zero.add(research::Steering{"decoder", 0, v, 0.0, Positions::kAll});
  EXPECT_EQ(max_diff(research::run_forward(*pipeline_, p, {}, &zero).logits,
                     research::run_forward(*pipeline_, p, {}).logits),
            0.0);
}

// Patching the last layer's output from another run = where(positions, source, plain) by hand;
// patching a run from itself changes nothing.
TEST_P(InterventionFamily, PatchingEqualsTheSourceOutputSplicedByHand) {
  c10::InferenceMode inference;
  const LanguageModel& lm = pipeline_->language_model();
  const PromptTensors p = prompt();
  PromptTensors other = p;
  if (other.features.defined()) {
    other.features = at::zeros_like(p.features) - 1.5;  // log-mel of near silence
  } else {
    other.ids = other.ids.clone();
    other.ids[0][4] = 40;
  }
  research::ReadoutOptions read;
  read.layer_outputs = true;
  const research::ForwardResult plain = research::run_forward(*pipeline_, p, read);
  const research::ForwardResult source = research::run_forward(*pipeline_, other, read);
  const int last = static_cast<int>(plain.decoder_outputs.size()) - 1;
  const Positions positions = p.features.defined() && plain.input.audio_mask.defined()
                                  ? Positions::kAudio
                                  : Positions::kText;
  Interventions patch;
  patch.add(research::Patch{"decoder", last, source.decoder_outputs.at(last), positions});
  const at::Tensor got = research::run_forward(*pipeline_, p, {}, &patch).logits;
  const at::Tensor weights =
      research::position_weights(positions, plain.input.audio_mask, 2, plain.logits.size(1), true,
                                 at::TensorOptions().dtype(at::kFloat));
  const at::Tensor spliced = at::where(weights.to(at::kBool), source.decoder_outputs.at(last),
                                       plain.decoder_outputs.at(last));
  EXPECT_LE(max_diff(got, lm.logits(lm.final_norm(spliced))), 1e-4);
  EXPECT_GT(max_diff(got, plain.logits), 1e-3);  // the patch did something
  Interventions identity;
  identity.add(research::Patch{"decoder", 0, plain.decoder_outputs.at(0), Positions::kAll});
  EXPECT_LE(max_diff(research::run_forward(*pipeline_, p, {}, &identity).logits, plain.logits),
            1e-5);
}

// Read-outs agree with each other: the logit lens's last layer is the logits, audio and text
// attention shares of the last position sum to 1, hidden_states_L{n} = final_norm(last output).
TEST_P(InterventionFamily, ReadOutsAgreeWithTheForwardPass) {
  c10::InferenceMode inference;
  const PromptTensors p = prompt();
  research::ReadoutOptions read;
  read.logit_lens = read.attention = read.audio_attention_share = true;
  const int n = layers();
  read.decoder_layers = research::all_layers(n);
  const research::ForwardResult result = research::run_forward(*pipeline_, p, read);
  const int64_t s = result.logits.size(1);
  EXPECT_LE(max_diff(result.tensors.at("logit_lens").select(1, n), result.logits.select(1, s - 1)),
            1e-4);
  EXPECT_LE(
      max_diff(result.tensors.at("hidden_states_L" + std::to_string(n)),
               pipeline_->language_model().final_norm(result.tensors.at("lm_last_layer_output"))),
      1e-6);
  ASSERT_TRUE(result.tensors.count("attentions_L0"));
  const at::Tensor rows = result.tensors.at("attentions_L0").sum(-1).select(2, s - 1);
  EXPECT_LE(max_diff(rows, at::ones_like(rows)), 1e-5);
  const at::Tensor share = result.tensors.at("audio_attention_share");
  EXPECT_EQ(share.sizes(), (at::IntArrayRef{2, n, result.tensors.at("attentions_L0").size(1)}));
  EXPECT_GE(share.min().item<double>(), 0.0);
  EXPECT_LE(share.max().item<double>(), 1.0 + 1e-6);
  if (result.input.audio_mask.defined()) {
    EXPECT_GT(share.sum().item<double>(), 0.0);
  }
}

// Steering applies at every generation step: greedy generation with a hook that adds the vector
// by hand (no research code) gives the same tokens as Interventions.
TEST_P(InterventionFamily, SteeredGenerationEqualsAHandWrittenHook) {
  c10::InferenceMode inference;
  const LanguageModel& lm = pipeline_->language_model();
  const PromptTensors p = prompt();
  nn::KvCache probe_cache = lm.new_cache();
  const DecoderInput probe = research::prepare_prompt(*pipeline_, p, probe_cache);
  const at::Tensor v =
      at::randn({probe.embeddings.size(2)}, at::TensorOptions().dtype(at::kFloat)) * 2.0;
  const auto generate = [&](const LayerHook* hook_for, const Interventions* interventions) {
    nn::KvCache cache = lm.new_cache();
    const DecoderInput input = research::prepare_prompt(*pipeline_, p, cache);
    const LayerHook hook = interventions ? interventions->hook(input) : *hook_for;
    SamplingOptions sampling;
    sampling.max_new_tokens = 6;
    sampling.stop_at_eos = false;
    return pipeline_->generate(input, cache, sampling, &hook).tokens;
  };
  LayerHook by_hand;
  by_hand.callback = [&](const std::string& stack, int layer, at::Tensor& hidden,
                         const at::Tensor&) {
    if (stack == "decoder" && layer == 0) hidden = hidden + v;
  };
  Interventions steer;
  steer.add(research::Steering{"decoder", 0, v, 1.0, Positions::kAll});
  EXPECT_EQ(generate(&by_hand, nullptr), generate(nullptr, &steer));
}

// The gradient path (ATen ops under autograd) scores as the inference path (row kernels), and its
// gradient predicts the change of the score along itself (central differences). Whisper and
// Ultravox (80-bin stems) failed here, differently on every run, while libtorch's oneDNN
// convolution backward was on (research/gradients.cpp).
TEST_P(InterventionFamily, FeatureGradientMatchesFiniteDifferences) {
  const PromptTensors p = prompt();
  if (!p.features.defined()) GTEST_SKIP() << "text-only family";
  const at::Tensor targets =
      at::tensor(std::vector<int64_t>{31, 32, 33, 34, 35, 36}, at::kLong).view({2, 3});
  research::TargetScore score;
  const at::Tensor grad = research::feature_gradient(*pipeline_, p, targets, &score);
  ASSERT_TRUE(grad.defined());
  EXPECT_EQ(grad.sizes(), p.features.sizes());
  {
    c10::InferenceMode inference;
    EXPECT_LE(max_diff(research::score_targets(*pipeline_, p, targets).sum, score.sum), 1e-4);
  }
  const at::Tensor direction = grad / grad.norm();
  // a step that moves the score by ~0.05, far above float32 rounding of a score of ~10
  const double eps = std::max(1e-2, 0.05 / grad.norm().item<double>());
  at::NoGradGuard no_grad;
  PromptTensors plus = p, minus = p;
  plus.features = p.features + eps * direction;
  minus.features = p.features - eps * direction;
  const double finite =
      (research::score_targets(*pipeline_, plus, targets).sum.sum().item<double>() -
       research::score_targets(*pipeline_, minus, targets).sum.sum().item<double>()) /
      (2 * eps);
  const double analytic = grad.norm().item<double>();
  EXPECT_NEAR(finite, analytic, 0.03 * analytic) << "finite " << finite << " analytic " << analytic;
}

// A copy of `dir` whose weight `name` [out, heads * head_dim] has the columns of `heads` multiplied
// by `scale`: what ablating those heads before the output projection must equal.
std::string with_scaled_columns(const std::string& dir, const std::string& name, const std::vector<int>& heads,
                                int64_t head_dim, float scale) {
  // a new folder each time: the loader may keep a file it saw at a path
  static int copies = 0;
  const std::string copy = dir + "-scaled" + std::to_string(++copies);
  std::filesystem::remove_all(copy);
  std::filesystem::copy(dir, copy, std::filesystem::copy_options::recursive);
  const std::string weights_path = copy + "/model.safetensors";
  SafetensorsWriter writer;
  {
    const auto file = SafetensorsFile::open(dir + "/model.safetensors");
    for (const std::string& n : file->names()) {
      const TensorView& t = file->tensor(n);
      if (n != name) {
        writer.add(n, t.dtype, t.shape, t.data, t.nbytes);
        continue;
      }
      std::vector<float> values = file->to_float(n);
      const int64_t columns = t.shape.at(1);
      for (int64_t row = 0; row < t.shape.at(0); ++row)
        for (int h : heads)
          for (int64_t c = h * head_dim; c < (h + 1) * head_dim; ++c) values[row * columns + c] *= scale;
      writer.add_f32(n, t.shape, values);
    }
  }
  writer.write(weights_path);
  return copy;
}

// The first weight of the checkpoint whose name ends with one of `suffixes`.
std::string weight_named(const std::string& dir, const std::vector<std::string>& suffixes) {
  const auto file = SafetensorsFile::open(dir + "/model.safetensors");
  for (const std::string& n : file->names())
    for (const std::string& suffix : suffixes)
      if (n.size() >= suffix.size() && n.compare(n.size() - suffix.size(), suffix.size(), suffix) == 0) return n;
  return "";
}

// Head ablation = the same heads' columns of o_proj scaled in the weights (the hand computation):
// zeroing heads 0 and 2 of decoder layer 1 and halving head 1 of layer 0, on the prompt pass
// (ATen attention) and on every greedy step (the one-query decode kernel); the head_outputs
// read-out shows the zeros.
TEST_P(InterventionFamily, HeadAblationEqualsScaledOutputProjectionColumns) {
  c10::InferenceMode inference;
  const std::string dir = checkpoint(GetParam());
  const PromptTensors p = prompt();
  research::ReadoutOptions read;
  read.head_output_layers = {1};
  const research::ForwardResult plain = research::run_forward(*pipeline_, p, read);
  const at::Tensor heads_plain = plain.tensors.at("head_outputs_L1");  // [B, S, heads, head_dim]
  ASSERT_EQ(heads_plain.dim(), 4);
  const int64_t head_dim = heads_plain.size(3);
  Interventions ablate;
  ablate.add(research::HeadAblation{"decoder", 1, {0, 2}, 0.0, at::Tensor()});
  ablate.add(research::HeadAblation{"decoder", 0, {1}, 0.5, at::Tensor()});
  const research::ForwardResult got = research::run_forward(*pipeline_, p, read, &ablate);
  const at::Tensor heads_got = got.tensors.at("head_outputs_L1");
  EXPECT_EQ(heads_got.select(2, 0).abs().max().item<double>(), 0.0);
  EXPECT_EQ(heads_got.select(2, 2).abs().max().item<double>(), 0.0);
  EXPECT_GT(max_diff(got.logits, plain.logits), 1e-3);  // the ablation did something

  const bool whisper = pipeline_->language_model().attends_to_audio();
  const auto o_proj = [&](int layer) {
    const std::string l = "layers." + std::to_string(layer) + ".self_attn.";
    return weight_named(dir, whisper ? std::vector<std::string>{"decoder." + l + "out_proj.weight"}
                                     : std::vector<std::string>{"model." + l + "o_proj.weight"});
  };
  ASSERT_FALSE(o_proj(1).empty());
  const std::string zeroed = with_scaled_columns(dir, o_proj(1), {0, 2}, head_dim, 0.0f);
  const std::string edited = with_scaled_columns(zeroed, o_proj(0), {1}, head_dim, 0.5f);
  const Pipeline by_hand(load_model_parts(edited, WeightOptions{}));
  const at::Tensor expected = research::run_forward(by_hand, p, {}).logits;
  EXPECT_LE(max_diff(got.logits, expected), 1e-4);

  const auto generate = [&](const Pipeline& pipeline, const Interventions* interventions) {
    const LanguageModel& lm = pipeline.language_model();
    nn::KvCache cache = lm.new_cache();
    const DecoderInput input = research::prepare_prompt(pipeline, p, cache);
    const LayerHook hook = interventions ? interventions->hook(input) : LayerHook{};
    SamplingOptions sampling;
    sampling.max_new_tokens = 6;
    sampling.stop_at_eos = false;
    return pipeline.generate(input, cache, sampling, active_hook(hook)).tokens;
  };
  EXPECT_EQ(generate(*pipeline_, &ablate), generate(by_hand, nullptr));
  std::filesystem::remove_all(zeroed);
  std::filesystem::remove_all(edited);
}

// The encoder's heads too: ablating head 1 of encoder layer 0 = its out_proj columns zeroed.
TEST_P(InterventionFamily, EncoderHeadAblationEqualsZeroedOutputProjectionColumns) {
  c10::InferenceMode inference;
  const PromptTensors p = prompt();
  if (!p.features.defined()) GTEST_SKIP() << "text-only family";
  const std::string dir = checkpoint(GetParam());
  const std::string weight = weight_named(dir, {"encoder.layers.0.self_attn.out_proj.weight",
                                                "audio_tower.layers.0.self_attn.out_proj.weight"});
  ASSERT_FALSE(weight.empty());
  int64_t head_dim = 0;
  LayerHook probe;
  probe.heads = [&](const std::string& stack, int layer, at::Tensor& per_head) {
    if (stack == "encoder" && layer == 0) head_dim = per_head.size(3);
  };
  // the clips' real frames (padded frames never reach the language model)
  const auto real = [](const EncodedAudio& e) { return e.hidden.masked_select(e.frame_mask().unsqueeze(-1)); };
  const at::Tensor plain = real(pipeline_->encode(p.features, p.feature_lengths, &probe));
  ASSERT_GT(head_dim, 0);
  Interventions ablate;
  ablate.add(research::HeadAblation{"encoder", 0, {1}, 0.0, at::Tensor()});
  const LayerHook hook = ablate.hook(DecoderInput{});
  const at::Tensor got = real(pipeline_->encode(p.features, p.feature_lengths, &hook));
  const std::string edited = with_scaled_columns(dir, weight, {1}, head_dim, 0.0f);
  const Pipeline by_hand(load_model_parts(edited, WeightOptions{}));
  const at::Tensor expected = real(by_hand.encode(p.features, p.feature_lengths, nullptr));
  EXPECT_LE(max_diff(got, expected), 1e-4);
  EXPECT_GT(max_diff(got, plain), 1e-4);
  std::filesystem::remove_all(edited);
}

// Mean ablation replaces the chosen heads by the given means; bad heads are refused by name.
TEST_P(InterventionFamily, MeanAblationReplacesHeadsAndBadHeadsAreRefused) {
  c10::InferenceMode inference;
  const PromptTensors p = prompt();
  research::ReadoutOptions read;
  read.head_output_layers = {0};
  const at::Tensor heads_plain = research::run_forward(*pipeline_, p, read).tensors.at("head_outputs_L0");
  const at::Tensor mean = heads_plain.mean(at::IntArrayRef{0, 1});  // [heads, head_dim]
  Interventions ablate;
  ablate.add(research::HeadAblation{"decoder", 0, {1}, 0.0, mean});
  const at::Tensor got = research::run_forward(*pipeline_, p, read, &ablate).tensors.at("head_outputs_L0");
  EXPECT_LE(max_diff(got.select(2, 1), mean[1].view({1, 1, -1}).expand_as(got.select(2, 1))), 0.0);
  EXPECT_EQ(max_diff(got.select(2, 0), heads_plain.select(2, 0)), 0.0);
  Interventions bad;
  bad.add(research::HeadAblation{"decoder", 0, {999}, 0.0, at::Tensor()});
  try {
    research::run_forward(*pipeline_, p, {}, &bad);
    ADD_FAILURE() << "head 999 was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no head 999"), std::string::npos) << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(InitModel, InterventionFamily,
                         ::testing::Values("qwen2_audio", "ultravox", "llama", "whisper"));

}  // namespace
}  // namespace almkit::test
