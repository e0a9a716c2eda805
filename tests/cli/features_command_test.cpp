#include <gtest/gtest.h>

#include "almkit/safetensors.h"
#include "test_support.h"

namespace almkit {
namespace {

TEST(FeaturesCommand, WritesWhisperMelOfRealSpeech) {
  const std::string out = test::temp_dir() + "/jfk.safetensors";
  const auto result = test::run_cli("features --kind whisper-mel --bins 128 " + test::data_dir() +
                                    "/jfk.wav -o " + out);
  ASSERT_EQ(result.exit_code, 0) << result.output;
  auto file = SafetensorsFile::open(out);
  EXPECT_EQ(file->tensor("features").shape, (std::vector<int64_t>{1, 128, 3000}));
  const auto mask = file->to_float("attention_mask");
  EXPECT_EQ(mask[1099], 1.f);  // jfk.wav is 11.0 s: 1100 real frames
  EXPECT_EQ(mask[1100], 0.f);
  EXPECT_EQ(file->metadata().at("kind"), "whisper-mel");
}

TEST(FeaturesCommand, WritesKaldiFbank) {
  const std::string out = test::temp_dir() + "/fbank.safetensors";
  const auto result = test::run_cli("features --kind kaldi-fbank --bins 80 " + test::data_dir() +
                                    "/jfk.wav -o " + out);
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(SafetensorsFile::open(out)->tensor("features").shape, (std::vector<int64_t>{1098, 80}));
}

TEST(FeaturesCommand, BadInputExitsNonZeroWithTheFileNamed) {
  const auto missing = test::run_cli("features /nonexistent.wav -o /tmp/x.safetensors");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.output.find("/nonexistent.wav"), std::string::npos) << missing.output;
  const auto bad_kind = test::run_cli("features --kind mfcc x.wav -o y");
  EXPECT_NE(bad_kind.exit_code, 0);
}

}  // namespace
}  // namespace almkit
