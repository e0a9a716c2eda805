// Reading benchmark record files (a JSON list, {"annotation": [...]}, or JSONL) so that each
// record keeps the line it started on, for error messages that name file, line and field.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "almkit/bench.h"

namespace almkit::bench {

struct SourceRecord {
  nlohmann::json value;
  std::string where;  // "path:line"
};

// A JSON file whose records are the top-level list or the list under `list_key`.
std::vector<SourceRecord> read_json_records(const std::string& path,
                                            const std::string& list_key = "");
// One JSON object per non-blank line.
std::vector<SourceRecord> read_jsonl_records(const std::string& path);
// JSONL when the name ends in .jsonl or the first non-blank character is not '['/'{' followed by a
// list; otherwise a JSON list.
std::vector<SourceRecord> read_any_records(const std::string& path,
                                           const std::string& list_key = "");

// Field access with messages naming record and field.
std::string record_string(const SourceRecord& record, const std::string& key, bool required);
std::vector<std::string> record_string_list(const SourceRecord& record, const std::string& key,
                                            bool required);

// Joins a relative path to the audio root.
std::string resolve_audio(const std::string& audio_root, const std::string& path);

// Duplicate ids and answers outside the choices are errors naming both places.
void validate_items(const std::vector<BenchItem>& items, bool require_answer_in_choices);

// The record without the listed keys, as a JSON string (BenchItem::metadata_json).
std::string remaining_metadata(const nlohmann::json& record, const std::vector<std::string>& used);

}  // namespace almkit::bench
