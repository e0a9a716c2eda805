#include "bench/runner/permutations.h"

#include <numeric>

namespace almkit::bench {
namespace {

uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

uint64_t mix_seed(uint64_t seed, const std::string& text, uint64_t salt) {
  uint64_t state = seed ^ (salt * 0x632be59bd9b4e019ULL);
  uint64_t hash = splitmix64(state);
  for (unsigned char c : text) {
    state ^= c + (hash << 6);
    hash = splitmix64(state);
  }
  return hash;
}

std::vector<std::vector<int>> presentation_orders(int num_choices, int count, uint64_t seed,
                                                  const std::string& item_id) {
  std::vector<std::vector<int>> orders;
  for (int p = 0; p < count; ++p) {
    std::vector<int> order(static_cast<size_t>(num_choices));
    std::iota(order.begin(), order.end(), 0);
    if (p > 0 && p < num_choices) {
      for (int j = 0; j < num_choices; ++j) order[j] = (j + p) % num_choices;
    } else if (p > 0) {
      uint64_t state = mix_seed(seed, item_id, static_cast<uint64_t>(p));
      for (int j = num_choices - 1; j > 0; --j) {
        const int k = static_cast<int>(splitmix64(state) % static_cast<uint64_t>(j + 1));
        std::swap(order[j], order[k]);
      }
    }
    orders.push_back(std::move(order));
  }
  return orders;
}

}  // namespace almkit::bench
