// Encoded (and projected) clips kept for reuse. A benchmark asks about the same clip several
// times (each presentation of the choices, generation after scoring), and the audio encoder is
// the costliest step for large models (Whisper-large-v3's encoder: ~35 s per 30 s clip on 2
// cores), so a clip seen again skips it. Keyed by the clip's samples at the encoder's rate.
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace almkit {

class EncodedAudioCache {
 public:
  explicit EncodedAudioCache(size_t capacity_clips) : capacity_(capacity_clips) {}

  static std::string key(const std::vector<float>& samples, int sample_rate);
  // [frames, dim] of a clip encoded before, if still held.
  std::optional<at::Tensor> find(const std::string& key);
  void insert(const std::string& key, const at::Tensor& frames);
  size_t capacity() const { return capacity_; }

 private:
  size_t capacity_;
  std::mutex mutex_;
  std::list<std::pair<std::string, at::Tensor>> entries_;  // most recently used first
};

}  // namespace almkit
