// A small process-wide cache of the last few values built for a key, for immutable tables that
// cost more to build than a typical call using them (front-end windows, filter banks, FFT plans
// for objects the C API constructs per call).
#pragma once

#include <algorithm>
#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <utility>

namespace almkit {

template <typename Key, typename Value, size_t kCapacity = 8>
class RecentCache {
 public:
  // The value cached for `key` (moved to the front), else build() (outside the lock, so a
  // throwing build leaves the cache as it was) added in front of the others. Keys compare with ==.
  template <typename Build>
  std::shared_ptr<const Value> get(const Key& key, Build build) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      const auto hit = std::find_if(entries_.begin(), entries_.end(),
                                    [&](const auto& entry) { return entry.first == key; });
      if (hit != entries_.end()) {
        entries_.splice(entries_.begin(), entries_, hit);
        return hit->second;
      }
    }
    std::shared_ptr<const Value> value = std::make_shared<const Value>(build());
    std::lock_guard<std::mutex> lock(mutex_);
    entries_.emplace_front(key, value);
    if (entries_.size() > kCapacity) entries_.pop_back();
    return value;
  }

 private:
  std::mutex mutex_;
  std::list<std::pair<Key, std::shared_ptr<const Value>>> entries_;  // most recent first
};

}  // namespace almkit
