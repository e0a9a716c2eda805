// Every kernel of every instruction-set path this CPU runs, against plain scalar code.
#include "features/simd_kernels.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "features/mel_filters.h"
#include "test_support.h"

namespace almkit {
namespace {

std::vector<SimdPath> runnable_paths() {
  std::vector<SimdPath> paths{SimdPath::kBaseline};
  if (cpu_supports(SimdPath::kAvx2)) paths.push_back(SimdPath::kAvx2);
  return paths;
}

std::vector<double> random_values(size_t n, double scale, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> normal;
  std::vector<double> values(n);
  for (double& v : values) v = scale * normal(rng);
  return values;
}

std::vector<float> random_floats(size_t n, double scale, unsigned seed) {
  const std::vector<double> values = random_values(n, scale, seed);
  return std::vector<float>(values.begin(), values.end());
}

TEST(SimdKernels, GatherTransposesFramesAndSumsThem) {
  for (int length : {400, 402, 3}) {  // whole 4 x 4 tiles, a tail, only a tail
    std::vector<float> signal(length + 3 * 160);
    for (size_t i = 0; i < signal.size(); ++i) signal[i] = std::sin(0.37f * i) + 0.001f * i;
    const float* sources[kFrameLanes] = {signal.data() + 160, signal.data(), signal.data() + 480,
                                         signal.data() + 320};
    for (SimdPath path : runnable_paths()) {
      SCOPED_TRACE(simd_path_name(path));
      std::vector<double> block(length * kFrameLanes);
      double sums[kFrameLanes];
      simd_kernels(path).gather_frames(sources, length, block.data(), sums);
      for (int lane = 0; lane < kFrameLanes; ++lane) {
        double expected_sum = 0.0;
        for (int i = 0; i < length; ++i) {
          ASSERT_EQ(block[i * kFrameLanes + lane], sources[lane][i]) << i << " " << lane;
          expected_sum += sources[lane][i];
        }
        EXPECT_NEAR(sums[lane], expected_sum, 1e-12 * length);
      }
    }
  }
}

TEST(SimdKernels, InterleaveStreamsSideBySideAndFlagsNonFiniteSamples) {
  std::vector<float> signal(2000);
  for (size_t i = 0; i < signal.size(); ++i) signal[i] = std::sin(0.37f * i) + 0.001f * i;
  const float* sources[kFrameLanes] = {signal.data() + 900, signal.data(), signal.data() + 1400,
                                       signal.data() + 301};
  for (SimdPath path : runnable_paths()) {
    SCOPED_TRACE(simd_path_name(path));
    const SimdKernels& kernels = simd_kernels(path);
    for (int rows : {598, 3, 0}) {  // whole 4 x 4 tiles and a tail, only a tail, nothing
      std::vector<double> out(rows * kFrameLanes), sums((rows / 4 + 1) * kFrameLanes);
      EXPECT_FALSE(kernels.interleave_streams(sources, rows, out.data(), sums.data()));
      for (int i = 0; i < rows; ++i) {
        for (int lane = 0; lane < kFrameLanes; ++lane)
          ASSERT_EQ(out[i * kFrameLanes + lane], sources[lane][i]) << i << " " << lane;
      }
      for (int q = 0; q < rows / 4; ++q) {
        for (int lane = 0; lane < kFrameLanes; ++lane) {
          const float* x = sources[lane] + 4 * q;
          ASSERT_EQ(sums[q * kFrameLanes + lane],
                    (double{x[0]} + double{x[1]}) + (double{x[2]} + double{x[3]}))
              << q << " " << lane;
        }
      }
    }
    for (int at : {0, 301, 897, 1997}) {  // in a tile of one lane, in the tail of another
      for (float bad :
           {std::numeric_limits<float>::quiet_NaN(), -std::numeric_limits<float>::infinity()}) {
        std::vector<float> copy = signal;
        copy[at] = bad;
        const float* bad_sources[kFrameLanes] = {copy.data() + 900, copy.data(), copy.data() + 1400,
                                                 copy.data() + 301};
        std::vector<double> out(598 * kFrameLanes);
        EXPECT_TRUE(kernels.interleave_streams(bad_sources, 598, out.data(), nullptr)) << at;
      }
    }
    std::vector<float> huge(signal.size(), std::numeric_limits<float>::max());
    const float* huge_sources[kFrameLanes] = {huge.data(), huge.data(), huge.data(), huge.data()};
    std::vector<double> out(598 * kFrameLanes);
    EXPECT_FALSE(
        kernels.interleave_streams(huge_sources, 598, out.data(), nullptr));  // large but finite
  }
}

TEST(SimdKernels, SumFramesAddsEachLane) {
  const std::vector<double> block = random_values(403 * kFrameLanes, 100.0, 7);
  for (SimdPath path : runnable_paths()) {
    for (int length : {403, 400, 2}) {
      double sums[kFrameLanes];
      simd_kernels(path).sum_frames(block.data(), length, sums);
      for (int lane = 0; lane < kFrameLanes; ++lane) {
        double expected = 0.0;
        for (int i = 0; i < length; ++i) expected += block[i * kFrameLanes + lane];
        EXPECT_NEAR(sums[lane], expected, 1e-10) << simd_path_name(path) << " " << length;
      }
    }
  }
}

TEST(SimdKernels, ConditionFramesMatchesKaldiSteps) {
  const int length = 401;
  const std::vector<double> input = random_values(length * kFrameLanes, 3000.0, 1);
  const std::vector<double> window = random_values(length, 1.0, 2);
  const double means[kFrameLanes] = {12.5, -3.0, 0.0, 1e3};
  const double coefficient = 0.97;
  for (SimdPath path : runnable_paths()) {
    SCOPED_TRACE(simd_path_name(path));
    std::vector<double> block(input.size());  // out of place here; Whisper runs it in place
    double centred_energy[kFrameLanes], windowed_energy[kFrameLanes];
    simd_kernels(path).condition_frames(input.data(), block.data(), length, means, coefficient,
                                        window.data(), centred_energy, windowed_energy);
    for (int lane = 0; lane < kFrameLanes; ++lane) {
      std::vector<double> x(length);
      double centred = 0.0, windowed = 0.0;
      for (int i = 0; i < length; ++i) {
        x[i] = input[i * kFrameLanes + lane] - means[lane];
        centred += x[i] * x[i];
      }
      for (int i = 0; i < length; ++i) {
        const double y = (x[i] - coefficient * x[i > 0 ? i - 1 : 0]) * window[i];
        ASSERT_NEAR(block[i * kFrameLanes + lane], y, 1e-12 * (1 + std::fabs(y))) << i;
        windowed += y * y;
      }
      EXPECT_NEAR(centred_energy[lane], centred, 1e-12 * centred);
      EXPECT_NEAR(windowed_energy[lane], windowed, 1e-12 * windowed);
    }
    // Without energies (a null centred_energy) the frames are the same, bit for bit.
    std::vector<double> without(input.size());
    simd_kernels(path).condition_frames(input.data(), without.data(), length, means, coefficient,
                                        window.data(), nullptr, nullptr);
    EXPECT_EQ(without, block);
  }
}

TEST(SimdKernels, FilterBankSumsEachRun) {
  const int bins = 30;
  const std::vector<FilterRun> runs = {{0, 0, 3}, {2, 3, 5}, {29, 8, 1}, {0, 9, 0}};
  const std::vector<float> weights = random_floats(9, 1.0, 3);
  const std::vector<float> power = random_floats(bins * kWideLanes, 10.0, 4);
  for (SimdPath path : runnable_paths()) {
    SCOPED_TRACE(simd_path_name(path));
    std::vector<float> out(runs.size() * kWideLanes);
    simd_kernels(path).apply_filter_bank(runs.data(), static_cast<int>(runs.size()), weights.data(),
                                         power.data(), out.data());
    for (size_t f = 0; f < runs.size(); ++f) {
      for (int lane = 0; lane < kWideLanes; ++lane) {
        double expected = 0.0, magnitude = 0.0;
        for (int i = 0; i < runs[f].count; ++i) {
          const double term =
              weights[runs[f].offset + i] * power[(runs[f].first_bin + i) * kWideLanes + lane];
          expected += term;
          magnitude += std::fabs(term);
        }
        // float sums: a few float roundings of the terms' magnitude
        EXPECT_NEAR(out[f * kWideLanes + lane], expected, 4e-7 * (1e-30 + magnitude));
      }
    }
  }
}

TEST(SimdKernels, SparseFilterBanksMatchTheDenseProduct) {
  // Kaldi's banks (plain, VTLN, a narrow band), Whisper's slaney banks (all stored by bin), a
  // bank with three filters on one bin and filters without any, and one whose filters go down
  // along the bins (both stored as runs).
  struct Bank {
    std::string name;
    std::vector<double> dense;  // [filter][bin]
    int filters, bins;
    bool by_bin = true;
  };
  std::vector<Bank> banks;
  auto kaldi = [&](std::string name, int filters, double low, double high, double warp,
                   double vtln_high = -500) {
    std::vector<double> dense =
        kaldi_mel_banks(filters, 512, 16000, low, high, 100, vtln_high, warp);
    banks.push_back({name, dense, filters, 257});
  };
  kaldi("kaldi 80", 80, 20, 0, 1.0);
  kaldi("kaldi 128, narrow low filters", 128, 0, 0, 1.0);
  kaldi("kaldi 23 vtln 0.9", 23, 20, 0, 0.9);
  kaldi("kaldi 40 vtln 1.12 band", 40, 60, 6000, 1.12, 5000);
  for (int filters : {80, 128}) {
    const std::vector<double> by_bin = slaney_mel_filters(201, filters, 0.0, 8000.0, 16000);
    std::vector<double> dense(by_bin.size());
    for (int k = 0; k < 201; ++k) {
      for (int f = 0; f < filters; ++f) dense[f * 201 + k] = by_bin[k * filters + f];
    }
    banks.push_back({"slaney " + std::to_string(filters), dense, filters, 201});
  }
  std::vector<double> crowded(4 * 10, 0.0);
  for (int f = 0; f < 3; ++f) crowded[f * 10 + 5] = 0.5 + f;  // bin 5 in filters 0, 1, 2
  crowded[3 * 10 + 8] = 1.0;
  banks.push_back({"crowded", crowded, 4, 10, false});
  std::vector<double> descending(3 * 10, 0.0);
  for (int f = 0; f < 3; ++f) descending[f * 10 + 8 - 3 * f] = 1.0 + f;
  banks.push_back({"descending", descending, 3, 10, false});
  for (const Bank& bank : banks) {
    SCOPED_TRACE(bank.name);
    const SparseFilterBank sparse(bank.dense, bank.filters, bank.bins, bank.bins, 1);
    EXPECT_EQ(sparse.by_bin(), bank.by_bin);
    const std::vector<float> power = random_floats(bank.bins * kWideLanes, 10.0, 5);
    std::vector<float> abs_power(power.size());
    for (size_t i = 0; i < power.size(); ++i) abs_power[i] = std::fabs(power[i]);
    for (SimdPath path : runnable_paths()) {
      SCOPED_TRACE(simd_path_name(path));
      std::vector<float> out(bank.filters * kWideLanes, -1.0f);
      sparse.apply_to_block(simd_kernels(path), abs_power.data(), out.data());
      for (int f = 0; f < bank.filters; ++f) {
        for (int lane = 0; lane < kWideLanes; ++lane) {
          double expected = 0.0;
          for (int k = 0; k < bank.bins; ++k)
            expected += bank.dense[f * bank.bins + k] * abs_power[k * kWideLanes + lane];
          // Positive terms in float, weights rounded to float: ~1e-7 relative; a filter with
          // no bins gives exactly 0.
          ASSERT_NEAR(out[f * kWideLanes + lane], expected, 4e-7 * expected) << f;
        }
      }
    }
  }
}

TEST(SimdKernels, LogIsWithinTwoFloatUlpsFlooredAndReturnsItsLargest) {
  // 1e-12 .. 1e15, below and above the floor, and a NaN, which takes the floor.
  std::vector<float> values;
  for (double v = 1e-12; v < 1e15; v *= 1.0137) values.push_back(static_cast<float>(v));
  values.push_back(std::numeric_limits<float>::quiet_NaN());
  values.resize((values.size() + kWideLanes - 1) / kWideLanes * kWideLanes, 1.0f);
  const float floor = 1.1920928955078125e-07f;
  const float scale = 0.4342944819f;
  for (SimdPath path : runnable_paths()) {
    SCOPED_TRACE(simd_path_name(path));
    std::vector<float> out(values.size());
    const float largest = simd_kernels(path).log(values.data(), static_cast<int>(values.size()),
                                                 floor, scale, out.data());
    EXPECT_EQ(largest, *std::max_element(out.begin(), out.end()));
    for (size_t i = 0; i < values.size(); ++i) {
      const double clamped = values[i] > floor ? values[i] : floor;
      const double expected = scale * std::log(clamped);
      ASSERT_NEAR(out[i], expected, 2.4e-7 * std::max(1.0, std::fabs(expected))) << values[i];
    }
  }
}

TEST(SimdKernels, BlockToRowsTransposesEveryLane) {
  // Whole 8 x 8 tiles and a tail, each lane to its own row.
  for (int count : {80, 128, 13, 5}) {
    std::vector<float> block(count * kWideLanes);
    for (size_t i = 0; i < block.size(); ++i) block[i] = 0.5f * static_cast<float>(i);
    for (SimdPath path : runnable_paths()) {
      SCOPED_TRACE(simd_path_name(path));
      std::vector<std::vector<float>> rows(kWideLanes, std::vector<float>(count, -1.0f));
      float* pointers[kWideLanes];
      for (int lane = 0; lane < kWideLanes; ++lane) pointers[lane] = rows[lane].data();
      simd_kernels(path).block_to_rows(block.data(), count, pointers);
      for (int lane = 0; lane < kWideLanes; ++lane) {
        for (int i = 0; i < count; ++i) {
          ASSERT_EQ(rows[lane][i], block[i * kWideLanes + lane]) << count << " " << lane << " " << i;
        }
      }
    }
  }
}

TEST(SimdKernels, FindsTheFirstNonFiniteSample) {
  for (SimdPath path : runnable_paths()) {
    SCOPED_TRACE(simd_path_name(path));
    const SimdKernels& kernels = simd_kernels(path);
    std::vector<float> samples(10000, 0.25f);
    EXPECT_EQ(kernels.find_non_finite(samples.data(), samples.size()), -1);
    for (int64_t at : {int64_t{0}, int64_t{4095}, int64_t{4096}, int64_t{9999}}) {
      for (float bad :
           {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
            -std::numeric_limits<float>::infinity()}) {
        std::vector<float> copy = samples;
        copy[at] = bad;
        copy[9999] = bad;
        EXPECT_EQ(kernels.find_non_finite(copy.data(), copy.size()), at);
      }
    }
    samples[17] = std::numeric_limits<float>::max();  // large but finite
    EXPECT_EQ(kernels.find_non_finite(samples.data(), samples.size()), -1);
  }
}

}  // namespace
}  // namespace almkit
