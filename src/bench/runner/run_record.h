// run.json (everything needed to rerun) and the run folder's outputs.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "almkit/eval.h"

namespace almkit::bench {

// run.json's content before the run: version, build, BLAS, model and data hashes, settings.
// `run_id` hashes what defines the answers (not threads, batch or shard).
nlohmann::ordered_json make_run_record(const EvalOptions& options, const std::string& model_hash,
                                       const std::string& model_note, const std::string& data_hash,
                                       const std::string& prompt_template_name,
                                       const std::string& prompt_template_text, int64_t items_total,
                                       int64_t units_total);

// File names inside a run folder.
std::string cache_file_name(int shard_index, int shard_count);
std::string run_file_name(int shard_index, int shard_count);

// Writes results.jsonl, summary.json, report.md and report.html (and run.json) into out_dir;
// returns summary.json's text.
std::string write_run_outputs(const std::string& out_dir, const nlohmann::ordered_json& run,
                              const std::vector<nlohmann::ordered_json>& records,
                              int64_t missing_units);

void write_text_file(const std::string& path, const std::string& text);

}  // namespace almkit::bench
