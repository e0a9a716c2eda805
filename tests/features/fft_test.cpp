#include "features/fft.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <tuple>

#include "test_support.h"

namespace almkit {
namespace {

std::vector<std::complex<double>> naive_dft(const std::vector<double>& x) {
  const size_t n = x.size();
  std::vector<std::complex<double>> out(n / 2 + 1);
  for (size_t k = 0; k <= n / 2; ++k) {
    std::complex<double> sum = 0;
    for (size_t t = 0; t < n; ++t)
      sum += x[t] * std::polar(1.0, -2.0 * M_PI * double(k * t % n) / n);
    out[k] = sum;
  }
  return out;
}

// Every kernel set this CPU can run: the baseline always, AVX2 where present (even when
// ALMKIT_SIMD=baseline makes the library prefer the baseline).
std::vector<SimdPath> runnable_paths() {
  std::vector<SimdPath> paths{SimdPath::kBaseline};
  if (cpu_supports(SimdPath::kAvx2)) paths.push_back(SimdPath::kAvx2);
  return paths;
}

// kFrameLanes random frames of length n, [sample][lane].
std::vector<std::vector<double>> random_frames(int n) {
  std::mt19937 rng(n);
  std::normal_distribution<double> normal;
  std::vector<std::vector<double>> frames(kFrameLanes, std::vector<double>(n));
  for (auto& frame : frames) {
    for (double& v : frame) v = normal(rng);
  }
  return frames;
}

std::vector<double> interleave(const std::vector<std::vector<double>>& frames) {
  const size_t n = frames[0].size();
  std::vector<double> out(n * kFrameLanes);
  for (size_t i = 0; i < n; ++i) {
    for (int lane = 0; lane < kFrameLanes; ++lane) out[i * kFrameLanes + lane] = frames[lane][i];
  }
  return out;
}

class RealFftSizes : public ::testing::TestWithParam<int> {};

TEST_P(RealFftSizes, EveryPathMatchesNaiveDftInEveryLane) {
  const int n = GetParam();
  const auto frames = random_frames(n);
  for (SimdPath path : runnable_paths()) {
    SCOPED_TRACE(simd_path_name(path));
    RealFft fft(n, path);
    std::vector<double> work = interleave(frames), spectrum(fft.num_bins() * 2 * kFrameLanes);
    fft.spectrum(work.data(), spectrum.data());
    // The power goes to the second half of a wide block; the first half keeps its NaNs.
    work = interleave(frames);
    std::vector<float> power(fft.num_bins() * kWideLanes, std::nanf(""));
    fft.power_spectrum_x4(work.data(), power.data() + kFrameLanes);
    for (int lane = 0; lane < kFrameLanes; ++lane) {
      const auto expected = naive_dft(frames[lane]);
      double worst = 0, worst_power = 0;
      for (int k = 0; k < fft.num_bins(); ++k) {
        const std::complex<double> got(spectrum[(2 * k) * kFrameLanes + lane],
                                       spectrum[(2 * k + 1) * kFrameLanes + lane]);
        worst = std::max(worst, std::abs(got - expected[k]));
        // |2 X_k|^2, computed in double, rounded once to float.
        const double p = 4.0 * std::norm(expected[k]);
        worst_power = std::max(
            worst_power, std::abs(power[k * kWideLanes + kFrameLanes + lane] - p) / (1 + p));
        ASSERT_TRUE(std::isnan(power[k * kWideLanes + lane]));
      }
      EXPECT_LT(worst, 1e-9 * n) << "size " << n << " lane " << lane;
      EXPECT_LT(worst_power, 1.2e-7 + 1e-9 * n) << "size " << n << " lane " << lane;
    }
  }
}

TEST_P(RealFftSizes, SamplesFromTheLengthOnAreZeroPaddingWhateverTheyHold) {
  // Kaldi pads 400 samples to 512: radix-16 plans skip the padding, others zero it. NaNs past
  // the length must not reach the result; whole, odd and mostly-padding lengths, and 29/64 of
  // the transform, where the last first-stage butterflies would have 9 zero inputs of 16
  // (more than the codelets take: the plan must zero the padding instead).
  const int n = GetParam();
  const auto frames = random_frames(n);
  for (SimdPath path : runnable_paths()) {
    SCOPED_TRACE(simd_path_name(path));
    const RealFft fft(n, path);
    for (int length : {n, n - 1, n * 25 / 32, n * 29 / 64, n / 4 + 1, 1}) {
      if (length < 1 || length > n) continue;
      std::vector<double> padded = interleave(frames), with_nans = padded;
      std::fill(padded.begin() + length * kFrameLanes, padded.end(), 0.0);
      std::fill(with_nans.begin() + length * kFrameLanes, with_nans.end(), std::nan(""));
      std::vector<float> expected(fft.num_bins() * kWideLanes), got(expected.size());
      fft.power_spectrum_x4(padded.data(), expected.data());
      fft.power_spectrum_x4(with_nans.data(), got.data(), length);
      for (int k = 0; k < fft.num_bins(); ++k) {
        for (int lane = 0; lane < kFrameLanes; ++lane) {
          const float want = expected[k * kWideLanes + lane];
          // Both in double and rounded once: at most an ulp apart.
          ASSERT_NEAR(got[k * kWideLanes + lane], want, 1.2e-7 * want + 1e-30)
              << "length " << length;
        }
      }
    }
  }
}

// Whisper (400), Kaldi (512, and 320/400 without rounding), odd factors (2 * 3 * 7 * 11), and
// every codelet (radix 2, 3, 4, 5, 8, 16) and the generic stage (7) on its own.
INSTANTIATE_TEST_SUITE_P(Lengths, RealFftSizes,
                         ::testing::Values(2, 4, 6, 8, 10, 14, 16, 32, 320, 400, 512, 462, 1024));

TEST(RealFft, AFrameGivesTheSameBitsInEveryLane) {
  // Frames must not depend on which lane (hence which thread split) they land in.
  const int n = 400;
  const auto frames = random_frames(n);
  for (SimdPath path : runnable_paths()) {
    RealFft fft(n, path);
    std::vector<double> work(n * kFrameLanes);
    std::vector<float> power(fft.num_bins() * kWideLanes);
    for (int i = 0; i < n; ++i) {
      for (int lane = 0; lane < kFrameLanes; ++lane) work[i * kFrameLanes + lane] = frames[0][i];
    }
    fft.power_spectrum_x4(work.data(), power.data());
    for (int k = 0; k < fft.num_bins(); ++k) {
      for (int lane = 1; lane < kFrameLanes; ++lane) {
        ASSERT_EQ(power[k * kWideLanes + lane], power[k * kWideLanes]) << simd_path_name(path);
      }
    }
  }
}

TEST(RealFft, RejectsOddOrTinySizes) {
  EXPECT_ALMKIT_ERROR(RealFft(401), ErrorCode::kInvalidArgument, "even");
  EXPECT_ALMKIT_ERROR(RealFft(0), ErrorCode::kInvalidArgument, "even");
}

}  // namespace
}  // namespace almkit
