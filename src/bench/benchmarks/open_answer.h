// What the open-answer benchmarks (asr, ast) share: their data rows and the metrics JSON of
// summary.json's open_items.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "almkit/bench.h"
#include "almkit/bench_scoring.h"

namespace almkit::bench {

// Rows (JSONL or a JSON list) of `id`, `audio` (a path or a list), `reference` (a string, or a list
// of strings for several references; `answer`, `text` or `transcript` are taken too), optional
// `question` (the instruction; default: `default_question`, where "{target_language}" takes the
// row's `target_language`, English when absent), `transcript` (the speech's text, for
// --modality text), `task`, `category`, `sub_category`; other fields are kept as metadata.
std::vector<BenchItem> load_open_answer_items(const std::string& path, const LoadOptions& options,
                                              const std::string& default_question);

// {rate, hits, substitutions, deletions, insertions, reference_length}
nlohmann::ordered_json error_rate_json(const ErrorRate& rate);

}  // namespace almkit::bench
