// Measurements the synth tests make on rendered audio, independent of how it was made: pitch by
// YIN, tone strength by a Hann-windowed Goertzel, onsets and active spans from a frame-RMS
// envelope.
#pragma once

#include <algorithm>
#include <cmath>
#include <vector>

namespace almkit::test {

inline std::vector<float> slice(const std::vector<float>& x, int sample_rate, double start,
                                double end) {
  const size_t a = static_cast<size_t>(std::max(0.0, start) * sample_rate);
  const size_t b = std::min(x.size(), static_cast<size_t>(end * sample_rate));
  return a < b ? std::vector<float>(x.begin() + a, x.begin() + b) : std::vector<float>{};
}

// Fundamental frequency by YIN (cumulative mean normalised difference, threshold 0.15,
// parabolic refinement); 0 when nothing is periodic between fmin and fmax.
inline double estimate_f0(const std::vector<float>& x, int sample_rate, double fmin = 60.0,
                          double fmax = 2000.0) {
  const int max_lag = static_cast<int>(sample_rate / fmin);
  const int min_lag = std::max(2, static_cast<int>(sample_rate / fmax));
  const int window = static_cast<int>(x.size()) - max_lag - 2;
  if (window < max_lag) return 0.0;
  std::vector<double> d(max_lag + 2, 0.0), cmnd(max_lag + 2, 1.0);
  for (int lag = 1; lag <= max_lag + 1; ++lag) {
    double sum = 0.0;
    for (int i = 0; i < window; ++i) {
      const double diff = x[i] - x[i + lag];
      sum += diff * diff;
    }
    d[lag] = sum;
  }
  double running = 0.0;
  for (int lag = 1; lag <= max_lag + 1; ++lag) {
    running += d[lag];
    cmnd[lag] = running > 0 ? d[lag] * lag / running : 1.0;
  }
  int best = -1;
  for (int lag = min_lag; lag <= max_lag; ++lag) {
    if (cmnd[lag] < 0.15) {
      while (lag + 1 <= max_lag && cmnd[lag + 1] < cmnd[lag]) ++lag;
      best = lag;
      break;
    }
  }
  if (best < 0) return 0.0;
  const double a = cmnd[best - 1], b = cmnd[best], c = cmnd[best + 1];
  const double denominator = a - 2 * b + c;
  const double shift = denominator != 0 ? 0.5 * (a - c) / denominator : 0.0;
  return sample_rate / (best + shift);
}

inline double hz_to_midi_pitch(double hz) {
  return 69.0 + 12.0 * std::log2(hz / 440.0);
}

// Magnitude of the Hann-windowed DFT of x at `frequency`: a sine of amplitude A gives A/4.
inline double tone_magnitude(const std::vector<float>& x, int sample_rate, double frequency) {
  const double omega = 2.0 * M_PI * frequency / sample_rate;
  double re = 0.0, im = 0.0;
  const size_t n = x.size();
  for (size_t i = 0; i < n; ++i) {
    const double w = 0.5 - 0.5 * std::cos(2.0 * M_PI * i / (n - 1));
    re += w * x[i] * std::cos(omega * i);
    im -= w * x[i] * std::sin(omega * i);
  }
  return std::sqrt(re * re + im * im) / n;
}

inline double rms(const std::vector<float>& x) {
  if (x.empty()) return 0.0;
  double sum = 0.0;
  for (float v : x) sum += double(v) * v;
  return std::sqrt(sum / x.size());
}

// RMS of consecutive frames of `frame_seconds`.
inline std::vector<double> frame_rms(const std::vector<float>& x, int sample_rate,
                                     double frame_seconds) {
  const size_t frame = static_cast<size_t>(frame_seconds * sample_rate);
  std::vector<double> out;
  for (size_t start = 0; start + frame <= x.size(); start += frame) {
    out.push_back(rms(std::vector<float>(x.begin() + start, x.begin() + start + frame)));
  }
  return out;
}

// Times (s) where the frame-RMS envelope rises above `threshold` times its maximum after at least
// `min_gap_seconds` below it.
inline std::vector<double> detect_onsets(const std::vector<float>& x, int sample_rate,
                                         double threshold = 0.1, double min_gap_seconds = 0.04,
                                         double frame_seconds = 0.005) {
  const std::vector<double> envelope = frame_rms(x, sample_rate, frame_seconds);
  const double peak = *std::max_element(envelope.begin(), envelope.end());
  const int min_gap = static_cast<int>(std::lround(min_gap_seconds / frame_seconds));
  std::vector<double> onsets;
  int quiet = min_gap;
  for (size_t i = 0; i < envelope.size(); ++i) {
    if (envelope[i] > threshold * peak) {
      if (quiet >= min_gap) onsets.push_back(i * frame_seconds);
      quiet = 0;
    } else {
      ++quiet;
    }
  }
  return onsets;
}

// Length (s) of the span from the first to the last frame above `threshold` times the maximum.
inline double active_seconds(const std::vector<float>& x, int sample_rate, double threshold = 0.1,
                             double frame_seconds = 0.005) {
  const std::vector<double> envelope = frame_rms(x, sample_rate, frame_seconds);
  const double peak = *std::max_element(envelope.begin(), envelope.end());
  int first = -1, last = -1;
  for (size_t i = 0; i < envelope.size(); ++i) {
    if (envelope[i] > threshold * peak) {
      if (first < 0) first = static_cast<int>(i);
      last = static_cast<int>(i);
    }
  }
  return first < 0 ? 0.0 : (last - first + 1) * frame_seconds;
}

}  // namespace almkit::test
