// Mel filter banks: slaney-style as transformers' mel_filter_bank builds them (Whisper), and
// Kaldi's as torchaudio.compliance.kaldi.get_mel_banks builds them.
#pragma once

#include <vector>

#include "features/simd_kernels.h"

namespace almkit {

double hertz_to_mel_slaney(double hertz);
double mel_to_hertz_slaney(double mel);

// [num_frequency_bins, num_mel_filters], row-major, triangles in Hz, slaney area normalisation.
std::vector<double> slaney_mel_filters(int num_frequency_bins, int num_mel_filters,
                                       double min_frequency, double max_frequency,
                                       double sampling_rate);

// [num_bins, padded_window_size / 2 + 1] (last column zero, as torchaudio pads it). vtln_warp
// != 1 warps the triangle corners as Kaldi's VTLN (vtln_high <= 0 counts from Nyquist).
std::vector<double> kaldi_mel_banks(int num_bins, int padded_window_size, double sample_frequency,
                                    double low_freq, double high_freq, double vtln_low = 100.0,
                                    double vtln_high = -500.0, double vtln_warp = 1.0);

// A filter bank stored as the non-zero run of each filter: mel triangles cover a few FFT bins,
// so applying only the runs is ~20x less work than a dense product. Banks of overlapping
// triangles (every bin in at most two neighbouring filters, in order: Kaldi's and slaney's) are
// stored by bin instead, each bin read once for both of its filters.
class SparseFilterBank {
 public:
  // `dense` holds filter f's weight for FFT bin k at dense[f * filter_stride + k * bin_stride].
  SparseFilterBank(const std::vector<double>& dense, int num_filters, int num_bins,
                   int filter_stride, int bin_stride);
  int num_filters() const { return static_cast<int>(runs_.size()); }
  bool by_bin() const { return by_bin_; }
  // Every filter on kWideLanes frames: power is [bin][lane], out [filter][lane]. The weights
  // are float: rounding them moves a sum by ~1e-7 relative.
  void apply_to_block(const SimdKernels& kernels, const float* power, float* out) const {
    (by_bin_ ? kernels.apply_filter_pairs : kernels.apply_filter_bank)(
        runs_.data(), num_filters(), weights_.data(), power, out);
  }

 private:
  bool by_bin_ = false;
  std::vector<FilterRun> runs_;
  std::vector<float> weights_;
};

}  // namespace almkit
