// EnCodec computes what transformers 4.47.1 computed on the public fixture: codes identical,
// latent and audio within 1e-4 x max(1, max|ref|) (measured: <= 1.4e-7 absolute).
#include "models/codecs/encodec.h"

#include <gtest/gtest.h>

#include <fstream>

#include "almkit/safetensors.h"
#include "models/codecs/codec.h"
#include "runtime/reference_check.h"
#include "models/registry.h"
#include "test_support.h"

namespace almkit {
namespace {

std::string encodec_dir() { return test::reference_dir() + "/encodec"; }

at::Tensor fixture_audio() {
  auto io = SafetensorsFile::open(encodec_dir() + "/io.safetensors");
  const TensorView& view = io->tensor("input_values");
  return at::from_blob(const_cast<void*>(view.data), view.shape, at::kFloat).clone();
}

TEST(Encodec, MatchesTransformersOnTheFixture) {
  const ReferenceReport report = run_reference_check(encodec_dir(), encodec_dir() + "/io.safetensors", {});
  EXPECT_TRUE(report.unknown.empty()) << report.unknown.size() << " reference tensors not computed";
  ASSERT_EQ(report.rows.size(), 5u);  // latent, bw1.5 and bw3.0 codes and audio
  for (const auto& row : report.rows) {
    EXPECT_TRUE(row.ok) << row.name << ": " << row.max_abs_diff << " > " << row.tolerance << " " << row.note;
    if (row.tolerance == 0) {
      EXPECT_EQ(row.max_abs_diff, 0.0) << row.name;  // codes identical
    }
    EXPECT_LE(row.max_abs_diff, 1e-6) << row.name;                          // what we actually reach
  }
}

TEST(Encodec, BandwidthSelectsQuantizersAsTransformers) {
  const auto codec = codecs::load_codec(encodec_dir(), {});
  EXPECT_EQ(codec->max_quantizers(), 4);  // int(1000 * 3.0 // (75 * 10))
  EXPECT_EQ(codec->quantizers_for_bandwidth(1.5), 3);  // floor(1500 / (6 bits x 75 Hz))
  EXPECT_EQ(codec->quantizers_for_bandwidth(3.0), 4);  // 6, capped by the 4 layers
  const auto encoded = codec->encode(fixture_audio(), 1.5);
  EXPECT_EQ(encoded.codes.sizes(), (at::IntArrayRef{1, 1, 3, 75}));
}

TEST(Encodec, DecodeTrimsToTheInputLengthOfAnOddLengthClip) {
  const auto codec = codecs::load_codec(encodec_dir(), {});
  const at::Tensor audio = fixture_audio().narrow(-1, 0, 1001);
  const auto encoded = codec->encode(audio, 3.0);
  EXPECT_EQ(encoded.codes.size(3), 4);  // ceil(1001 / 320)
  EXPECT_EQ(codec->decode(encoded).size(-1), 1001);
  auto untrimmed = encoded;
  untrimmed.audio_length = 0;
  EXPECT_EQ(codec->decode(untrimmed).size(-1), 4 * 320);
}

TEST(Encodec, RefusesBadInputClearly) {
  const auto codec = codecs::load_codec(encodec_dir(), {});
  const at::Tensor audio = fixture_audio();
  auto encoded = codec->encode(audio, 1.5);

  auto outside = encoded;
  outside.codes = encoded.codes.clone();
  outside.codes[0][0][1][5] = 64;  // codebook_size is 64
  EXPECT_ALMKIT_ERROR(codec->decode(outside), ErrorCode::kInvalidArgument, "outside its codebook [0, 64)");

  auto too_many = encoded;
  too_many.codes = at::zeros({1, 1, 5, 75}, at::kLong);
  EXPECT_ALMKIT_ERROR(codec->decode(too_many), ErrorCode::kInvalidArgument, "5 quantizers");

  EXPECT_ALMKIT_ERROR(codec->encode(audio, 6.0), ErrorCode::kInvalidArgument, "bandwidth 6 kbps");
  EXPECT_ALMKIT_ERROR(codec->encode(at::zeros({1, 1, 0}), 1.5), ErrorCode::kInvalidArgument, "empty audio");
  EXPECT_ALMKIT_ERROR(codec->encode(at::zeros({1, 2, 100}), 1.5), ErrorCode::kInvalidArgument, "2 channels");

  AudioBuffer wrong_rate{16000, 1, std::vector<float>(1600, 0.f)};
  EXPECT_ALMKIT_ERROR(codecs::codec_input(*codec, wrong_rate, "clip.wav"), ErrorCode::kInvalidArgument,
                      "16000 Hz, the encodec model takes 24000 Hz");
  AudioBuffer empty{24000, 1, {}};
  EXPECT_ALMKIT_ERROR(codecs::codec_input(*codec, empty, "clip.wav"), ErrorCode::kInvalidArgument, "empty audio");
}

TEST(Encodec, TheLanguageModelRegistryPointsToTheCodecLoader) {
  EXPECT_ALMKIT_ERROR(load_model_parts(encodec_dir(), {}), ErrorCode::kUnsupported, "load_codec");
}

// Chunked, normalised configuration (as the 48 kHz checkpoint has): no transformers fixture
// exists for it, so this only checks the shapes and that the round trip stays finite.
TEST(Encodec, ChunkedNormalisedConfigurationRoundTrips) {
  const std::string dir = test::temp_dir();
  std::string config = test::read_file(encodec_dir() + "/config.json");
  const auto replace = [&](const std::string& from, const std::string& to) {
    const size_t at = config.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    config.replace(at, from.size(), to);
  };
  replace("\"chunk_length_s\": null", "\"chunk_length_s\": 0.1");
  replace("\"overlap\": null", "\"overlap\": 0.01");
  replace("\"normalize\": false", "\"normalize\": true");
  test::write_file(dir + "/config.json", config);
  test::write_file(dir + "/model.safetensors", test::read_file(encodec_dir() + "/model.safetensors"));
  const auto codec = codecs::load_codec(dir, {});
  const at::Tensor audio = fixture_audio();
  const auto encoded = codec->encode(audio, 3.0);
  // chunk 2400, stride 2376: ceil(24000 / 2376) = 11 chunks of ceil(2400 / 320) = 8 frames.
  EXPECT_EQ(encoded.codes.sizes(), (at::IntArrayRef{11, 1, 4, 8}));
  ASSERT_EQ(encoded.scales.size(), 11u);
  EXPECT_TRUE(encoded.scales[0].defined());
  const at::Tensor decoded = codec->decode(encoded);
  EXPECT_EQ(decoded.sizes(), audio.sizes());
  EXPECT_TRUE(decoded.isfinite().all().item<bool>());
}

}  // namespace
}  // namespace almkit
