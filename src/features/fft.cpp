#include "features/fft.h"

#include <cmath>
#include <string>

#include "almkit/error.h"

namespace almkit {
namespace {

std::vector<int> factorize(int n) {
  // Radix 4 first: fewest passes for the lengths audio uses (200, 256, 512).
  std::vector<int> radices;
  for (int r : {4, 2, 3, 5}) {
    while (n % r == 0) {
      radices.push_back(r);
      n /= r;
    }
  }
  for (int r = 7; n > 1; r += 2) {
    while (n % r == 0) {
      radices.push_back(r);
      n /= r;
    }
  }
  return radices;
}

std::complex<double> unit_root(double fraction) {
  const double angle = -2.0 * M_PI * fraction;
  return {std::cos(angle), std::sin(angle)};
}

}  // namespace

ComplexFft::ComplexFft(int size) : size_(size) {
  if (size <= 0) {
    throw Error(ErrorCode::kInvalidArgument, "FFT size must be positive, got " + std::to_string(size));
  }
  int span = size, stride = 1;
  for (int radix : factorize(size)) {
    Stage stage{radix, span, stride, {}, {}};
    for (int r = 0; r < radix; ++r) stage.roots.push_back(unit_root(static_cast<double>(r) / radix));
    const int sub = span / radix;
    stage.twiddles.resize(static_cast<size_t>(sub) * radix);
    for (int p = 0; p < sub; ++p) {
      for (int t = 0; t < radix; ++t) {
        stage.twiddles[p * radix + t] = unit_root(static_cast<double>(p) * t / span);
      }
    }
    stages_.push_back(std::move(stage));
    span = sub;
    stride *= radix;
  }
}

void ComplexFft::forward(std::complex<double>* data, std::complex<double>* scratch) const {
  // Stockham autosort, decimation in frequency: each stage reads x and writes y in natural order.
  std::complex<double>* x = data;
  std::complex<double>* y = scratch;
  for (const Stage& stage : stages_) {
    const int radix = stage.radix, span = stage.span, s = stage.stride, m = span / radix;
    std::vector<std::complex<double>> in(radix == 2 || radix == 4 || radix == 5 ? 0 : radix);
    for (int p = 0; p < m; ++p) {
      const std::complex<double>* w = &stage.twiddles[p * radix];
      for (int q = 0; q < s; ++q) {
        if (radix == 2) {
          const auto a = x[q + s * p], b = x[q + s * (p + m)];
          y[q + s * (2 * p)] = a + b;
          y[q + s * (2 * p + 1)] = (a - b) * w[1];
        } else if (radix == 4) {
          const auto a0 = x[q + s * p], a1 = x[q + s * (p + m)];
          const auto a2 = x[q + s * (p + 2 * m)], a3 = x[q + s * (p + 3 * m)];
          const auto t0 = a0 + a2, t1 = a0 - a2, t2 = a1 + a3;
          const auto d = a1 - a3;
          const std::complex<double> t3(d.imag(), -d.real());  // -i * (a1 - a3)
          y[q + s * (4 * p)] = t0 + t2;
          y[q + s * (4 * p + 1)] = (t1 + t3) * w[1];
          y[q + s * (4 * p + 2)] = (t0 - t2) * w[2];
          y[q + s * (4 * p + 3)] = (t1 - t3) * w[3];
        } else if (radix == 5) {
          // Winograd-style radix 5: c1 = cos(2 pi / 5), c2 = cos(4 pi / 5), s1, s2 the sines.
          constexpr double c1 = 0.30901699437494745, c2 = -0.8090169943749473;
          constexpr double s1 = 0.9510565162951535, s2 = 0.5877852522924732;
          const auto a0 = x[q + s * p], a1 = x[q + s * (p + m)], a2 = x[q + s * (p + 2 * m)];
          const auto a3 = x[q + s * (p + 3 * m)], a4 = x[q + s * (p + 4 * m)];
          const auto b1 = a1 + a4, b2 = a2 + a3, d1 = a1 - a4, d2 = a2 - a3;
          const auto r1 = a0 + c1 * b1 + c2 * b2, r2 = a0 + c2 * b1 + c1 * b2;
          // -i * (s1 d1 + s2 d2) and -i * (s2 d1 - s1 d2)
          const auto e1 = s1 * d1 + s2 * d2, e2 = s2 * d1 - s1 * d2;
          const std::complex<double> i1(e1.imag(), -e1.real()), i2(e2.imag(), -e2.real());
          y[q + s * (5 * p)] = a0 + b1 + b2;
          y[q + s * (5 * p + 1)] = (r1 + i1) * w[1];
          y[q + s * (5 * p + 2)] = (r2 + i2) * w[2];
          y[q + s * (5 * p + 3)] = (r2 - i2) * w[3];
          y[q + s * (5 * p + 4)] = (r1 - i1) * w[4];
        } else {
          // Generic radix: a direct DFT of length `radix`, then the stage twiddle.
          for (int r = 0; r < radix; ++r) in[r] = x[q + s * (p + r * m)];
          for (int t = 0; t < radix; ++t) {
            std::complex<double> sum = 0.0;
            for (int r = 0; r < radix; ++r) sum += in[r] * stage.roots[(r * t) % radix];
            y[q + s * (radix * p + t)] = sum * w[t];
          }
        }
      }
    }
    std::swap(x, y);
  }
  if (x != data) {
    for (int i = 0; i < size_; ++i) data[i] = x[i];
  }
}

RealFft::RealFft(int size) : size_(size), half_(size > 1 ? size / 2 : 1) {
  if (size < 2 || size % 2 != 0) {
    throw Error(ErrorCode::kInvalidArgument,
                "real FFT size must be even and >= 2, got " + std::to_string(size));
  }
  rotations_.resize(size / 2 + 1);
  for (int k = 0; k <= size / 2; ++k) rotations_[k] = unit_root(static_cast<double>(k) / size);
  work_.resize(size / 2);
  scratch_.resize(size / 2);
}

void RealFft::forward(const double* input, std::complex<double>* output) {
  const int m = size_ / 2;
  for (int k = 0; k < m; ++k) work_[k] = {input[2 * k], input[2 * k + 1]};
  half_.forward(work_.data(), scratch_.data());
  // Split the transform of the packed even/odd samples back into the N-point spectrum.
  for (int k = 0; k <= m; ++k) {
    const std::complex<double> zk = work_[k % m];
    const std::complex<double> zc = std::conj(work_[(m - k) % m]);
    const std::complex<double> even = 0.5 * (zk + zc);
    const std::complex<double> odd_times_i = 0.5 * (zk - zc);
    const std::complex<double> odd(odd_times_i.imag(), -odd_times_i.real());
    output[k] = even + rotations_[k] * odd;
  }
}

}  // namespace almkit
