// The suite's random numbers: splitmix64, with our own uniform, integer and shuffle, because
// <random>'s distributions and std::shuffle are implementation-defined and a seed must name the
// same suite with every standard library.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace almkit::synth {

class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0); }
  double uniform(double low, double high) { return low + (high - low) * uniform(); }
  // An integer in [low, high], both included.
  int integer(int low, int high) {
    const uint64_t span = static_cast<uint64_t>(high - low) + 1;
    return low + static_cast<int>(next() % span);
  }
  bool coin() { return (next() >> 63) != 0; }
  template <typename T>
  void shuffle(std::vector<T>& values) {
    for (size_t i = values.size(); i > 1; --i) {
      const size_t j = static_cast<size_t>(next() % i);
      std::swap(values[i - 1], values[j]);
    }
  }
  template <typename T>
  const T& pick(const std::vector<T>& values) {
    return values[static_cast<size_t>(next() % values.size())];
  }

 private:
  uint64_t state_;
};

// A seed for one purpose (a task, an item) derived from the suite's seed: FNV-1a of the label
// mixed with the seed and the index.
inline uint64_t derive_seed(uint64_t seed, const std::string& label, uint64_t index) {
  uint64_t hash = 0xCBF29CE484222325ull;
  for (unsigned char c : label) hash = (hash ^ c) * 0x100000001B3ull;
  Rng mix(seed ^ hash);
  mix.next();
  Rng mixed(mix.next() ^ (index * 0xD6E8FEB86659FD93ull));
  return mixed.next();
}

}  // namespace almkit::synth
