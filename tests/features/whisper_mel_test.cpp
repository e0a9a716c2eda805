// Parity with transformers 4.47.1's WhisperFeatureExtractor (../shared/reference fixtures).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "almkit/features.h"
#include "almkit/safetensors.h"
#include "test_support.h"

namespace almkit {
namespace {

class WhisperMelReference : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    io_ = SafetensorsFile::open(test::reference_dir() + "/whisper_features/io.safetensors");
    waveform_ = io_->to_float("waveform");
  }
  std::shared_ptr<SafetensorsFile> io_;
  std::vector<float> waveform_;
};

TEST_P(WhisperMelReference, FiltersMatchTransformersWithin1e6) {
  const int bins = GetParam();
  WhisperMelOptions options;
  options.feature_size = bins;
  WhisperMel mel(options);
  const auto expected = io_->to_float("mel" + std::to_string(bins) + "_filters");
  ASSERT_EQ(mel.mel_filters().size(), expected.size());
  EXPECT_LE(test::max_abs_diff(mel.mel_filters().data(), expected.data(), expected.size()), 1e-6f);
}

TEST_P(WhisperMelReference, PaddedFeaturesMatchNumpyPathWithin1e5) {
  const int bins = GetParam();
  WhisperMelOptions options;
  options.feature_size = bins;
  const FeatureBatch batch = WhisperMel(options).compute(waveform_);
  ASSERT_EQ(batch.features.shape, (std::vector<int64_t>{1, bins, 3000}));
  const auto expected = io_->to_float("mel" + std::to_string(bins) + "_features_numpy");
  EXPECT_LE(test::max_abs_diff(batch.features.values.data(), expected.data(), expected.size()), 1e-5f);
}

TEST_P(WhisperMelReference, PaddedFeaturesMatchTorchStftPath) {
  // The torch path computes in float32; transformers' own two paths differ by up to 1.28e-5 on
  // 128 bins (io.json: max_abs_diff_call_vs_numpy). almkit computes in double (the numpy
  // answer), so against torch the bound is that gap, rounded up to 1.5e-5.
  const int bins = GetParam();
  WhisperMelOptions options;
  options.feature_size = bins;
  const FeatureBatch batch = WhisperMel(options).compute(waveform_);
  const auto expected = io_->to_float("mel" + std::to_string(bins) + "_features");
  const float tolerance = bins == 80 ? 1e-5f : 1.5e-5f;
  EXPECT_LE(test::max_abs_diff(batch.features.values.data(), expected.data(), expected.size()),
            tolerance);
}

TEST_P(WhisperMelReference, AttentionMaskMarksTheRealFrames) {
  const int bins = GetParam();
  WhisperMelOptions options;
  options.feature_size = bins;
  const FeatureBatch batch = WhisperMel(options).compute(waveform_);
  const auto expected = io_->to_float("mel" + std::to_string(bins) + "_attention_mask");
  ASSERT_EQ(batch.attention_mask.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    ASSERT_EQ(batch.attention_mask[i], static_cast<int64_t>(expected[i])) << "frame " << i;
  }
  EXPECT_EQ(batch.valid_frames, std::vector<int64_t>{300});
}

INSTANTIATE_TEST_SUITE_P(Bins, WhisperMelReference, ::testing::Values(80, 128));

TEST(WhisperMel, UnpaddedFormAgreesWithPaddedAwayFromTheEnd) {
  auto io = SafetensorsFile::open(test::reference_dir() + "/whisper_features/io.safetensors");
  const auto waveform = io->to_float("waveform");
  WhisperMelOptions options;
  options.pad_to_chunk = false;
  const FeatureBatch batch = WhisperMel(options).compute(waveform);
  ASSERT_EQ(batch.features.shape, (std::vector<int64_t>{1, 80, 300}));
  const auto padded = io->to_float("mel80_features_numpy");
  // The last two frames see the reflected end of the clip instead of zero padding.
  for (int m = 0; m < 80; ++m) {
    for (int t = 0; t < 298; ++t) {
      ASSERT_NEAR(batch.features.values[m * 300 + t], padded[m * 3000 + t], 1e-5) << m << "," << t;
    }
  }
}

TEST(WhisperMel, BatchOfDifferentLengthsEqualsEachClipAlone) {
  std::vector<std::vector<float>> clips(2);
  for (int i = 0; i < 16000; ++i) clips[0].push_back(0.3f * std::sin(0.05f * i));
  for (int i = 0; i < 40000; ++i) clips[1].push_back(0.2f * std::sin(0.011f * i) * std::cos(0.0003f * i));
  WhisperMelOptions options;
  options.feature_size = 128;
  WhisperMel mel(options);
  const FeatureBatch batch = mel.compute_batch(clips);
  ASSERT_EQ(batch.features.shape, (std::vector<int64_t>{2, 128, 3000}));
  EXPECT_EQ(batch.valid_frames, (std::vector<int64_t>{100, 250}));
  for (int b = 0; b < 2; ++b) {
    const FeatureBatch single = mel.compute(clips[b]);
    EXPECT_EQ(test::max_abs_diff(single.features.values.data(),
                                 batch.features.values.data() + b * 128 * 3000, 128 * 3000),
              0.f);
  }
}

TEST(WhisperMel, TwoThreadsGiveTheSameAnswerAsOne) {
  std::vector<float> clip(48000);
  for (size_t i = 0; i < clip.size(); ++i) clip[i] = 0.4f * std::sin(0.07f * i) + 0.01f * ((i * 7919) % 13);
  WhisperMelOptions options;
  const FeatureBatch one = WhisperMel(options).compute(clip);
  options.num_threads = 2;
  const FeatureBatch two = WhisperMel(options).compute(clip);
  EXPECT_EQ(one.features.values, two.features.values);
}

// transformers truncates the waveform to 30 s before the STFT (padding="max_length",
// truncation=True), so a 31 s clip's features are those of its first 30 s, bit for bit; a
// chirp makes every frame different, so a shifted or re-padded window would show.
TEST(WhisperMel, LongerThanThirtySecondsIsTruncatedInThePaddedForm) {
  std::vector<float> clip(16000 * 31);
  for (size_t i = 0; i < clip.size(); ++i) clip[i] = 0.2f * std::sin(0.01f * i + 1e-7f * i * i);
  const FeatureBatch batch = WhisperMel().compute(clip);
  ASSERT_EQ(batch.features.shape, (std::vector<int64_t>{1, 80, 3000}));
  EXPECT_EQ(batch.valid_frames[0], 3000);
  const std::vector<float> first_30s(clip.begin(), clip.begin() + 16000 * 30);
  EXPECT_EQ(batch.features.values, WhisperMel().compute(first_30s).features.values);
  // the last 16000 samples matter only when they are kept: the unpadded form has 100 more frames
  WhisperMelOptions unpadded;
  unpadded.pad_to_chunk = false;
  EXPECT_EQ(WhisperMel(unpadded).compute(clip).valid_frames[0], 3100);
}

TEST(WhisperMel, RejectsBadInput) {
  WhisperMel mel;
  std::vector<float> empty;
  EXPECT_ALMKIT_ERROR(mel.compute(empty), ErrorCode::kInvalidArgument, "empty");
  std::vector<float> with_nan(1000, 0.1f);
  with_nan[500] = std::nanf("");
  EXPECT_ALMKIT_ERROR(mel.compute(with_nan), ErrorCode::kInvalidArgument, "sample 500");
  std::vector<float> with_inf(1000, 0.1f);
  with_inf[7] = INFINITY;
  EXPECT_ALMKIT_ERROR(mel.compute(with_inf), ErrorCode::kInvalidArgument, "not finite");
  std::vector<float> fine(1000, 0.1f);
  EXPECT_ALMKIT_ERROR(mel.compute_into(fine.data(), fine.size(), nullptr),
                      ErrorCode::kInvalidArgument, "output buffer is null");
  WhisperMelOptions unpadded;
  unpadded.pad_to_chunk = false;
  std::vector<float> tiny(150, 0.1f);
  EXPECT_ALMKIT_ERROR(WhisperMel(unpadded).compute(tiny), ErrorCode::kInvalidArgument, "too short");
  WhisperMelOptions zero_rate;
  zero_rate.sampling_rate = 0;
  EXPECT_ALMKIT_ERROR(WhisperMel{zero_rate}, ErrorCode::kInvalidArgument, "sampling_rate");
}

TEST(FeatureExtractor, PreprocessorConfigSelectsWhisperMelAndItsSize) {
  auto extractor = load_feature_extractor(test::reference_dir() + "/whisper_features/mel128");
  EXPECT_EQ(extractor->kind(), "whisper-mel");
  EXPECT_EQ(extractor->sampling_rate(), 16000);
  AudioBuffer clip;
  clip.sample_rate = 16000;
  clip.channels = 1;
  auto io = SafetensorsFile::open(test::reference_dir() + "/whisper_features/io.safetensors");
  clip.samples = io->to_float("waveform");
  const FeatureBatch batch = extractor->extract({clip});
  ASSERT_EQ(batch.features.shape, (std::vector<int64_t>{1, 128, 3000}));
  const auto expected = io->to_float("mel128_features_numpy");
  EXPECT_LE(test::max_abs_diff(batch.features.values.data(), expected.data(), expected.size()), 1e-5f);
}

TEST(FeatureExtractor, ResamplesAndDownmixesClipsAtOtherRates) {
  AudioBuffer stereo;
  stereo.sample_rate = 44100;
  stereo.channels = 2;
  for (int i = 0; i < 44100; ++i) {
    stereo.samples.push_back(0.5f * std::sin(2 * M_PI * 440.0 * i / 44100));
    stereo.samples.push_back(0.f);
  }
  const FeatureBatch batch = make_whisper_feature_extractor({})->extract({stereo});
  EXPECT_EQ(batch.valid_frames, std::vector<int64_t>{100});
  // The mix of (0.5 sin, 0) is 0.25 sin: the same tone written at 16 kHz mono gives the same
  // features but where the resampler's edges show (the first and last 2 frames): measured 1.2e-7
  // inside, bound 1e-4, while a missed downmix (0.5 sin: 4x the power) would move every bin by
  // log10(4) / 4 = 0.15.
  std::vector<float> mono(16000);
  for (int i = 0; i < 16000; ++i) mono[i] = 0.25f * std::sin(2 * M_PI * 440.0 * i / 16000);
  const FeatureBatch expected = WhisperMel().compute(mono);
  double worst = 0;
  for (int m = 0; m < 80; ++m) {
    for (int t = 2; t < 98; ++t) {
      worst = std::max<double>(worst, std::fabs(batch.features.values[m * 3000 + t] - expected.features.values[m * 3000 + t]));
    }
  }
  EXPECT_LT(worst, 1e-4);
  std::printf("[ note ] resampled and downmixed vs written at 16 kHz: %.2e\n", worst);
}

TEST(FeatureExtractor, RejectsUnknownTypesAndMalformedConfigs) {
  const std::string dir = test::temp_dir();
  test::write_file(dir + "/preprocessor_config.json", R"({"feature_extractor_type": "Wav2Vec2FeatureExtractor"})");
  EXPECT_ALMKIT_ERROR(load_feature_extractor(dir), ErrorCode::kUnsupported, "Wav2Vec2FeatureExtractor");
  test::write_file(dir + "/preprocessor_config.json", R"({"feature_extractor_type": "WhisperFeat)");
  EXPECT_ALMKIT_ERROR(load_feature_extractor(dir), ErrorCode::kInvalidFormat, "not valid JSON");
  test::write_file(dir + "/preprocessor_config.json", R"({"feature_size": 80})");
  EXPECT_ALMKIT_ERROR(load_feature_extractor(dir), ErrorCode::kInvalidFormat, "feature_extractor_type");
  test::write_file(dir + "/preprocessor_config.json",
                   R"({"feature_extractor_type": "WhisperFeatureExtractor", "feature_size": "many"})");
  EXPECT_ALMKIT_ERROR(load_feature_extractor(dir), ErrorCode::kInvalidFormat, "feature_size");
  EXPECT_ALMKIT_ERROR(load_feature_extractor(dir + "/missing"), ErrorCode::kFileNotFound, "missing");
}

}  // namespace
}  // namespace almkit
