#include "runtime/audio_cache.h"

#include <functional>
#include <string_view>

namespace almkit {

std::string EncodedAudioCache::key(const std::vector<float>& samples, int sample_rate) {
  const std::string_view bytes(reinterpret_cast<const char*>(samples.data()), samples.size() * sizeof(float));
  // Two hashes of different seeds: 128 bits, so two different clips never share an entry in practice.
  const size_t first = std::hash<std::string_view>{}(bytes);
  const size_t second = std::hash<std::string>{}(std::to_string(first) + std::string(bytes.substr(0, 4096)) +
                                                 std::string(bytes.substr(bytes.size() > 4096 ? bytes.size() - 4096 : 0)));
  return std::to_string(sample_rate) + ":" + std::to_string(samples.size()) + ":" + std::to_string(first) + ":" +
         std::to_string(second);
}

std::optional<at::Tensor> EncodedAudioCache::find(const std::string& key) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (it->first == key) {
      entries_.splice(entries_.begin(), entries_, it);
      return entries_.front().second;
    }
  }
  return std::nullopt;
}

void EncodedAudioCache::insert(const std::string& key, const at::Tensor& frames) {
  if (capacity_ == 0) return;
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (it->first == key) {
      entries_.erase(it);
      break;
    }
  }
  entries_.emplace_front(key, frames);
  while (entries_.size() > capacity_) entries_.pop_back();
}

}  // namespace almkit
