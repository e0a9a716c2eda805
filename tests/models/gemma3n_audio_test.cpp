// Gemma 3n's audio path: a whole Gemma3nForConditionalGeneration folder loads as its audio
// tower and embedder, and the family's own front end lays out its frames as upstream does.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "almkit/safetensors.h"
#include "io/json_file.h"
#include "models/registry.h"
#include "runtime/reference_check.h"
#include "test_support.h"

namespace almkit {
namespace {

std::string fixture_dir() {
  return test::reference_dir() + "/../hf-transformers-4.57.6/gemma3n_audio";
}

// The fixture's weights and audio config inside a full Gemma3nConfig, with tensors of the text
// LM and the vision tower beside them (which the audio path leaves alone).
std::string write_full_gemma3n_folder() {
  const std::string dir = test::temp_dir();
  const nlohmann::json fixture = read_json_file(fixture_dir() + "/config.json");
  nlohmann::json config = {{"model_type", "gemma3n"},
                           {"architectures", {"Gemma3nForConditionalGeneration"}},
                           {"audio_config", fixture["audio_config"]},
                           {"text_config", {{"model_type", "gemma3n_text"}, {"hidden_size", 48}}},
                           {"vision_config", {{"model_type", "gemma3n_vision"}}}};
  test::write_file(dir + "/config.json", config.dump(1));
  auto weights = SafetensorsFile::open(fixture_dir() + "/model.safetensors");
  SafetensorsWriter writer;
  for (const auto& name : weights->names()) {
    const TensorView& view = weights->tensor(name);
    writer.add(name, view.dtype, view.shape, view.data, view.nbytes);
  }
  writer.add_f32("model.language_model.embed_tokens.weight", {2, 48}, std::vector<float>(96, 0.5f));
  writer.add_f32("model.vision_tower.timm_model.conv_stem.conv.weight", {2}, {1.f, 2.f});
  writer.add_f32("model.embed_vision.embedding.weight", {2}, {1.f, 2.f});
  writer.write(dir + "/model.safetensors");
  return dir;
}

TEST(Gemma3nAudio, AFullGemma3nFolderLoadsItsAudioPathAndMatchesTheFixture) {
  const std::string dir = write_full_gemma3n_folder();
  const ModelParts parts = load_model_parts(dir, WeightOptions{});
  EXPECT_EQ(parts.model_type, "gemma3n");
  ASSERT_TRUE(parts.encoder);
  ASSERT_TRUE(parts.projector);
  EXPECT_FALSE(parts.language_model);  // the Gemma 3n text LM is not implemented
  EXPECT_EQ(parts.encoder->features().kind(), "gemma3n-audio-mel");

  const ReferenceReport report = run_reference_check(dir, fixture_dir() + "/io.safetensors", {});
  EXPECT_TRUE(report.ok());
  EXPECT_EQ(report.rows.size(), 4u);
  for (const auto& row : report.rows) EXPECT_TRUE(row.ok) << row.name << ": " << row.max_abs_diff;
}

TEST(Gemma3nAudio, FrontEndPadsToAMultipleOf128AndMasksFramesPastEachClip) {
  const ModelParts parts = load_model_parts(fixture_dir(), WeightOptions{});
  // 1000 and 300 samples: padded to 1024, (1024 - 513) / 160 + 1 = 4 frames of 513 samples;
  // a frame is real when its first sample is (ceil(300 / 160) = 2).
  const std::vector<AudioBuffer> clips = {{16000, 1, std::vector<float>(1000, 0.1f)},
                                          {16000, 1, std::vector<float>(300, -0.2f)}};
  const FeatureBatch batch = parts.encoder->features().extract(clips);
  EXPECT_EQ(batch.features.shape, (std::vector<int64_t>{2, 4, 128}));
  EXPECT_EQ(batch.valid_frames, (std::vector<int64_t>{4, 2}));
  EXPECT_EQ(batch.attention_mask, (std::vector<int64_t>{1, 1, 1, 1, 1, 1, 0, 0}));
  // an all-zero frame is the log of the mel floor
  EXPECT_NEAR(batch.features.values.back(), std::log(1e-5), 1e-5);
  EXPECT_ALMKIT_ERROR(
      parts.encoder->features().extract({{16000, 1, std::vector<float>(100, 0.1f)}}),
      ErrorCode::kInvalidArgument, "513 samples");
}

TEST(Gemma3nAudio, EncoderKeepsOneFrameInSixteenAndZeroesRowsPastAClip) {
  const ModelParts parts = load_model_parts(fixture_dir(), WeightOptions{});
  const at::Tensor features = at::randn({2, 50, 128}) - 5.0;
  const at::Tensor lengths =
      at::tensor(std::vector<int64_t>{50, 17}, at::TensorOptions().dtype(at::kLong));
  const EncodedAudio encoded = parts.encoder->encode(features, lengths, nullptr);
  // 50 frames -> 25 -> 13 after the two stride-2 convolutions -> every 4th: 4 rows
  EXPECT_EQ(encoded.hidden.sizes(), (std::vector<int64_t>{2, 4, 64}));
  EXPECT_EQ(encoded.output_lengths[0].item<int64_t>(), 4);
  EXPECT_EQ(encoded.output_lengths[1].item<int64_t>(), 2);  // mel frames 0 and 16 of 17 are real
  EXPECT_EQ(encoded.hidden[1].narrow(0, 2, 2).abs().max().item<float>(), 0.f);
  const EncodedAudio projected = parts.projector->project(encoded, nullptr);
  EXPECT_EQ(projected.hidden.sizes(), (std::vector<int64_t>{2, 4, 48}));
}

}  // namespace
}  // namespace almkit
