// Parity with torchaudio.compliance.kaldi.fbank: tests/data/kaldi_fbank_reference.safetensors
// was written by tests/data/make_kaldi_fbank_reference.py with Debian's python3-torchaudio.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "almkit/features.h"
#include "almkit/safetensors.h"
#include "test_support.h"

namespace almkit {
namespace {

KaldiFbankOptions options_from_json(const nlohmann::json& j) {
  KaldiFbankOptions o;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    if (k == "num_mel_bins")
      o.num_mel_bins = it->get<int>();
    else if (k == "window_type")
      o.window_type = it->get<std::string>();
    else if (k == "snip_edges")
      o.snip_edges = it->get<bool>();
    else if (k == "use_energy")
      o.use_energy = it->get<bool>();
    else if (k == "htk_compat")
      o.htk_compat = it->get<bool>();
    else if (k == "raw_energy")
      o.raw_energy = it->get<bool>();
    else if (k == "use_power")
      o.use_power = it->get<bool>();
    else if (k == "preemphasis_coefficient")
      o.preemphasis_coefficient = it->get<double>();
    else if (k == "remove_dc_offset")
      o.remove_dc_offset = it->get<bool>();
    else if (k == "use_log_fbank")
      o.use_log_fbank = it->get<bool>();
    else if (k == "low_freq")
      o.low_freq = it->get<double>();
    else if (k == "high_freq")
      o.high_freq = it->get<double>();
    else if (k == "frame_length")
      o.frame_length = it->get<double>();
    else if (k == "frame_shift")
      o.frame_shift = it->get<double>();
    else if (k == "round_to_power_of_two")
      o.round_to_power_of_two = it->get<bool>();
    else if (k == "subtract_mean")
      o.subtract_mean = it->get<bool>();
    else if (k == "energy_floor")
      o.energy_floor = it->get<double>();
    else if (k == "vtln_warp")
      o.vtln_warp = it->get<double>();
    else if (k == "vtln_low")
      o.vtln_low = it->get<double>();
    else if (k == "vtln_high")
      o.vtln_high = it->get<double>();
    else
      ADD_FAILURE() << "test does not know option " << k;
  }
  return o;
}

// max |got - ref| / max(1, |ref|), skipping (when dynamic_range > 0) log values more than
// dynamic_range below the largest value of their row.
float relative_diff(const std::vector<float>& got, const std::vector<float>& ref,
                    float dynamic_range, int64_t columns = 1) {
  float worst = 0.f;
  for (size_t row = 0; row < ref.size() / columns; ++row) {
    const float* r = ref.data() + row * columns;
    const float peak = *std::max_element(r, r + columns);
    for (int64_t c = 0; c < columns; ++c) {
      if (dynamic_range > 0.f && peak - r[c] > dynamic_range) continue;
      worst = std::max(worst,
                       std::fabs(got[row * columns + c] - r[c]) / std::max(1.f, std::fabs(r[c])));
    }
  }
  return worst;
}

TEST(KaldiFbank, MatchesTorchaudioOnEverySignalAndOptionSet) {
  auto reference =
      SafetensorsFile::open(test::test_data_dir() + "/kaldi_fbank_reference.safetensors");
  const auto cases = nlohmann::json::parse(reference->metadata().at("cases"));
  int compared = 0;
  for (const std::string signal : {"tones", "chirp", "noise"}) {
    const auto input = reference->to_float(signal + "/input");
    for (auto it = cases.begin(); it != cases.end(); ++it) {
      SCOPED_TRACE(signal + " / " + it.key());
      const KaldiFbankOptions options = options_from_json(*it);
      const FeatureTensor got = KaldiFbank(options).compute(input.data(), input.size());
      const TensorView& view = reference->tensor(signal + "/" + it.key());
      ASSERT_EQ(got.shape, view.shape);
      const auto expected = reference->to_float(signal + "/" + it.key());
      // Against torchaudio's algorithm in exact arithmetic: 1e-4 x max(1, |reference|) on
      // every value (relative for linear energies, which reach 1e9 on int16-scale input).
      EXPECT_LE(relative_diff(got.values, expected, 0.f), 1e-4f);
      // Against plain float32 torchaudio: the same bound on every bin within 5 decades of its
      // frame's strongest bin; weaker bins (only the pure chirp has them) carry float32 FFT
      // noise in torchaudio itself, whose float32 and float64 runs differ by ~1e-2 there.
      const auto float32 = reference->to_float(signal + "/" + it.key() + "/float32");
      const float dynamic_range = options.use_log_fbank ? std::log(1e5f) : 0.f;
      EXPECT_LE(relative_diff(got.values, float32, dynamic_range, view.shape[1]), 1e-4f);
      ++compared;
    }
  }
  EXPECT_EQ(compared, 30);
}

TEST(KaldiFbank, FrameCountsFollowSnipEdges) {
  KaldiFbankOptions options;
  EXPECT_EQ(KaldiFbank(options).num_frames(16000), 98);
  options.snip_edges = false;
  EXPECT_EQ(KaldiFbank(options).num_frames(16000), 100);
}

TEST(KaldiFbank, ThreadCountsGiveTheSameBits) {
  // Frames are split over threads and over the four lanes of each thread's blocks; every frame
  // goes through the same operations wherever it lands, spare lanes included.
  std::vector<float> signal(16000 * 3 + 77);
  for (size_t i = 0; i < signal.size(); ++i)
    signal[i] = 0.4f * std::sin(0.013f * i + 1e-6f * i * i) + 0.01f * std::cos(1.7f * i);
  for (bool snip_edges : {true, false}) {
    for (double dither : {0.0, 0.5}) {
      KaldiFbankOptions options;
      options.snip_edges = snip_edges;
      options.dither = dither;
      options.use_energy = true;
      const FeatureTensor one = KaldiFbank(options).compute(signal.data(), signal.size());
      for (int threads : {2, 3}) {
        options.num_threads = threads;
        const FeatureTensor many = KaldiFbank(options).compute(signal.data(), signal.size());
        EXPECT_EQ(many.shape, one.shape);
        EXPECT_EQ(many.values, one.values) << threads << " threads, snip_edges " << snip_edges;
      }
    }
  }
}

TEST(KaldiFbank, ComputesIntoTheCallersMemoryExactlyAsCompute) {
  std::vector<float> signal(16240);  // 100 frames
  for (size_t i = 0; i < signal.size(); ++i) signal[i] = 0.3f * std::sin(0.02f * i);
  for (bool use_energy : {false, true}) {
    KaldiFbankOptions options;
    options.use_energy = use_energy;
    options.num_mel_bins = 40;
    const KaldiFbank fbank(options);
    const FeatureTensor expected = fbank.compute(signal.data(), signal.size());
    ASSERT_EQ(fbank.output_frames(signal.size()), 100);
    std::vector<float> out(100 * fbank.num_features() + 5, -7.0f);
    EXPECT_EQ(fbank.compute_into(signal.data(), signal.size(), out.data()), 100);
    EXPECT_EQ(std::vector<float>(out.begin(), out.end() - 5), expected.values);
    EXPECT_EQ(std::vector<float>(out.end() - 5, out.end()), std::vector<float>(5, -7.0f));
  }
  // Below min_duration: no frames and nothing written; a clip shorter than a frame is an error.
  KaldiFbankOptions options;
  options.min_duration = 2.0;
  const KaldiFbank fbank(options);
  EXPECT_EQ(fbank.output_frames(signal.size()), 0);
  float untouched = -7.0f;
  EXPECT_EQ(fbank.compute_into(signal.data(), signal.size(), &untouched), 0);
  EXPECT_EQ(untouched, -7.0f);
  EXPECT_ALMKIT_ERROR(KaldiFbank().compute_into(signal.data(), 399, &untouched),
                      ErrorCode::kInvalidArgument, "shorter than one frame");
  EXPECT_ALMKIT_ERROR(KaldiFbank().compute_into(signal.data(), signal.size(), nullptr),
                      ErrorCode::kInvalidArgument, "output buffer is null");
}

TEST(KaldiFbank, NamesTheFirstNonFiniteSampleWhereverItIs) {
  // Framed samples are checked while they are framed, the rest apart: both name the first.
  std::vector<float> signal(16000, 0.25f);  // 98 frames cover samples 0 .. 15919
  for (int threads : {1, 2}) {
    KaldiFbankOptions options;
    options.num_threads = threads;
    for (bool snip_edges : {true, false}) {
      options.snip_edges = snip_edges;
      const KaldiFbank fbank(options);
      for (int64_t at :
           {int64_t{0}, int64_t{5003}, int64_t{15919}, int64_t{15920}, int64_t{15999}}) {
        std::vector<float> copy = signal;
        copy[at] = at % 2 ? INFINITY : NAN;
        copy[15999] = NAN;
        EXPECT_ALMKIT_ERROR(fbank.compute(copy.data(), copy.size()), ErrorCode::kInvalidArgument,
                            "sample " + std::to_string(at) + " ");
      }
    }
  }
}

TEST(KaldiFbank, RejectsBadInputAndOptions) {
  KaldiFbank fbank;
  std::vector<float> short_clip(300, 0.5f);
  EXPECT_ALMKIT_ERROR(fbank.compute(short_clip.data(), short_clip.size()),
                      ErrorCode::kInvalidArgument, "shorter than one frame");
  EXPECT_ALMKIT_ERROR(fbank.compute(nullptr, 0), ErrorCode::kInvalidArgument, "empty");
  std::vector<float> with_nan(4000, 0.5f);
  with_nan[3999] = NAN;
  EXPECT_ALMKIT_ERROR(fbank.compute(with_nan.data(), with_nan.size()), ErrorCode::kInvalidArgument,
                      "sample 3999");
  KaldiFbankOptions bad_window;
  bad_window.window_type = "kaiser";
  EXPECT_ALMKIT_ERROR(KaldiFbank{bad_window}, ErrorCode::kInvalidArgument, "kaiser");
  KaldiFbankOptions bad_band;
  bad_band.low_freq = 9000;
  EXPECT_ALMKIT_ERROR(KaldiFbank{bad_band}, ErrorCode::kInvalidArgument, "low_freq");
  KaldiFbankOptions zero_rate;
  zero_rate.sample_frequency = 0;
  EXPECT_ALMKIT_ERROR(KaldiFbank{zero_rate}, ErrorCode::kInvalidArgument, "sample_frequency");
  KaldiFbankOptions bad_vtln;
  bad_vtln.vtln_warp = 0.9;
  bad_vtln.vtln_low = 10;  // below low_freq's warped inflection point
  bad_vtln.low_freq = 20;
  EXPECT_ALMKIT_ERROR(KaldiFbank{bad_vtln}, ErrorCode::kInvalidArgument, "VTLN needs");
  AudioBuffer wrong_rate{8000, 1, std::vector<float>(8000, 0.1f)};
  EXPECT_ALMKIT_ERROR(fbank.compute(wrong_rate), ErrorCode::kInvalidArgument, "8000 Hz");
}

}  // namespace
}  // namespace almkit
