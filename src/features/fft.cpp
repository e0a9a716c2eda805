#include "features/fft.h"

#include <cmath>
#include <string>

#include "almkit/error.h"

namespace almkit {
namespace {

std::vector<int> factorize(int n) {
  // Largest codelets first: fewest passes over the data for the lengths audio uses
  // (200 = 8 5 5, 256 = 16 16).
  std::vector<int> radices;
  for (int r : {16, 8, 4, 2, 3, 5}) {
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

FftPlan make_plan(int size) {
  FftPlan plan;
  plan.size = size;
  plan.half = size / 2;
  int span = plan.half;
  for (int radix : factorize(plan.half)) {
    FftPlan::Stage stage{radix, span, {}, {}};
    const int sub = span / radix;
    stage.twiddles.resize(static_cast<size_t>(sub) * radix);
    for (int p = 0; p < sub; ++p) {
      for (int t = 0; t < radix; ++t) {
        stage.twiddles[p * radix + t] = unit_root(static_cast<double>(p) * t / span);
      }
    }
    if (radix % 2 != 0 && radix > 5) {  // no codelet: the generic stage needs the roots
      for (int t = 0; t < radix; ++t)
        stage.roots.push_back(unit_root(static_cast<double>(t) / radix));
    }
    plan.stages.push_back(std::move(stage));
    span = sub;
  }
  // In-place decimation in frequency leaves bin k = t1 + r1 (t2 + r2 (...)) at position
  // t1 (M / r1) + t2 (M / r1 r2) + ...: the digits of k reversed.
  plan.bin_offsets.resize(plan.half + 1);
  for (int k = 0; k < plan.half; ++k) {
    int rest = k, block = plan.half, position = 0;
    for (const FftPlan::Stage& stage : plan.stages) {
      block /= stage.radix;
      position += (rest % stage.radix) * block;
      rest /= stage.radix;
    }
    plan.bin_offsets[k] = static_cast<ptrdiff_t>(position) * 2 * kFrameLanes;
  }
  plan.bin_offsets[plan.half] = plan.bin_offsets[0];
  plan.rotations.resize(plan.half + 1);
  for (int k = 0; k <= plan.half; ++k) {
    plan.rotations[k] = std::complex<double>(0.0, -1.0) * unit_root(static_cast<double>(k) / size);
  }
  return plan;
}

}  // namespace

RealFft::RealFft(int size, SimdPath path) : kernels_(&simd_kernels(path)) {
  if (size < 2 || size % 2 != 0) {
    throw Error(ErrorCode::kInvalidArgument,
                "real FFT size must be even and >= 2, got " + std::to_string(size));
  }
  plan_ = make_plan(size);
}

}  // namespace almkit
