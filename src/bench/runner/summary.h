// summary.json: every figure of a run, computed from its unit records (results.jsonl's lines).
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

namespace almkit::bench {

// `records` in unit order; `run` is run.json's content; `missing_units` counts planned units
// without a record (an unfinished shard). Keys: benchmark, mode, random_weights, items,
// accuracy (presentation 0, real audio), by_task / by_category / by_sub_category /
// by_difficulty, parsed_rate, robustness (per presentation, CoR, CR, ACR, position
// histogram, gold position histogram), baselines, audio_sensitivity, warnings, failures,
// official (MMAU printout / STAR performance.json where they apply), open_items.
nlohmann::ordered_json build_summary(const nlohmann::ordered_json& run,
                                     const std::vector<nlohmann::ordered_json>& records,
                                     int64_t missing_units);

}  // namespace almkit::bench
