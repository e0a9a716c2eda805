#include "bench/datasets/record_file.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unordered_map>

#include "almkit/error.h"
#include "io/json_file.h"

namespace almkit::bench {
namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::kFileNotFound, path + ": cannot open benchmark file");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// Byte offsets where the elements of the list at `target_depth` begin (a cheap scan that
// skips strings), so each record can be reported with its line.
std::vector<size_t> element_offsets(const std::string& text, int target_depth) {
  std::vector<size_t> offsets;
  int depth = 0;
  bool in_string = false, escaped = false, expect_element = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    if (expect_element && c != ']') offsets.push_back(i);
    expect_element = false;
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      ++depth;
      if (c == '[' && depth == target_depth) expect_element = true;
    } else if (c == ']' || c == '}') {
      --depth;
    } else if (c == ',' && depth == target_depth) {
      expect_element = true;
    }
  }
  return offsets;
}

}  // namespace

std::vector<SourceRecord> read_json_records(const std::string& path, const std::string& list_key) {
  const std::string text = read_text(path);
  const nlohmann::json document = parse_json_text(text, path);
  const nlohmann::json* list = &document;
  int depth = 1;
  if (document.is_object()) {
    const std::string key = !list_key.empty() ? list_key : "annotation";
    if (!document.contains(key) || !document.at(key).is_array()) {
      throw Error(
          ErrorCode::kInvalidFormat,
          path + ": expected a JSON list of records or an object with a '" + key + "' list");
    }
    list = &document.at(key);
    depth = 2;
  } else if (!document.is_array()) {
    throw Error(ErrorCode::kInvalidFormat, path + ": expected a JSON list of records, found " +
                                               std::string(document.type_name()));
  }
  // Offsets are exact for a top-level list; under a key they are the elements of the first list
  // at depth 2, which is the annotation list in ISA-Bench's files.
  const std::vector<size_t> offsets = element_offsets(text, depth);
  std::vector<SourceRecord> records;
  records.reserve(list->size());
  size_t lines_done = 1, scanned = 0;
  for (size_t i = 0; i < list->size(); ++i) {
    std::string where = path + ": record " + std::to_string(i + 1);
    if (offsets.size() == list->size()) {
      lines_done += static_cast<size_t>(
          std::count(text.begin() + static_cast<std::ptrdiff_t>(scanned),
                     text.begin() + static_cast<std::ptrdiff_t>(offsets[i]), '\n'));
      scanned = offsets[i];
      where = path + ":" + std::to_string(lines_done);
    }
    if (!(*list)[i].is_object()) {
      throw Error(ErrorCode::kInvalidFormat, where + ": record is not a JSON object");
    }
    records.push_back({(*list)[i], where});
  }
  return records;
}

std::vector<SourceRecord> read_jsonl_records(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::kFileNotFound, path + ": cannot open benchmark file");
  std::vector<SourceRecord> records;
  std::string line;
  size_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    const std::string where = path + ":" + std::to_string(number);
    nlohmann::json value;
    try {
      value = nlohmann::json::parse(line);
    } catch (const nlohmann::json::parse_error& error) {
      throw Error(ErrorCode::kInvalidFormat, where + ": malformed JSON (column " +
                                                 std::to_string(error.byte) + "): " + error.what());
    } catch (const nlohmann::json::out_of_range& error) {  // a number beyond double (1e999)
      throw Error(ErrorCode::kInvalidFormat, where + ": malformed JSON: " + error.what());
    }
    if (!value.is_object()) throw Error(ErrorCode::kInvalidFormat, where + ": not a JSON object");
    records.push_back({std::move(value), where});
  }
  return records;
}

std::vector<SourceRecord> read_any_records(const std::string& path, const std::string& list_key) {
  const bool jsonl = path.size() >= 6 && path.compare(path.size() - 6, 6, ".jsonl") == 0;
  if (jsonl) return read_jsonl_records(path);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::kFileNotFound, path + ": cannot open benchmark file");
  char c = 0;
  while (in.get(c) && (c == ' ' || c == '\n' || c == '\r' || c == '\t')) {
  }
  if (c == '[') return read_json_records(path, list_key);
  // '{': a whole-file object (annotation list) or JSONL; JSONL has a second object on a later line.
  try {
    return read_json_records(path, list_key);
  } catch (const Error&) {
    return read_jsonl_records(path);
  }
}

std::string record_string(const SourceRecord& record, const std::string& key, bool required) {
  auto it = record.value.find(key);
  if (it == record.value.end() || it->is_null()) {
    if (required) {
      throw Error(ErrorCode::kInvalidFormat,
                  record.where + ": required field '" + key + "' is missing");
    }
    return "";
  }
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number() || it->is_boolean()) return it->dump();
  if (it->is_array()) {  // MMAU has a few multi-label categories: joined with ", "
    std::string joined;
    for (const auto& element : *it) {
      if (!element.is_string()) {
        throw Error(ErrorCode::kInvalidFormat,
                    record.where + ": field '" + key + "' should be a string or a list of strings");
      }
      joined += (joined.empty() ? "" : ", ") + element.get<std::string>();
    }
    return joined;
  }
  throw Error(ErrorCode::kInvalidFormat,
              record.where + ": field '" + key + "' should be a string, found " + it->type_name());
}

std::vector<std::string> record_string_list(const SourceRecord& record, const std::string& key,
                                            bool required) {
  auto it = record.value.find(key);
  if (it == record.value.end() || it->is_null()) {
    if (required) {
      throw Error(ErrorCode::kInvalidFormat,
                  record.where + ": required field '" + key + "' is missing");
    }
    return {};
  }
  if (it->is_string()) return {it->get<std::string>()};
  if (!it->is_array()) {
    throw Error(ErrorCode::kInvalidFormat, record.where + ": field '" + key +
                                               "' should be a list of strings, found " +
                                               it->type_name());
  }
  std::vector<std::string> values;
  for (size_t i = 0; i < it->size(); ++i) {
    const auto& element = (*it)[i];
    if (element.is_string()) {
      values.push_back(element.get<std::string>());
    } else if (element.is_number() || element.is_boolean()) {
      values.push_back(element.dump());
    } else {
      throw Error(ErrorCode::kInvalidFormat,
                  record.where + ": field '" + key + "[" + std::to_string(i) +
                      "]' should be a string, found " + element.type_name());
    }
  }
  return values;
}

std::string resolve_audio(const std::string& audio_root, const std::string& path) {
  if (audio_root.empty() || path.empty() || path.front() == '/') return path;
  return (std::filesystem::path(audio_root) / path).lexically_normal().string();
}

void validate_items(const std::vector<BenchItem>& items, bool require_answer_in_choices) {
  std::unordered_map<std::string, const BenchItem*> seen;
  for (const BenchItem& item : items) {
    if (item.id.empty()) throw Error(ErrorCode::kInvalidFormat, item.source + ": empty 'id'");
    auto [it, inserted] = seen.emplace(item.id, &item);
    if (!inserted) {
      throw Error(ErrorCode::kInvalidFormat, item.source + ": duplicate id '" + item.id +
                                                 "' (first at " + it->second->source + ")");
    }
    if (require_answer_in_choices && !item.choices.empty() && item.answer_index() < 0) {
      std::string list;
      for (const auto& choice : item.choices) list += (list.empty() ? "'" : ", '") + choice + "'";
      throw Error(ErrorCode::kInvalidFormat,
                  item.source + ": field 'answer' of item '" + item.id + "' is '" + item.answer +
                      "', which is not one of the choices [" + list + "]");
    }
  }
}

std::string remaining_metadata(const nlohmann::json& record, const std::vector<std::string>& used) {
  nlohmann::json rest = nlohmann::json::object();
  for (auto it = record.begin(); it != record.end(); ++it) {
    bool taken = false;
    for (const auto& key : used) taken = taken || key == it.key();
    if (!taken) rest[it.key()] = it.value();
  }
  return rest.dump();
}

}  // namespace almkit::bench
