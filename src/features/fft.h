// Real-input FFTs for the feature front end, kFrameLanes frames at a time (simd_kernels.h).
// Double precision because the log-mel floor (max - 8 decades) and Kaldi's weak bins amplify
// float32 rounding to ~1e-3 (measured on the Kaldi chirp reference).
#pragma once

#include <complex>
#include <vector>

#include "features/simd_kernels.h"

namespace almkit {

// Everything the kernels need, computed once per size: an in-place decimation-in-frequency
// complex FFT of size/2 points (real input packed as even + i * odd samples, which is exactly
// the [sample][lane] layout read as [point][real lanes, imaginary lanes]), then the split into
// the size/2 + 1 bins of the real transform.
struct FftPlan {
  struct Stage {
    int radix;
    int span;                                    // length of the blocks this stage splits
    std::vector<std::complex<double>> twiddles;  // [span / radix][radix]: e^{-2 pi i p t / span}
    std::vector<std::complex<double>>
        roots;  // e^{-2 pi i t / radix}, for radices without a codelet
  };
  int size = 0;  // real length N
  int half = 0;  // complex length N / 2
  std::vector<Stage> stages;
  // Where complex bin k (k = 0 .. N / 2, N / 2 wrapping to 0) sits, in doubles from the start.
  std::vector<ptrdiff_t> bin_offsets;
  std::vector<std::complex<double>> rotations;  // -i e^{-2 pi i k / N}, k = 0 .. N / 2
};

class RealFft {
 public:
  // Throws kUnsupported if `path` needs instructions this CPU lacks.
  explicit RealFft(int size, SimdPath path = best_simd_path());
  int size() const { return plan_.size; }
  int num_bins() const { return plan_.half + 1; }

  // `frames` holds size() x kFrameLanes samples, [sample][lane]; it is used as work space and
  // overwritten. |2 X_k|^2 = 4 |X_k|^2 of lane j goes to power[k * kWideLanes + j] (a wide
  // block's first half; pass power + kFrameLanes for the second), for k < num_bins(): the
  // packed transform ends with a halving that callers fold into their window for free (half
  // the input gives exactly a quarter of the power, bit for bit). Samples from `length` on are
  // zero padding, which the caller need not write (radix-16 plans skip it).
  void power_spectrum_x4(double* frames, float* power, int length) const {
    kernels_->power_spectrum_x4(plan_, frames, length, power);
  }
  void power_spectrum_x4(double* frames, float* power) const {
    power_spectrum_x4(frames, power, size());
  }
  // As above with complex bins: spectrum holds num_bins() x 2 x kFrameLanes values,
  // [bin][real lanes, imaginary lanes].
  void spectrum(double* frames, double* spectrum) const {
    kernels_->spectrum(plan_, frames, spectrum);
  }

 private:
  FftPlan plan_;
  const SimdKernels* kernels_;
};

}  // namespace almkit
