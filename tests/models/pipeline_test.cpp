// Runtime behaviour on the Qwen2-Audio fixture: both audio-token conventions, batches of clips
// of different lengths, log-likelihood scoring, seeded sampling and layer hooks.
#include "generate/pipeline.h"

#include <gtest/gtest.h>

#include "almkit/safetensors.h"
#include "models/registry.h"
#include "test_support.h"

namespace almkit {
namespace {

at::Tensor read(const SafetensorsFile& file, const std::string& name) {
  const TensorView& v = file.tensor(name);
  return at::from_blob(const_cast<void*>(v.data), v.shape,
                       at::TensorOptions().dtype(v.dtype == DType::kI64 ? at::kLong : at::kFloat)).clone();
}

class QwenAudioPipeline : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string dir = test::reference_dir() + "/qwen2_audio";
    pipeline_ = std::make_unique<Pipeline>(load_model_parts(dir, {}));
    io_ = SafetensorsFile::open(dir + "/io.safetensors");
    features_ = read(*io_, "input_features");
    ids_ = read(*io_, "input_ids");
  }
  at::Tensor logits(const at::Tensor& ids, const at::Tensor& features, const at::Tensor& lengths,
                    at::Tensor* mask_out = nullptr) {
    const EncodedAudio audio = pipeline_->project(pipeline_->encode(features, lengths));
    nn::KvCache cache = pipeline_->language_model().new_cache();
    const DecoderInput input = pipeline_->prepare(ids, at::Tensor(), &audio, cache);
    if (mask_out) *mask_out = input.attention_mask;
    return pipeline_->language_model().logits(pipeline_->language_model().forward(input, cache, nullptr));
  }
  std::unique_ptr<Pipeline> pipeline_;
  std::shared_ptr<SafetensorsFile> io_;
  at::Tensor features_, ids_;
};

TEST_F(QwenAudioPipeline, RepeatedAudioTokensGiveTheSameLogitsAsOnePerClip) {
  const at::Tensor lengths = at::full({1}, 300, at::kLong);
  const at::Tensor expected = logits(ids_, features_, lengths);
  // transformers >= 4.48 puts 75 placeholders (one per audio frame) in the prompt itself.
  std::vector<int64_t> repeated;
  for (int64_t i = 0; i < ids_.size(1); ++i) {
    const int64_t token = ids_[0][i].item<int64_t>();
    repeated.insert(repeated.end(), token == 251 ? 75 : 1, token);
  }
  const at::Tensor ids = at::tensor(repeated, at::kLong).view({1, -1});
  EXPECT_EQ(at::max(at::abs(logits(ids, features_, lengths) - expected)).item<float>(), 0.f);
  // any other count is an error naming the counts
  const at::Tensor wrong = at::cat({ids, at::full({1, 1}, 251, at::kLong)}, 1);
  EXPECT_ALMKIT_ERROR(logits(wrong, features_, lengths), ErrorCode::kInvalidArgument, "76 audio placeholder");
}

TEST_F(QwenAudioPipeline, BatchOfClipsOfDifferentLengthsMatchesEachAlone) {
  // second clip: the first 1.5 s of the same audio (150 mel frames -> 37 audio tokens)
  at::Tensor short_features = features_.clone();
  short_features.narrow(2, 150, 3000 - 150).zero_();
  const at::Tensor both = at::cat({features_, short_features}, 0);
  const at::Tensor lengths = at::tensor({300, 150}, at::kLong);
  const EncodedAudio encoded = pipeline_->encode(both, lengths);
  EXPECT_EQ(encoded.output_lengths[1].item<int64_t>(), 37);
  const at::Tensor ids = at::cat({ids_, ids_}, 0);
  at::Tensor mask;
  const at::Tensor batched = logits(ids, both, lengths, &mask);
  ASSERT_EQ(batched.size(1), 82);
  EXPECT_EQ(mask[1].sum().item<int64_t>(), 7 + 37);
  const at::Tensor alone_long = logits(ids_, features_, lengths.narrow(0, 0, 1));
  const at::Tensor alone_short = logits(ids_, short_features, lengths.narrow(0, 1, 1));
  EXPECT_LT(at::max(at::abs(batched[0] - alone_long[0])).item<float>(), 1e-4);
  // no prompt row ends in padding, so (as in transformers) the shorter row is padded on the left
  EXPECT_EQ(mask[1].narrow(0, 0, 38).sum().item<int64_t>(), 0);
  EXPECT_LT(at::max(at::abs(batched[1].narrow(0, 38, 44) - alone_short[0])).item<float>(), 1e-4);
}

TEST_F(QwenAudioPipeline, ScoringSumsTheLogProbabilitiesOfAFullForwardPass) {
  const at::Tensor lengths = at::full({1}, 300, at::kLong);
  const EncodedAudio audio = pipeline_->project(pipeline_->encode(features_, lengths));
  nn::KvCache cache = pipeline_->language_model().new_cache();
  const DecoderInput prompt = pipeline_->prepare(ids_, at::Tensor(), &audio, cache);
  const std::vector<std::vector<int64_t>> options = {{17, 42, 9}, {200}, {3, 3}};
  const auto scores = pipeline_->score(prompt, cache, options);
  ASSERT_EQ(scores.size(), 3u);
  for (size_t k = 0; k < options.size(); ++k) {
    std::vector<int64_t> full(ids_.data_ptr<int64_t>(), ids_.data_ptr<int64_t>() + ids_.size(1));
    full.insert(full.end(), options[k].begin(), options[k].end());
    const at::Tensor all = at::log_softmax(logits(at::tensor(full, at::kLong).view({1, -1}), features_, lengths), -1)[0];
    double expected = 0;
    const int64_t start = 82 - 1;  // logits at the last prompt position predict the first option token
    for (size_t i = 0; i < options[k].size(); ++i) expected += all[start + i][options[k][i]].item<double>();
    EXPECT_NEAR(scores[k].sum_logprob, expected, 1e-4) << "option " << k;
    EXPECT_NEAR(scores[k].mean_logprob, expected / options[k].size(), 1e-4);
  }
}

TEST_F(QwenAudioPipeline, SeededSamplingIsReproducibleAndSeedsDiffer) {
  const EncodedAudio audio = pipeline_->project(pipeline_->encode(features_, at::full({1}, 300, at::kLong)));
  auto sample = [&](uint64_t seed) {
    nn::KvCache cache = pipeline_->language_model().new_cache();
    const DecoderInput input = pipeline_->prepare(ids_, at::Tensor(), &audio, cache);
    SamplingOptions options;
    options.greedy = false;
    options.temperature = 1.5;
    options.top_k = 40;
    options.top_p = 0.95;
    options.seed = seed;
    options.max_new_tokens = 12;
    options.stop_token_ids.clear();
    return pipeline_->generate(input, cache, options).tokens[0];
  };
  EXPECT_EQ(sample(7), sample(7));
  EXPECT_NE(sample(7), sample(8));
}

TEST_F(QwenAudioPipeline, AHookThatSteersTheHiddenStateChangesTheOutput) {
  const EncodedAudio audio = pipeline_->project(pipeline_->encode(features_, at::full({1}, 300, at::kLong)));
  auto run = [&](const LayerHook* hook) {
    nn::KvCache cache = pipeline_->language_model().new_cache();
    const DecoderInput input = pipeline_->prepare(ids_, at::Tensor(), &audio, cache);
    return pipeline_->language_model().logits(pipeline_->language_model().forward(input, cache, hook));
  };
  const at::Tensor plain = run(nullptr);
  int calls = 0;
  LayerHook observe{[&](const std::string& stack, int, at::Tensor&, const at::Tensor& attention) {
                      EXPECT_EQ(stack, "decoder");
                      EXPECT_EQ(attention.sizes(), (at::IntArrayRef{1, 4, 82, 82}));
                      ++calls;
                    },
                    true};
  EXPECT_EQ(at::max(at::abs(run(&observe) - plain)).item<float>(), 0.f);
  EXPECT_EQ(calls, 2);
  LayerHook steer{[](const std::string&, int layer, at::Tensor& hidden, const at::Tensor&) {
                    if (layer == 0) hidden = hidden + 0.5;  // a steering vector at layer 0
                  },
                  false};
  EXPECT_GT(at::max(at::abs(run(&steer) - plain)).item<float>(), 1e-2);
}

}  // namespace
}  // namespace almkit
