// The two numeric pieces of MUSE's protocol that must match Python exactly: CPython's Mersenne
// Twister (random.seed(int), getrandbits, _randbelow, shuffle) and librosa.effects.trim's
// silence detection. Tested against values from /usr/bin/python3 (muse_protocol_test.cpp).
#include <algorithm>
#include <cmath>

#include "bench/benchmarks/muse/muse_protocol.h"

namespace almkit::bench {

// ---- Python's Mersenne Twister (CPython Modules/_randommodule.c semantics) ----

PythonRandom::PythonRandom(uint64_t seed) {
  // random.seed(n): init_by_array with the 32-bit words of n, least significant first ([0] for 0).
  std::vector<uint32_t> key;
  for (uint64_t rest = seed; rest != 0; rest >>= 32) key.push_back(uint32_t(rest & 0xffffffffu));
  if (key.empty()) key.push_back(0);
  state_[0] = 19650218u;
  for (int i = 1; i < 624; ++i) {
    state_[i] = 1812433253u * (state_[i - 1] ^ (state_[i - 1] >> 30)) + uint32_t(i);
  }
  int i = 1;
  size_t j = 0;
  for (size_t k = std::max<size_t>(624, key.size()); k > 0; --k) {
    state_[i] =
        (state_[i] ^ ((state_[i - 1] ^ (state_[i - 1] >> 30)) * 1664525u)) + key[j] + uint32_t(j);
    ++i;
    ++j;
    if (i >= 624) {
      state_[0] = state_[623];
      i = 1;
    }
    if (j >= key.size()) j = 0;
  }
  for (int k = 623; k > 0; --k) {
    state_[i] = (state_[i] ^ ((state_[i - 1] ^ (state_[i - 1] >> 30)) * 1566083941u)) - uint32_t(i);
    ++i;
    if (i >= 624) {
      state_[0] = state_[623];
      i = 1;
    }
  }
  state_[0] = 0x80000000u;
  index_ = 624;
}

uint32_t PythonRandom::next_uint32() {
  if (index_ >= 624) {
    for (int k = 0; k < 624; ++k) {
      const uint32_t y = (state_[k] & 0x80000000u) | (state_[(k + 1) % 624] & 0x7fffffffu);
      state_[k] = state_[(k + 397) % 624] ^ (y >> 1) ^ ((y & 1u) ? 0x9908b0dfu : 0u);
    }
    index_ = 0;
  }
  uint32_t y = state_[index_++];
  y ^= y >> 11;
  y ^= (y << 7) & 0x9d2c5680u;
  y ^= (y << 15) & 0xefc60000u;
  y ^= y >> 18;
  return y;
}

uint32_t PythonRandom::getrandbits(int bits) {
  return next_uint32() >> (32 - bits);
}

uint32_t PythonRandom::randbelow(uint32_t n) {
  int bits = 0;  // n.bit_length()
  for (uint32_t rest = n; rest != 0; rest >>= 1) ++bits;
  uint32_t r = getrandbits(bits);
  while (r >= n) r = getrandbits(bits);
  return r;
}

std::vector<size_t> PythonRandom::shuffled_indices(size_t n) {
  std::vector<size_t> order(n);
  for (size_t i = 0; i < n; ++i) order[i] = i;
  for (size_t i = n > 0 ? n - 1 : 0; i >= 1; --i) {
    std::swap(order[i], order[randbelow(uint32_t(i + 1))]);
  }
  return order;
}

// ---- librosa.effects.trim ----

SampleRange trim_silence(const std::vector<float>& samples, double top_db, int frame_length,
                         int hop_length) {
  const size_t n = samples.size();
  const size_t frames = 1 + n / size_t(hop_length);  // centred frames over zero padding
  const long half = frame_length / 2;
  std::vector<double> power(frames, 0.0);
  double max_power = 0.0;
  for (size_t t = 0; t < frames; ++t) {
    const long begin = long(t) * hop_length - half;
    double sum = 0.0;
    for (long s = std::max(0L, begin); s < std::min(long(n), begin + frame_length); ++s) {
      sum += double(samples[size_t(s)]) * double(samples[size_t(s)]);
    }
    power[t] = sum / frame_length;
    max_power = std::max(max_power, power[t]);
  }
  // amplitude_to_db(rms, ref=np.max): 10 log10 of the mean square with amin 1e-10, minus the max's.
  const double reference_db = 10.0 * std::log10(std::max(1e-10, max_power));
  SampleRange range;
  long first = -1, last = -1;
  for (size_t t = 0; t < frames; ++t) {
    if (10.0 * std::log10(std::max(1e-10, power[t])) - reference_db > -top_db) {
      if (first < 0) first = long(t);
      last = long(t);
    }
  }
  if (first < 0) return range;
  range.start = size_t(first) * size_t(hop_length);
  range.end = std::min(n, size_t(last + 1) * size_t(hop_length));
  return range;
}

}  // namespace almkit::bench
