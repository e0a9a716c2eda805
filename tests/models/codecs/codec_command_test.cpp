// `almkit codec encode|decode` round-trips a WAV through EnCodec and refuses a wrong sample rate.
#include <gtest/gtest.h>

#include "almkit/audio.h"
#include "almkit/safetensors.h"
#include "test_support.h"

namespace almkit {
namespace {

AudioBuffer fixture_wav(int sample_rate) {
  auto io = SafetensorsFile::open(test::reference_dir() + "/encodec/io.safetensors");
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
