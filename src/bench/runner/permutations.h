// The presentations of an item's choices: the original order, then cyclic shifts, then seeded
// shuffles (almkit's own generator, so a seed names the same orders on every platform).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace almkit::bench {

// `count` orders of `num_choices` choices; order[p][j] is the original index of the choice shown
// at position j in presentation p. Presentation 0 is the original order; 1 .. num_choices - 1
// are cyclic shifts by p; later ones are shuffles seeded by (seed, item_id, p).
std::vector<std::vector<int>> presentation_orders(int num_choices, int count, uint64_t seed,
                                                  const std::string& item_id);

// splitmix64 over a string and a seed: per-item seeds that do not depend on run order.
uint64_t mix_seed(uint64_t seed, const std::string& text, uint64_t salt = 0);

}  // namespace almkit::bench
