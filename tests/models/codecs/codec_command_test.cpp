// `almkit codec encode|decode` round-trips a WAV through EnCodec, DAC and Mimi (long inputs in
// chunks, with progress) and refuses a wrong sample rate.
#include <gtest/gtest.h>

#include "almkit/audio.h"
#include "almkit/safetensors.h"
#include "test_support.h"

namespace almkit {
namespace {

AudioBuffer fixture_wav(int sample_rate, const std::string& model = "encodec") {
  auto io = SafetensorsFile::open(test::reference_dir() + "/" + model + "/io.safetensors");
  const TensorView& view = io->tensor("input_values");
  const float* data = static_cast<const float*>(view.data);
  AudioBuffer audio{sample_rate, 1, std::vector<float>(data, data + view.shape[2])};
  for (float& s : audio.samples) s = std::max(-1.f, std::min(1.f, s));
  return audio;
}

TEST(CodecCommand, EncodesDecodesAndPrintsRoundTripQuality) {
  const std::string dir = test::temp_dir(), model = test::reference_dir() + "/encodec";
  write_wav(dir + "/in.wav", fixture_wav(24000), WavEncoding::kFloat32);
  const auto encode = test::run_cli("codec encode --model " + model + " " + dir + "/in.wav -o " + dir +
                                    "/codes.safetensors --bandwidth 3.0");
  ASSERT_EQ(encode.exit_code, 0) << encode.output;
  EXPECT_NE(encode.output.find("SI-SDR"), std::string::npos) << encode.output;
  EXPECT_NE(encode.output.find("log-mel distance"), std::string::npos) << encode.output;
  EXPECT_NE(encode.output.find("1.80 kbps"), std::string::npos) << encode.output;  // 4 x 6 bits x 75 Hz
  auto codes = SafetensorsFile::open(dir + "/codes.safetensors");
  EXPECT_EQ(codes->tensor("audio_codes").shape, (std::vector<int64_t>{1, 1, 4, 75}));
  const auto decode = test::run_cli("codec decode --model " + model + " " + dir + "/codes.safetensors -o " + dir +
                                    "/out.wav");
  ASSERT_EQ(decode.exit_code, 0) << decode.output;
  const AudioBuffer out = load_audio(dir + "/out.wav");
  EXPECT_EQ(out.sample_rate, 24000);
  EXPECT_EQ(out.num_frames(), 24000);
}

TEST(CodecCommand, DacInWindowsWithProgress) {
  const std::string dir = test::temp_dir(), model = test::reference_dir() + "/dac";
  write_wav(dir + "/in.wav", fixture_wav(16000, "dac"), WavEncoding::kFloat32);
  const auto encode = test::run_cli("codec encode --model " + model + " " + dir + "/in.wav -o " + dir +
                                    "/codes.safetensors --chunk-seconds 0.2 --context-seconds 0.2");
  ASSERT_EQ(encode.exit_code, 0) << encode.output;
  EXPECT_NE(encode.output.find("windows of 10 frames with 10 frames of context"), std::string::npos) << encode.output;
  EXPECT_NE(encode.output.find("encode: 50 / 50 frames (100%)"), std::string::npos) << encode.output;
  EXPECT_NE(encode.output.find("1.20 kbps"), std::string::npos) << encode.output;  // 4 x 6 bits x 50 Hz
  const auto decode = test::run_cli("codec decode -q --model " + model + " " + dir + "/codes.safetensors -o " + dir +
                                    "/out.wav --chunk-seconds 0.2");
  ASSERT_EQ(decode.exit_code, 0) << decode.output;
  EXPECT_EQ(load_audio(dir + "/out.wav").num_frames(), 15992);  // DacModel's decode is 8 samples short
}

TEST(CodecCommand, CausalMimiStreamsAndDecodesAsEncoded) {
  const std::string dir = test::temp_dir(), model = test::reference_dir() + "/mimi";
  write_wav(dir + "/in.wav", fixture_wav(24000, "mimi"), WavEncoding::kFloat32);
  const auto encode = test::run_cli("codec encode --causal --model " + model + " " + dir + "/in.wav -o " + dir +
                                    "/codes.safetensors --chunk-seconds 0.16 --bandwidth 0.15");
  ASSERT_EQ(encode.exit_code, 0) << encode.output;
  EXPECT_NE(encode.output.find("streamed in 2-frame chunks (exact)"), std::string::npos) << encode.output;
  auto codes = SafetensorsFile::open(dir + "/codes.safetensors");
  EXPECT_EQ(codes->tensor("audio_codes").shape, (std::vector<int64_t>{1, 1, 2, 13}));
  EXPECT_EQ(codes->metadata().at("causal_attention"), "1");
  const auto decode = test::run_cli("codec decode --model " + model + " " + dir + "/codes.safetensors -o " + dir +
                                    "/out.wav --chunk-seconds 0.16");
  ASSERT_EQ(decode.exit_code, 0) << decode.output;
  EXPECT_EQ(load_audio(dir + "/out.wav").num_frames(), 24000);
}

TEST(CodecCommand, RefusesAudioAtAnotherSampleRate) {
  const std::string dir = test::temp_dir();
  write_wav(dir + "/in.wav", fixture_wav(16000));
  const auto result = test::run_cli("codec encode --model " + test::reference_dir() + "/encodec " + dir +
                                    "/in.wav -o " + dir + "/codes.safetensors");
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.output.find("16000 Hz, the encodec model takes 24000 Hz"), std::string::npos) << result.output;
}

}  // namespace
}  // namespace almkit
