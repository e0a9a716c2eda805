#include "bench/benchmarks/open_answer.h"

#include "almkit/error.h"
#include "bench/datasets/record_file.h"

namespace almkit::bench {

std::vector<BenchItem> load_open_answer_items(const std::string& path, const LoadOptions& options,
                                              const std::string& default_question) {
  std::vector<BenchItem> items;
  for (const auto& record : read_any_records(path)) {
    BenchItem item;
    item.source = record.where;
    item.id = record_string(record, "id", true);
    auto audio = record_string_list(record, "audio", false);
    if (audio.empty()) audio = record_string_list(record, "audio_paths", false);
    if (audio.empty()) {
      throw Error(ErrorCode::kInvalidFormat, record.where + ": required field 'audio' is missing");
    }
    for (const auto& file : audio)
      item.audio_paths.push_back(resolve_audio(options.audio_root, file));
    std::vector<std::string> references;
    for (const char* key : {"reference", "references", "answer", "text"}) {
      if (references.empty()) references = record_string_list(record, key, false);
    }
    if (references.empty()) {
      throw Error(ErrorCode::kInvalidFormat,
                  record.where + ": required field 'reference' is missing (a string or a list)");
    }
    item.answer = references.front();
    if (references.size() > 1) item.references = references;
    item.question = record_string(record, "question", false);
    if (item.question.empty()) {
      item.question = default_question;
      std::string language = record_string(record, "target_language", false);
      if (language.empty()) language = "English";
      const size_t at = item.question.find("{target_language}");
      if (at != std::string::npos) item.question.replace(at, 17, language);
    }
    item.task = record_string(record, "task", false);
    item.category = record_string(record, "category", false);
    item.sub_category = record_string(record, "sub_category", false);
    item.difficulty = record_string(record, "difficulty", false);
    item.transcript = record_string(record, "transcript", false);
    item.metadata_json = remaining_metadata(
        record.value, {"id", "audio", "audio_paths", "reference", "references", "answer", "text",
                       "question", "task", "category", "sub_category", "difficulty", "transcript"});
    items.push_back(std::move(item));
  }
  validate_items(items, false);
  return items;
}

nlohmann::ordered_json error_rate_json(const ErrorRate& rate) {
  return {{"rate", rate.rate()},
          {"hits", rate.hits},
          {"substitutions", rate.substitutions},
          {"deletions", rate.deletions},
          {"insertions", rate.insertions},
          {"reference_length", rate.reference_length}};
}

}  // namespace almkit::bench
