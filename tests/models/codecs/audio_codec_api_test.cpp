// include/almkit/codec.h on its own (no torch, no private header): EnCodec, DAC and Mimi encode
// and decode the transformers 4.47.1 fixtures through plain buffers. Codes identical (DAC: at
// most 1 % near-tie codes may flip, as in dac_mimi_test.cpp); audio within
// 1e-4 x max(1, max|ref|), the reference-check tolerance.
#include "almkit/codec.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "almkit/error.h"
#include "almkit/safetensors.h"
#include "test_support.h"

namespace almkit {
namespace {

std::string fixture(const std::string& name) { return test::reference_dir() + "/" + name; }

struct Fixture {
  std::shared_ptr<SafetensorsFile> io;
  explicit Fixture(const std::string& name) : io(SafetensorsFile::open(fixture(name) + "/io.safetensors")) {}
  std::vector<int64_t> codes(const std::string& tensor) const {
    const TensorView& view = io->tensor(tensor);
    const auto* data = static_cast<const int64_t*>(view.data);
    return std::vector<int64_t>(data, data + view.numel());
  }
  AudioBuffer audio(int sample_rate) const { return AudioBuffer{sample_rate, 1, io->to_float("input_values")}; }
};

void expect_audio_near(const AudioBuffer& decoded, const std::vector<float>& reference, const std::string& what) {
  ASSERT_EQ(decoded.channels, 1) << what;
  ASSERT_EQ(decoded.samples.size(), reference.size()) << what;
  float peak = 1.f;
  for (float v : reference) peak = std::max(peak, std::abs(v));
  EXPECT_LE(test::max_abs_diff(decoded.samples.data(), reference.data(), reference.size()), 1e-4f * peak) << what;
}

TEST(AudioCodecApi, EncodecMatchesTransformersAtEachBandwidth) {
  const auto codec = AudioCodec::load(fixture("encodec"));
  EXPECT_EQ(codec->model_type(), "encodec");
  EXPECT_EQ(codec->sample_rate(), 24000);
  EXPECT_EQ(codec->channels(), 1);
  const Fixture io("encodec");
  for (const std::string bandwidth : {"1.5", "3.0"}) {
    const AudioCodes codes = codec->encode(io.audio(24000), std::stod(bandwidth));
    const std::vector<int64_t> expected = io.codes("bw" + bandwidth + "_audio_codes");
    EXPECT_EQ(codes.chunks, 1);
    EXPECT_EQ(codes.quantizers * codes.frames, static_cast<int64_t>(expected.size()));
    EXPECT_EQ(codes.frames, 75);
    EXPECT_EQ(codes.codes, expected) << bandwidth << " kbps";
    EXPECT_TRUE(codes.scales.empty());  // the 24 kHz model does not normalise
    EXPECT_EQ(codes.audio_length, 24000);
    EXPECT_EQ(codes.sample_rate, 24000);
    EXPECT_DOUBLE_EQ(codes.bandwidth, std::stod(bandwidth));
    expect_audio_near(codec->decode(codes), io.io->to_float("bw" + bandwidth + "_audio_values"), bandwidth);
  }
}

TEST(AudioCodecApi, DacMatchesTransformers) {
  const auto codec = AudioCodec::load(fixture("dac"));
  const Fixture io("dac");
  const AudioCodes codes = codec->encode(io.audio(16000));  // 0: every quantizer, as DacModel
  const std::vector<int64_t> expected = io.codes("audio_codes");
  ASSERT_EQ(codes.codes.size(), expected.size());
  EXPECT_EQ(codes.quantizers, 4);
  int64_t flipped = 0;
  for (size_t i = 0; i < expected.size(); ++i) flipped += codes.codes[i] != expected[i];
  EXPECT_LE(flipped, static_cast<int64_t>(expected.size()) / 100) << "near-tie codes may flip, no more";
  AudioCodes reference = codes;
  reference.codes = expected;
  reference.audio_length = 0;  // transformers' decode returns the full decoded length
  expect_audio_near(codec->decode(reference), io.io->to_float("audio_values_from_codes"), "dac");
}

TEST(AudioCodecApi, MimiMatchesTransformersAndTrimsToTheClip) {
  const auto codec = AudioCodec::load(fixture("mimi"));
  const Fixture io("mimi");
  AudioCodes codes = codec->encode(io.audio(24000));
  EXPECT_EQ(codes.codes, io.codes("audio_codes"));
  EXPECT_EQ(codec->decode(codes).samples.size(), 24000u);  // trimmed to the encoded clip
  codes.audio_length = 0;
  expect_audio_near(codec->decode(codes), io.io->to_float("audio_values"), "mimi");
}

TEST(AudioCodecApi, RefusesBadInputNamingIt) {
  const auto codec = AudioCodec::load(fixture("encodec"));
  const Fixture io("encodec");
  EXPECT_ALMKIT_ERROR(codec->encode(io.audio(16000)), ErrorCode::kInvalidArgument, "resample it first");
  EXPECT_ALMKIT_ERROR(codec->encode(io.audio(24000), -1.0), ErrorCode::kInvalidArgument, "bandwidth must be >= 0");
  const AudioCodes good = codec->encode(io.audio(24000), 1.5);
  AudioCodes outside = good;
  outside.codes[5] = codec->codebook_size();
  EXPECT_ALMKIT_ERROR(codec->decode(outside), ErrorCode::kInvalidArgument, "codebook");
  AudioCodes short_codes = good;
  short_codes.codes.pop_back();
  EXPECT_ALMKIT_ERROR(codec->decode(short_codes), ErrorCode::kShapeMismatch, "values for [chunks 1, quantizers 3");
  AudioCodes other_rate = good;
  other_rate.sample_rate = 16000;
  EXPECT_ALMKIT_ERROR(codec->decode(other_rate), ErrorCode::kInvalidArgument, "16000 Hz codec");
  AudioCodes scales = good;
  scales.scales = {1.f, 2.f};
  EXPECT_ALMKIT_ERROR(codec->decode(scales), ErrorCode::kShapeMismatch, "2 scales for 1 chunks");
  EXPECT_ALMKIT_ERROR(AudioCodec::load(fixture("qwen2")), ErrorCode::kUnsupported, "");
  AudioCodecOptions bad_device;
  bad_device.device = "toaster";
  EXPECT_ALMKIT_ERROR(AudioCodec::load(fixture("encodec"), bad_device), ErrorCode::kInvalidArgument, "toaster");
}

}  // namespace
}  // namespace almkit
