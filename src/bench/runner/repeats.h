// --repeats K: each item's first presentation asked K times with its own sampling seed.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

namespace almkit::bench {

// summary.json's `repeats` from the run's records (repeat 0 is the headline's unit; repeats 1..K-1
// carry "repeat"): `k`, `seeds` (per repeat, of the first item), `per_repeat` (accuracy of each
// repeat over the items that have all K answers), `mean` and `sd` (sample standard deviation
// across repeats), `majority_vote` (the most frequent answer of an item, ties to the one given
// first: the chosen choice, or the normalised text of an open answer; unparsed answers vote for
// "none", which is wrong) and `consistency` (share of items whose K answers are all the same).
nlohmann::ordered_json repeats_summary(const std::vector<nlohmann::ordered_json>& records, int k);

}  // namespace almkit::bench
