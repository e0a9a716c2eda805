#include "models/codecs/round_trip_quality.h"

#include <algorithm>
#include <cmath>

#include "almkit/error.h"

namespace almkit::codecs {
namespace {

KaldiFbankOptions log_mel_options(int64_t sample_rate) {
  KaldiFbankOptions options;
  options.num_mel_bins = 80;
  options.sample_frequency = static_cast<double>(sample_rate);
  return options;
}

}  // namespace

RoundTripQuality::RoundTripQuality(int64_t sample_rate) : fbank_(log_mel_options(sample_rate)) {
  // The frame geometry, as the fbank counts frames (snip_edges: 1 + (n - window) / shift).
  while (fbank_.num_frames(window_) == 0) ++window_;
  shift_ = 1;
  while (fbank_.num_frames(window_ + shift_) == 1) ++shift_;
}

void RoundTripQuality::add(const at::Tensor& reference, const at::Tensor& estimate) {
  const int64_t n = std::min(reference.size(-1), estimate.size(-1));
  if (n <= 0) return;
  const at::Tensor s = reference.narrow(-1, 0, n).to(at::kDouble),
                   e = estimate.narrow(-1, 0, n).to(at::kDouble);
  dot_ += (s * e).sum().item<double>();
  reference_energy_ += (s * s).sum().item<double>();
  estimate_energy_ += (e * e).sum().item<double>();
  samples_ += n;
  const at::Tensor a = reference.narrow(-1, 0, n).reshape({-1, n})[0].to(at::kFloat).contiguous();
  const at::Tensor b = estimate.narrow(-1, 0, n).reshape({-1, n})[0].to(at::kFloat).contiguous();
  pending_reference_.insert(pending_reference_.end(), a.data_ptr<float>(), a.data_ptr<float>() + n);
  pending_estimate_.insert(pending_estimate_.end(), b.data_ptr<float>(), b.data_ptr<float>() + n);
  add_mel_frames(false);
}

void RoundTripQuality::add_mel_frames(bool flush) {
  const int64_t available = static_cast<int64_t>(pending_reference_.size());
  const int64_t frames = fbank_.num_frames(available);
  // Wait for a few hundred frames: each compute call has a fixed cost.
  if (frames == 0 || (!flush && frames < 512)) return;
  const int64_t used = window_ + (frames - 1) * shift_;
  const FeatureTensor fa = fbank_.compute(pending_reference_.data(), used);
  const FeatureTensor fb = fbank_.compute(pending_estimate_.data(), used);
  for (size_t i = 0; i < fa.values.size(); ++i) mel_sum_ += std::fabs(fa.values[i] - fb.values[i]);
  mel_values_ += static_cast<int64_t>(fa.values.size());
  pending_reference_.erase(pending_reference_.begin(),
                           pending_reference_.begin() + frames * shift_);
  pending_estimate_.erase(pending_estimate_.begin(), pending_estimate_.begin() + frames * shift_);
}

double RoundTripQuality::si_sdr() const {
  // ||a s||^2 / ||e - a s||^2 with a = <e, s> / ||s||^2, from the three sums.
  const double alpha = dot_ / std::max(reference_energy_, 1e-20);
  const double target = alpha * alpha * reference_energy_;
  const double noise = estimate_energy_ - 2 * alpha * dot_ + target;
  return 10.0 * std::log10(target / std::max(noise, 1e-20));
}

double RoundTripQuality::log_mel_distance() {
  add_mel_frames(true);
  return mel_values_ ? mel_sum_ / mel_values_ : 0.0;
}

}  // namespace almkit::codecs
