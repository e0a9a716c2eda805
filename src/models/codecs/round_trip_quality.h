// Round-trip quality of a codec (SI-SDR and log-mel distance of the decoded audio against the
// input), accumulated block by block so a long file is compared without holding either signal.
// The figures equal those over the whole signals (up to the order of double sums): SI-SDR needs
// only three running sums, and Kaldi frames (snip_edges) depend on their own samples only.
#pragma once

#include <ATen/ATen.h>

#include <vector>

#include "almkit/features.h"

namespace almkit::codecs {

class RoundTripQuality {
 public:
  explicit RoundTripQuality(int64_t sample_rate);
  // The next aligned blocks of the input and the decoded audio, [B, C, n] each; only the common
  // length counts (DAC decodes a few samples short).
  void add(const at::Tensor& reference, const at::Tensor& estimate);
  // Scale-invariant signal-to-distortion ratio in dB over every channel.
  double si_sdr() const;
  // Mean absolute difference of 80-bin Kaldi log-mel features of the first channel (frames the
  // samples still pending, so call it after the last add).
  double log_mel_distance();
  int64_t samples() const { return samples_; }

 private:
  void add_mel_frames(bool flush);
  KaldiFbank fbank_;
  int64_t window_ = 0, shift_ = 0;
  double dot_ = 0, reference_energy_ = 0, estimate_energy_ = 0;
  double mel_sum_ = 0;
  int64_t mel_values_ = 0, samples_ = 0;
  std::vector<float> pending_reference_, pending_estimate_;  // first channel, not framed yet
};

}  // namespace almkit::codecs
