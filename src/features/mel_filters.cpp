#include "features/mel_filters.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "almkit/error.h"

namespace almkit {
namespace {

constexpr double kMinLogHertz = 1000.0;
constexpr double kMinLogMel = 15.0;

double kaldi_mel(double hertz) {
  return 1127.0 * std::log(1.0 + hertz / 700.0);
}

}  // namespace

double hertz_to_mel_slaney(double hertz) {
  if (hertz >= kMinLogHertz)
    return kMinLogMel + std::log(hertz / kMinLogHertz) * (27.0 / std::log(6.4));
  return 3.0 * hertz / 200.0;
}

double mel_to_hertz_slaney(double mel) {
  if (mel >= kMinLogMel) return kMinLogHertz * std::exp(std::log(6.4) / 27.0 * (mel - kMinLogMel));
  return 200.0 * mel / 3.0;
}

std::vector<double> slaney_mel_filters(int num_frequency_bins, int num_mel_filters,
                                       double min_frequency, double max_frequency,
                                       double sampling_rate) {
  if (num_frequency_bins < 2 || num_mel_filters < 1 || !(max_frequency > min_frequency)) {
    throw Error(ErrorCode::kInvalidArgument,
                "mel filters need >= 2 frequency bins, >= 1 filter and max > min frequency (got " +
                    std::to_string(num_frequency_bins) + ", " + std::to_string(num_mel_filters) +
                    ", " + std::to_string(min_frequency) + "-" + std::to_string(max_frequency) +
                    ")");
  }
  const double mel_min = hertz_to_mel_slaney(min_frequency);
  const double mel_max = hertz_to_mel_slaney(max_frequency);
  std::vector<double> filter_freqs(num_mel_filters + 2);
  for (int i = 0; i < num_mel_filters + 2; ++i) {
    filter_freqs[i] =
        mel_to_hertz_slaney(mel_min + (mel_max - mel_min) * i / (num_mel_filters + 1));
  }
  // transformers spaces FFT bins over [0, sampling_rate // 2] (integer division).
  const double nyquist = std::floor(sampling_rate / 2.0);
  std::vector<double> filters(static_cast<size_t>(num_frequency_bins) * num_mel_filters, 0.0);
  for (int f = 0; f < num_frequency_bins; ++f) {
    const double fft_freq = nyquist * f / (num_frequency_bins - 1);
    for (int m = 0; m < num_mel_filters; ++m) {
      const double down = (fft_freq - filter_freqs[m]) / (filter_freqs[m + 1] - filter_freqs[m]);
      const double up =
          (filter_freqs[m + 2] - fft_freq) / (filter_freqs[m + 2] - filter_freqs[m + 1]);
      const double enorm = 2.0 / (filter_freqs[m + 2] - filter_freqs[m]);
      filters[static_cast<size_t>(f) * num_mel_filters + m] =
          std::max(0.0, std::min(down, up)) * enorm;
    }
  }
  return filters;
}

namespace {

// Kaldi's VTLN warp of a mel frequency, in float32 as torchaudio's vtln_warp_mel_freq: to Hz,
// a piecewise-linear warp with inflection points l and h (F(f) = f / warp between them, ends
// fixed at low_freq and high_freq), back to mel.
float vtln_warp_mel(float mel, double vtln_low, double vtln_high, double low_freq, double high_freq, double warp) {
  const float hertz = 700.0f * (std::exp(mel / 1127.0f) - 1.0f);
  const double l = vtln_low * std::max(1.0, warp), h = vtln_high * std::min(1.0, warp);
  const double scale = 1.0 / warp;
  const double scale_left = (scale * l - low_freq) / (l - low_freq);
  const double scale_right = (high_freq - scale * h) / (high_freq - h);
  float warped;
  // comparisons in float32, as torch compares a float tensor with a Python scalar
  if (hertz < static_cast<float>(low_freq) || hertz > static_cast<float>(high_freq)) {
    warped = hertz;
  } else if (hertz < static_cast<float>(l)) {
    warped = static_cast<float>(low_freq) + static_cast<float>(scale_left) * (hertz - static_cast<float>(low_freq));
  } else if (hertz < static_cast<float>(h)) {
    warped = static_cast<float>(scale) * hertz;
  } else {
    warped = static_cast<float>(high_freq) + static_cast<float>(scale_right) * (hertz - static_cast<float>(high_freq));
  }
  return 1127.0f * std::log(1.0f + warped / 700.0f);
}

}  // namespace

std::vector<double> kaldi_mel_banks(int num_bins, int padded_window_size, double sample_frequency,
                                    double low_freq, double high_freq, double vtln_low, double vtln_high,
                                    double vtln_warp) {
  const int num_fft_bins = padded_window_size / 2;
  const double nyquist = 0.5 * sample_frequency;
  if (high_freq <= 0.0) high_freq += nyquist;
  if (num_bins < 3 || !(low_freq >= 0.0 && low_freq < nyquist) ||
      !(high_freq > 0.0 && high_freq <= nyquist && low_freq < high_freq)) {
    throw Error(ErrorCode::kInvalidArgument,
                "kaldi fbank: need num_mel_bins >= 3 and 0 <= low_freq < high_freq <= Nyquist (" +
                    std::to_string(nyquist) + " Hz); got " + std::to_string(num_bins) + " bins, " +
                    std::to_string(low_freq) + "-" + std::to_string(high_freq) + " Hz");
  }
  if (vtln_high < 0.0) vtln_high += nyquist;
  const bool warp = vtln_warp != 1.0;
  if (warp && !(vtln_warp > 0.0 && low_freq < vtln_low && vtln_low < high_freq && 0.0 < vtln_high &&
                vtln_high < high_freq && vtln_low < vtln_high &&
                vtln_low * std::max(1.0, vtln_warp) > low_freq && vtln_high * std::min(1.0, vtln_warp) < high_freq)) {
    throw Error(ErrorCode::kInvalidArgument,
                "kaldi fbank: VTLN needs warp > 0 and low_freq < vtln_low < vtln_high < high_freq, with the "
                "warped inflection points inside (got warp " + std::to_string(vtln_warp) + ", vtln_low " +
                    std::to_string(vtln_low) + ", vtln_high " + std::to_string(vtln_high) + ", low_freq " +
                    std::to_string(low_freq) + ", high_freq " + std::to_string(high_freq) + ")");
  }
  // torchaudio builds these triangles in float32 (its default dtype), scalars rounded to
  // float at each op; narrow triangles make that rounding visible (~2e-4 in log energy), so the
  // same float32 steps are followed here.
  const double fft_bin_width = sample_frequency / padded_window_size;
  const double mel_low = kaldi_mel(low_freq), mel_high = kaldi_mel(high_freq);
  const double mel_delta = (mel_high - mel_low) / (num_bins + 1);
  const auto low = static_cast<float>(mel_low), delta = static_cast<float>(mel_delta);
  std::vector<float> fft_mel(num_fft_bins);
  for (int k = 0; k < num_fft_bins; ++k) {
    const float hertz = static_cast<float>(fft_bin_width) * static_cast<float>(k);
    fft_mel[k] = 1127.0f * std::log(1.0f + hertz / 700.0f);
  }
  auto warped = [&](float mel) {
    return warp ? vtln_warp_mel(mel, vtln_low, vtln_high, low_freq, high_freq, vtln_warp) : mel;
  };
  std::vector<double> banks(static_cast<size_t>(num_bins) * (num_fft_bins + 1), 0.0);
  for (int b = 0; b < num_bins; ++b) {
    const float left = warped(low + static_cast<float>(b) * delta);
    const float center = warped(low + (static_cast<float>(b) + 1.0f) * delta);
    const float right = warped(low + (static_cast<float>(b) + 2.0f) * delta);
    // Unwarped, a triangle is zero outside (left, right): only the bins inside are worked out
    // (two float divisions each, as torchaudio makes them).
    int first = 0, end = num_fft_bins;
    if (!warp) {
      first = static_cast<int>(
          std::upper_bound(fft_mel.begin(), fft_mel.end(), left) - fft_mel.begin());
      end = static_cast<int>(std::lower_bound(fft_mel.begin(), fft_mel.end(), right) -
                             fft_mel.begin());
    }
    for (int k = first; k < end; ++k) {
      const float up = (fft_mel[k] - left) / (center - left);
      const float down = (right - fft_mel[k]) / (right - center);
      float weight;
      if (!warp) {
        weight = std::max(0.0f, std::min(up, down));
      } else {  // warping may reorder the corners: torchaudio takes each slope only on its side
        weight = fft_mel[k] > left && fft_mel[k] <= center ? up : (fft_mel[k] > center && fft_mel[k] < right ? down : 0.0f);
      }
      banks[static_cast<size_t>(b) * (num_fft_bins + 1) + k] = weight;
    }
  }
  return banks;
}

namespace {

// The bins of filter f that feed no lower filter: the run that apply_filter_pairs reads for f,
// with each bin's weights for f and f + 1. False (nothing built) when a bin feeds filters other
// than its lowest and the next, or when the lowest filter of a bin goes down along the bins.
// weight(f, k): filter f's weight for FFT bin k.
template <typename Weight>
bool filter_pairs(const Weight& weight, int num_filters, int num_bins,
                  std::vector<FilterRun>& runs, std::vector<float>& weights) {
  // Each bin's lowest filter, filter by filter (the inner loop runs along a filter, where dense
  // banks are contiguous).
  std::vector<int> lowest(num_bins, -1);
  for (int f = 0; f < num_filters; ++f) {
    for (int k = 0; k < num_bins; ++k) {
      if (weight(f, k) == 0.0) continue;
      if (lowest[k] < 0) lowest[k] = f;
      if (f > lowest[k] + 1) return false;
    }
  }
  int previous = 0;
  for (int k = 0; k < num_bins; ++k) {
    if (lowest[k] < 0) continue;
    if (lowest[k] < previous) return false;
    previous = lowest[k];
  }
  runs.clear();
  weights.clear();
  int k = 0;
  for (int f = 0; f < num_filters; ++f) {
    while (k < num_bins && lowest[k] < f) ++k;  // bins of no filter count as below any
    int end = k;
    for (int i = k; i < num_bins && (lowest[i] < 0 || lowest[i] == f); ++i) {
      if (lowest[i] == f) end = i + 1;
    }
    const int begin = end > k ? k : 0;
    if (end <= k) end = 0;
    runs.push_back({begin, static_cast<int>(weights.size() / 2), end - begin});
    for (int i = begin; i < end; ++i) {  // bins of no filter inside the run weigh 0 for both
      weights.push_back(lowest[i] == f ? static_cast<float>(weight(f, i)) : 0.f);
      weights.push_back(lowest[i] == f && f + 1 < num_filters ? static_cast<float>(weight(f + 1, i))
                                                             : 0.f);
    }
    k = std::max(k, end);
  }
  return true;
}

}  // namespace

SparseFilterBank::SparseFilterBank(const std::vector<double>& dense, int num_filters, int num_bins,
                                   int filter_stride, int bin_stride) {
  auto weight = [&](int f, int k) {
    return dense[static_cast<size_t>(f) * filter_stride + static_cast<size_t>(k) * bin_stride];
  };
  by_bin_ = filter_pairs(weight, num_filters, num_bins, runs_, weights_);
  if (by_bin_) return;
  for (int f = 0; f < num_filters; ++f) {
    int begin = num_bins, end = 0;
    for (int k = 0; k < num_bins; ++k) {
      if (weight(f, k) != 0.0) {
        begin = std::min(begin, k);
        end = k + 1;
      }
    }
    if (end <= begin) begin = end = 0;  // a filter narrower than one bin is all zero
    // Zero weights pad each run to a multiple of four bins (after the run, or before it at the
    // top), so the kernel's four-way loop has a short, regular trip count.
    const int count = std::min(num_bins, (end - begin + 3) / 4 * 4);
    const int first = std::min(begin, num_bins - count);
    runs_.push_back({first, static_cast<int>(weights_.size()), count});
    for (int k = first; k < first + count; ++k)
      weights_.push_back(k >= begin && k < end ? static_cast<float>(weight(f, k)) : 0.f);
  }
}

}  // namespace almkit
