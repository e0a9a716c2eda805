// MMAU, MMAR, STAR-Bench and almkit JSONL loaders (one record -> one BenchItem).
#include <filesystem>

#include "almkit/bench.h"
#include "almkit/error.h"
#include "bench/datasets/record_file.h"

namespace almkit::bench {

int BenchItem::answer_index() const {
  for (size_t i = 0; i < choices.size(); ++i) {
    if (choices[i] == answer) return static_cast<int>(i);
  }
  return -1;
}

namespace {

BenchItem mmau_like_item(const SourceRecord& record, const LoadOptions& options, bool mmar) {
  BenchItem item;
  item.source = record.where;
  item.id = record_string(record, "id", true);
  std::string audio = record_string(record, mmar ? "audio_path" : "audio_id", false);
  if (audio.empty()) audio = record_string(record, mmar ? "audio_id" : "audio_path", false);
  if (audio.empty()) {
    throw Error(ErrorCode::kInvalidFormat, record.where + ": required field '" +
                                               std::string(mmar ? "audio_path" : "audio_id") +
                                               "' is missing");
  }
  item.audio_paths.push_back(resolve_audio(options.audio_root, audio));
  item.question = record_string(record, "question", true);
  item.choices = record_string_list(record, "choices", true);
  item.answer = record_string(record, "answer", true);
  item.task = record_string(record, mmar ? "modality" : "task", false);
  if (item.task.empty()) item.task = record_string(record, mmar ? "task" : "modality", false);
  item.category = record_string(record, "category", false);
  item.sub_category = record_string(record, "sub-category", false);
  item.difficulty = record_string(record, "difficulty", false);
  item.metadata_json = remaining_metadata(
      record.value, {"id", "audio_id", "audio_path", "question", "choices", "answer", "task",
                     "modality", "category", "sub-category", "difficulty"});
  return item;
}

}  // namespace

std::vector<BenchItem> load_mmau(const std::string& path, const LoadOptions& options) {
  std::vector<BenchItem> items;
  for (const auto& record : read_json_records(path)) {
    items.push_back(mmau_like_item(record, options, false));
  }
  validate_items(items, true);
  return items;
}

std::vector<BenchItem> load_mmar(const std::string& path, const LoadOptions& options) {
  std::vector<BenchItem> items;
  for (const auto& record : read_json_records(path)) {
    items.push_back(mmau_like_item(record, options, true));
  }
  validate_items(items, true);
  return items;
}

std::vector<BenchItem> load_star(const std::string& path, const LoadOptions& options) {
  std::vector<BenchItem> items;
  for (const auto& record : read_any_records(path)) {
    BenchItem item;
    item.source = record.where;
    item.id = record_string(record, "id", true);
    for (const auto& audio : record_string_list(record, "audio_paths", true)) {
      item.audio_paths.push_back(resolve_audio(options.audio_root, audio));
    }
    item.question = record_string(record, "question", true);
    item.choices = record_string_list(record, "options", true);
    // Open items may have several reference answers (a list); choices have one.
    const auto answers = item.choices.empty() ? record_string_list(record, "answer", true)
                                              : std::vector<std::string>{};
    item.answer = answers.empty() ? record_string(record, "answer", true) : answers.front();
    if (answers.size() > 1) item.references = answers;
    item.task = record_string(record, "task", false);
    item.category = record_string(record, "category", false);
    item.sub_category = record_string(record, "sub-category", false);
    item.metadata_json = remaining_metadata(
        record.value,
        {"id", "audio_paths", "question", "options", "answer", "task", "category", "sub-category"});
    items.push_back(std::move(item));
  }
  // STAR's temporal items derive the answer from the clip order, so only check when present.
  validate_items(items, true);
  return items;
}

// `messages`: the turns before the question (role system / user / assistant; content a string
// or a list of {"type": "text", "text"} and {"type": "audio", "audio": path} parts).
void read_history(const SourceRecord& record, const LoadOptions& options, BenchItem& item) {
  const auto messages = record.value.find("messages");
  if (messages == record.value.end() || messages->is_null()) return;
  auto bad = [&](const std::string& what) {
    return Error(ErrorCode::kInvalidFormat, record.where + ": field 'messages': " + what);
  };
  if (!messages->is_array() || messages->empty()) throw bad("should be a non-empty list of turns");
  nlohmann::json history = nlohmann::json::array();
  for (size_t t = 0; t < messages->size(); ++t) {
    const auto& turn = (*messages)[t];
    const std::string where = "turn " + std::to_string(t);
    if (!turn.is_object() || !turn.contains("role") || !turn["role"].is_string())
      throw bad(where + " has no string 'role'");
    const std::string role = turn["role"];
    if (role != "system" && role != "user" && role != "assistant")
      throw bad(where + " has role '" + role + "' (expected system, user or assistant)");
    const auto content = turn.find("content");
    if (content == turn.end() || !(content->is_string() || content->is_array()))
      throw bad(where + " has no 'content' (a string or a list of parts)");
    nlohmann::json kept = {{"role", role}, {"content", *content}};
    if (content->is_array()) {
      kept["content"] = nlohmann::json::array();
      for (const auto& part : *content) {
        // A "type" that is not a string falls to the error below (value() would throw nlohmann's).
        const std::string type =
            part.is_object() && part.contains("type") && part["type"].is_string()
                ? part["type"].get<std::string>()
                : "";
        if (type == "text" && part.contains("text") && part["text"].is_string()) {
          kept["content"].push_back({{"type", "text"}, {"text", part["text"]}});
        } else if (type == "audio" && part.contains("audio") && part["audio"].is_string()) {
          item.audio_paths.push_back(resolve_audio(options.audio_root, part["audio"]));
          ++item.history_clips;
          kept["content"].push_back({{"type", "audio"}});
        } else {
          throw bad(where + ": a part should be {\"type\": \"text\", \"text\": ...} or "
                            "{\"type\": \"audio\", \"audio\": path}");
        }
      }
    }
    history.push_back(std::move(kept));
  }
  item.history_json = history.dump();
}

std::vector<BenchItem> load_jsonl(const std::string& path, const LoadOptions& options) {
  std::vector<BenchItem> items;
  for (const auto& record : read_jsonl_records(path)) {
    BenchItem item;
    item.source = record.where;
    item.id = record_string(record, "id", true);
    auto audio = record_string_list(record, "audio", false);
    if (audio.empty()) audio = record_string_list(record, "audio_paths", false);
    read_history(record, options, item);
    if (audio.empty() && item.history_clips == 0) {
      throw Error(ErrorCode::kInvalidFormat, record.where + ": required field 'audio' is missing");
    }
    for (const auto& path_text : audio) {
      item.audio_paths.push_back(resolve_audio(options.audio_root, path_text));
    }
    item.question = record_string(record, "question", true);
    item.choices = record_string_list(record, "choices", false);
    // Open items may have several reference answers (a list); choices have one.
    const auto answers = item.choices.empty() ? record_string_list(record, "answer", true)
                                              : std::vector<std::string>{};
    item.answer = answers.empty() ? record_string(record, "answer", true) : answers.front();
    if (answers.size() > 1) item.references = answers;
    item.task = record_string(record, "task", false);
    item.category = record_string(record, "category", false);
    item.sub_category = record_string(record, "sub_category", false);
    if (item.sub_category.empty()) item.sub_category = record_string(record, "sub-category", false);
    item.difficulty = record_string(record, "difficulty", false);
    item.transcript = record_string(record, "transcript", false);
    auto metadata = record.value.find("metadata");
    if (metadata != record.value.end() && !metadata->is_null()) {
      if (!metadata->is_object()) {
        throw Error(ErrorCode::kInvalidFormat,
                    record.where + ": field 'metadata' should be an object, found " +
                        metadata->type_name());
      }
      item.metadata_json = metadata->dump();
    }
    items.push_back(std::move(item));
  }
  validate_items(items, true);
  return items;
}

std::vector<BenchItem> load_benchmark(const std::string& bench, const std::string& path,
                                      const LoadOptions& options) {
  if (bench == "mmau") return load_mmau(path, options);
  if (bench == "mmar") return load_mmar(path, options);
  if (bench == "star") return load_star(path, options);
  if (bench == "muse") return load_muse(options);
  if (bench == "jsonl") return load_jsonl(path, options);
  throw Error(ErrorCode::kInvalidArgument,
              "unknown benchmark '" + bench + "' (expected mmau, mmar, star, muse or jsonl)");
}

std::vector<std::string> find_missing_audio(const std::vector<BenchItem>& items) {
  std::vector<std::string> missing;
  std::vector<std::string> checked;
  for (const BenchItem& item : items) {
    for (const std::string& path : item.audio_paths) {
      std::error_code error;
      if (std::filesystem::is_regular_file(path, error)) continue;
      bool listed = false;
      for (const auto& m : missing) listed = listed || m == path;
      if (!listed) missing.push_back(path);
    }
  }
  return missing;
}

void require_audio_present(const std::vector<BenchItem>& items) {
  const auto missing = find_missing_audio(items);
  if (missing.empty()) return;
  std::string message = std::to_string(missing.size()) + " audio file(s) missing:";
  for (size_t i = 0; i < missing.size() && i < 20; ++i) message += "\n  " + missing[i];
  if (missing.size() > 20) message += "\n  ...";
  throw Error(ErrorCode::kFileNotFound, message);
}

}  // namespace almkit::bench
