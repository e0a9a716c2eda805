#include "features/fft.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "test_support.h"

namespace almkit {
namespace {

std::vector<std::complex<double>> naive_dft(const std::vector<double>& x) {
  const size_t n = x.size();
  std::vector<std::complex<double>> out(n / 2 + 1);
  for (size_t k = 0; k <= n / 2; ++k) {
    std::complex<double> sum = 0;
    for (size_t t = 0; t < n; ++t) sum += x[t] * std::polar(1.0, -2.0 * M_PI * double(k * t % n) / n);
    out[k] = sum;
  }
  return out;
}

class RealFftSizes : public ::testing::TestWithParam<int> {};

TEST_P(RealFftSizes, MatchesNaiveDft) {
  const int n = GetParam();
  std::mt19937 rng(n);
  std::normal_distribution<double> normal;
  std::vector<double> x(n);
  for (double& v : x) v = normal(rng);
  RealFft fft(n);
  std::vector<std::complex<double>> got(fft.num_bins());
  fft.forward(x.data(), got.data());
  const auto expected = naive_dft(x);
  double worst = 0;
  for (int k = 0; k < fft.num_bins(); ++k) worst = std::max(worst, std::abs(got[k] - expected[k]));
  EXPECT_LT(worst, 1e-9 * n) << "size " << n;
}

// Whisper (400), Kaldi (512, and 320/400 without rounding), odd factors (2 * 3 * 7 * 11).
INSTANTIATE_TEST_SUITE_P(Lengths, RealFftSizes, ::testing::Values(2, 8, 320, 400, 512, 462, 1024));

TEST(RealFft, RejectsOddOrTinySizes) {
  EXPECT_ALMKIT_ERROR(RealFft(401), ErrorCode::kInvalidArgument, "even");
  EXPECT_ALMKIT_ERROR(RealFft(0), ErrorCode::kInvalidArgument, "even");
}

}  // namespace
}  // namespace almkit
