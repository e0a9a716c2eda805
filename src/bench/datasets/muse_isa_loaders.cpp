// MUSE (built-in manifest) and ISA-Bench data-file loaders.
#include <nlohmann/json.hpp>

#include "almkit/bench.h"
#include "almkit/error.h"
#include "bench/datasets/muse_manifest.h"
#include "bench/datasets/record_file.h"

namespace almkit::bench {

std::vector<BenchItem> load_muse(const LoadOptions& options) {
  std::vector<BenchItem> items;
  for (const MuseTrial& trial : muse_trials()) {
    BenchItem item;
    char index[8];
    std::snprintf(index, sizeof(index), "%02d", trial.index);
    item.id = std::string(trial.task) + "/" + trial.group + "/" + index;
    item.source = "MUSE manifest";
    item.audio_paths.push_back(resolve_audio(options.audio_root, trial.audio1));
    if (trial.audio2[0] != '\0') {
      item.audio_paths.push_back(resolve_audio(options.audio_root, trial.audio2));
    }
    for (const auto& task : muse_task_choices()) {
      if (std::string(task.task) == trial.task) item.choices = task.choices;
    }
    item.answer = item.choices.at(static_cast<size_t>(trial.answer));
    item.task = trial.task;
    item.category = trial.group;
    nlohmann::json metadata = {{"group", trial.group}, {"index", trial.index}};
    item.metadata_json = metadata.dump();
    items.push_back(std::move(item));
  }
  validate_items(items, true);
  return items;
}

std::vector<IsaItem> load_isa(const std::string& path, const LoadOptions& options) {
  std::vector<IsaItem> items;
  for (const auto& record : read_json_records(path, "annotation")) {
    IsaItem item;
    item.source = record.where;
    item.audio_path = resolve_audio(options.audio_root, record_string(record, "path", true));
    item.id = record_string(record, "path", true);
    item.task = record_string(record, "task", false);
    item.reference = record_string(record, "text", false);
    item.emotion = record_string(record, "emotion", false);
    item.gender = record_string(record, "gender", false);
    auto instructions = record.value.find("instructions");
    if (instructions == record.value.end() || !instructions->is_object()) {
      throw Error(ErrorCode::kInvalidFormat,
                  record.where + ": required field 'instructions' (an object) is missing");
    }
    if (instructions->contains("base_description")) {
      item.base_description = instructions->at("base_description").is_string()
                                  ? instructions->at("base_description").get<std::string>()
                                  : instructions->at("base_description").dump();
    }
    if (instructions->contains("base_constrain")) {
      item.base_constrain = instructions->at("base_constrain").is_string()
                                ? instructions->at("base_constrain").get<std::string>()
                                : instructions->at("base_constrain").dump();
    }
    auto variations = instructions->find("variations");
    if (variations == instructions->end() || !variations->is_object()) {
      throw Error(
          ErrorCode::kInvalidFormat,
          record.where + ": required field 'instructions.variations' (an object) is missing");
    }
    item.variations_json = variations->dump();
    items.push_back(std::move(item));
  }
  return items;
}

}  // namespace almkit::bench
