// ISA-Bench's translation (S2TT, BLEU) and audio-captioning (AAC) metric scripts:
// metric/d|f/compute_if_bleu.py and compute_if_aac.py. Used by isa_metric_json.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "almkit/bench_scoring.h"

namespace almkit::bench {

// The metric JSON of a D or F result file (a list of items with `variation_responses`).
nlohmann::ordered_json isa_translation_metrics(const nlohmann::ordered_json& data,
                                               IsaDimension dimension, const std::string& path);
nlohmann::ordered_json isa_caption_metrics(const nlohmann::ordered_json& data,
                                           IsaDimension dimension, const std::string& path);

}  // namespace almkit::bench
