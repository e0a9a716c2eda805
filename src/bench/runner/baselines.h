// Sanity baselines on the same items as the model: what a score means only next to them.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <vector>

namespace almkit::bench {

// From the presentation-0 records with real audio (`audio_records`) and with silence
// (`silent_records`, may be empty), as a JSON list of {name, label, correct, total, accuracy,
// ci95}: random_expected (mean of 1 / choices, no interval), random_seeded, always_first,
// always_longest, silent_audio.
nlohmann::ordered_json compute_baselines(
    const std::vector<const nlohmann::ordered_json*>& audio_records,
    const std::vector<const nlohmann::ordered_json*>& silent_records, uint64_t seed);

// A JSON accuracy cell {name, correct, total, accuracy, ci95: [low, high]}.
nlohmann::ordered_json accuracy_cell_json(const std::string& name, int64_t correct, int64_t total);

}  // namespace almkit::bench
