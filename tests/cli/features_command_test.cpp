#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "almkit/audio.h"
#include "almkit/features.h"
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
  // The values, at frames in the speech, at its end and in the padding, against transformers'
  // numpy path written out in tests/data/features/make_jfk_whisper_mel.py (which reproduces the
  // transformers fixture within 8.2e-8); almkit's own bound against that path is 1e-5.
  const auto reference = nlohmann::json::parse(
      test::read_file(test::test_data_dir() + "/features/jfk_whisper_mel128.json"));
  const auto features = file->to_float("features");
  ASSERT_EQ(features.size(), 128u * 3000u);
  for (size_t f = 0; f < reference["frames"].size(); ++f) {
    const int frame = reference["frames"][f];
    for (int bin = 0; bin < 128; ++bin) {
      ASSERT_NEAR(features[bin * 3000 + frame], reference["features"][f][bin].get<double>(), 1e-5)
          << "bin " << bin << ", frame " << frame;
    }
  }
}

TEST(FeaturesCommand, WritesKaldiFbank) {
  const std::string out = test::temp_dir() + "/fbank.safetensors";
  const auto result = test::run_cli("features --kind kaldi-fbank --bins 80 " + test::data_dir() +
                                    "/jfk.wav -o " + out);
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(SafetensorsFile::open(out)->tensor("features").shape, (std::vector<int64_t>{1098, 80}));
}

TEST(FeaturesCommand, KaldiOptionsGiveTheLibrarysFeatures) {
  // A recipe's options from the command line equal KaldiFbank with the same options on the same
  // decoded samples, bit for bit, and the file records them.
  const std::string out = test::temp_dir() + "/fbank_options.safetensors";
  const std::string wav = test::data_dir() + "/jfk.wav";
  const auto result = test::run_cli(
      "features --kind kaldi-fbank --bins 40 --frame-length 20 --frame-shift 8 --window-type "
      "hamming --preemphasis 0.9 --low-freq 60 --high-freq -400 --snip-edges false --use-energy "
      "--raw-energy false --dither 0.5 --dither-seed 3 --sample-scale 32768 " + wav + " -o " + out);
  ASSERT_EQ(result.exit_code, 0) << result.output;
  KaldiFbankOptions options;
  options.num_mel_bins = 40;
  options.frame_length = 20;
  options.frame_shift = 8;
  options.window_type = "hamming";
  options.preemphasis_coefficient = 0.9;
  options.low_freq = 60;
  options.high_freq = -400;
  options.snip_edges = false;
  options.use_energy = true;
  options.raw_energy = false;
  options.dither = 0.5;
  options.dither_seed = 3;
  AudioLoadOptions load;
  load.target_sample_rate = 16000;
  AudioBuffer audio = load_audio(wav, load);
  for (float& sample : audio.samples) sample *= 32768.f;
  const FeatureTensor expected = KaldiFbank(options).compute(audio);
  auto file = SafetensorsFile::open(out);
  EXPECT_EQ(file->tensor("features").shape, expected.shape);
  EXPECT_EQ(expected.shape[1], 41);  // 40 bins and the energy
  EXPECT_EQ(file->to_float("features"), expected.values);
  const auto recorded = nlohmann::json::parse(file->metadata().at("options"));
  EXPECT_EQ(recorded["window_type"], "hamming");
  EXPECT_EQ(recorded["snip_edges"], false);
  EXPECT_EQ(recorded["sample_scale"], 32768.0);

  const auto linear = test::run_cli("features --kind kaldi-fbank --no-log --use-power false " +
                                    wav + " -o " + out);
  ASSERT_EQ(linear.exit_code, 0) << linear.output;
  options = {};
  options.num_mel_bins = 80;
  options.use_log_fbank = false;
  options.use_power = false;
  audio = load_audio(wav, load);
  EXPECT_EQ(SafetensorsFile::open(out)->to_float("features"),
            KaldiFbank(options).compute(audio).values);
}

TEST(FeaturesCommand, BadKaldiOptionsExitNonZeroNamingThem) {
  const std::string wav = test::data_dir() + "/jfk.wav";
  const auto window = test::run_cli("features --kind kaldi-fbank --window-type square " + wav +
                                    " -o /tmp/x.safetensors");
  EXPECT_NE(window.exit_code, 0);
  EXPECT_NE(window.output.find("window-type"), std::string::npos) << window.output;
  const auto shift = test::run_cli("features --kind kaldi-fbank --frame-shift 0 " + wav +
                                   " -o /tmp/x.safetensors");
  EXPECT_EQ(shift.exit_code, 1);
  EXPECT_NE(shift.output.find("frame_shift"), std::string::npos) << shift.output;
  const auto preemphasis = test::run_cli("features --kind kaldi-fbank --preemphasis 2 " + wav +
                                         " -o /tmp/x.safetensors");
  EXPECT_EQ(preemphasis.exit_code, 1);
  EXPECT_NE(preemphasis.output.find("preemphasis"), std::string::npos) << preemphasis.output;
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
