// Long inputs in chunks: causal Mimi streams to exactly the one-pass result, DAC's windows with
// enough context give the one-pass codes, and every codec keeps lengths and reports progress.
#include "models/codecs/codec_chunking.h"

#include <gtest/gtest.h>

#include "almkit/safetensors.h"
#include "test_support.h"

namespace almkit {
namespace {

std::string fixture_dir(const std::string& name) { return test::reference_dir() + "/" + name; }

at::Tensor fixture_audio(const std::string& name) {
  auto io = SafetensorsFile::open(fixture_dir(name) + "/io.safetensors");
  const TensorView& view = io->tensor("input_values");
  return at::from_blob(const_cast<void*>(view.data), view.shape, at::kFloat).clone();
}

double max_diff(const at::Tensor& a, const at::Tensor& b) { return (a - b).abs().max().item<double>(); }

TEST(CodecChunking, CausalMimiStreamsToTheOnePassResult) {
  codecs::CodecOptions causal;
  causal.causal_attention = true;
  const auto codec = codecs::load_codec(fixture_dir("mimi"), {}, causal);
  // 1 s + 1000 samples: the last chunk is partial, so the end padding is exercised too.
  const at::Tensor audio = at::cat({fixture_audio("mimi"), fixture_audio("mimi").narrow(-1, 0, 1000)}, -1);
  const auto whole = codec->encode(audio, codec->default_bandwidth());
  codecs::LongAudioOptions options;
  options.chunk_seconds = 0.24;  // 3 frames of 1920 samples
  int calls = 0;
  options.progress = [&](int64_t done, int64_t total) {
    ++calls;
    EXPECT_LE(done, total);
  };
  EXPECT_EQ(codecs::long_audio_method(*codec, 14, options), "streamed in 3-frame chunks (exact)");
  const auto streamed = codecs::encode_long(*codec, audio, codec->default_bandwidth(), options);
  EXPECT_EQ(calls, 5);  // ceil(14 / 3)
  ASSERT_EQ(streamed.codes.sizes(), whole.codes.sizes());
  EXPECT_TRUE(streamed.codes.equal(whole.codes));
  const at::Tensor one_pass = codec->decode(whole), chunked = codecs::decode_long(*codec, whole, options);
  ASSERT_EQ(chunked.sizes(), one_pass.sizes());
  EXPECT_LE(max_diff(chunked, one_pass), 1e-5);
  // The causal model is not what transformers 4.47.1 computes (it attends across the input):
  // the fixture's codes still agree here, the decoded audio differs.
  const auto reference = codecs::load_codec(fixture_dir("mimi"), {});
  EXPECT_GT(max_diff(reference->decode(whole), one_pass), 1e-5);
}

TEST(CodecChunking, DacWindowsWithContextGiveTheOnePassCodes) {
  const auto codec = codecs::load_codec(fixture_dir("dac"), {});
  const at::Tensor audio = fixture_audio("dac");
  codecs::LongAudioOptions options;
  options.chunk_seconds = 0.2;    // 10 frames
  options.context_seconds = 0.2;  // 10 frames each side, beyond DAC's receptive field
  const auto whole = codec->encode(audio, codec->default_bandwidth());
  const auto windowed = codecs::encode_long(*codec, audio, codec->default_bandwidth(), options);
  ASSERT_EQ(windowed.codes.sizes(), whole.codes.sizes());
  EXPECT_TRUE(windowed.codes.equal(whole.codes));
  const at::Tensor one_pass = codec->decode(whole), chunked = codecs::decode_long(*codec, whole, options);
  ASSERT_EQ(chunked.sizes(), one_pass.sizes());
  EXPECT_LE(max_diff(chunked, one_pass), 1e-5);
}

TEST(CodecChunking, WindowsKeepLengthsForEveryCodec) {
  for (const std::string name : {"encodec", "mimi", "dac"}) {
    const auto codec = codecs::load_codec(fixture_dir(name), {});
    const at::Tensor audio = fixture_audio(name).narrow(-1, 0, fixture_audio(name).size(-1) - 777);
    codecs::LongAudioOptions options;
    options.chunk_seconds = 0.25;
    options.context_seconds = 0.1;
    const auto whole = codec->encode(audio, codec->default_bandwidth());
    const auto windowed = codecs::encode_long(*codec, audio, codec->default_bandwidth(), options);
    EXPECT_EQ(windowed.codes.sizes(), whole.codes.sizes()) << name;
    EXPECT_EQ(codecs::decode_long(*codec, windowed, options).sizes(), codec->decode(whole).sizes()) << name;
  }
}

TEST(CodecChunking, BadCodesAreRefusedBeforeAnyWindow) {
  const auto codec = codecs::load_codec(fixture_dir("dac"), {});
  auto encoded = codec->encode(fixture_audio("dac"), codec->default_bandwidth());
  encoded.codes[0][0][2][40] = 999;
  codecs::LongAudioOptions options;
  options.chunk_seconds = 0.2;
  EXPECT_ALMKIT_ERROR(codecs::decode_long(*codec, encoded, options), ErrorCode::kInvalidArgument,
                      "outside its codebook");
}

}  // namespace
}  // namespace almkit
