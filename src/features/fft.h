// A self-sorting mixed-radix FFT in double precision for the feature front end. Double because
// the log-mel floor (max - 8 decades) amplifies float32 rounding of weak bins to ~1e-5.
#pragma once

#include <complex>
#include <vector>

namespace almkit {

class ComplexFft {
 public:
  explicit ComplexFft(int size);
  int size() const { return size_; }
  // Forward transform (e^{-2 pi i k n / N}) of `data` in place; `scratch` must hold size() values.
  void forward(std::complex<double>* data, std::complex<double>* scratch) const;

 private:
  struct Stage {
    int radix;
    int span;    // length of the sub-sequences this stage splits
    int stride;  // number of interleaved independent sequences
    std::vector<std::complex<double>> twiddles;  // [span / radix][radix]
    std::vector<std::complex<double>> roots;     // e^{-2 pi i r / radix}
  };
  int size_;
  std::vector<Stage> stages_;
};

// Real-input FFT of an even length N through a complex FFT of N/2.
class RealFft {
 public:
  explicit RealFft(int size);
  int size() const { return size_; }
  int num_bins() const { return size_ / 2 + 1; }
  // `input` has size() samples; `output` receives num_bins() values. Not thread-safe per object
  // because of its work buffers: give each thread its own RealFft.
  void forward(const double* input, std::complex<double>* output);

 private:
  int size_;
  ComplexFft half_;
  std::vector<std::complex<double>> rotations_;  // e^{-2 pi i k / N}
  std::vector<std::complex<double>> work_, scratch_;
};

}  // namespace almkit
