#include "models/config.h"

#include "almkit/error.h"
#include "io/json_file.h"

namespace almkit {

ModelConfig ModelConfig::load(const std::string& folder) { return load_file(folder + "/config.json", folder); }

ModelConfig ModelConfig::load_file(const std::string& path, const std::string& folder) {
  nlohmann::json json = read_json_file(path);
  if (!json.is_object()) throw Error(ErrorCode::kInvalidFormat, "'" + path + "' is not a JSON object");
  return ModelConfig(std::move(json), "'" + path + "'", folder);
}

ModelConfig::ModelConfig(nlohmann::json json, std::string source, std::string folder)
    : json_(std::move(json)), source_(std::move(source)), folder_(std::move(folder)) {}

std::string ModelConfig::model_type() const {
  // A folder holding only a model's audio path (e.g. Gemma 3n's audio tower and embedder) may
  // name its type in audio_config alone.
  if (!json_.contains("model_type")) {
    const auto audio = json_.find("audio_config");
    if (audio != json_.end() && audio->is_object() && audio->contains("model_type")) {
      return json_required<std::string>(*audio, "model_type", source_ + " audio_config");
    }
  }
  return json_required<std::string>(json_, "model_type", source_);
}

ModelConfig ModelConfig::nested(const std::string& key) const {
  auto it = json_.find(key);
  if (it == json_.end() || it->is_null()) return ModelConfig(nlohmann::json::object(), source_ + " " + key, folder_);
  if (!it->is_object()) throw Error(ErrorCode::kInvalidFormat, source_ + ": field '" + key + "' is not an object");
  return ModelConfig(*it, source_ + " " + key, folder_);
}

int64_t ModelConfig::integer(const std::string& key, int64_t fallback) const {
  return json_value_or<int64_t>(json_, key, fallback, source_);
}
int64_t ModelConfig::required_integer(const std::string& key) const {
  return json_required<int64_t>(json_, key, source_);
}
double ModelConfig::number(const std::string& key, double fallback) const {
  return json_value_or<double>(json_, key, fallback, source_);
}
bool ModelConfig::boolean(const std::string& key, bool fallback) const {
  return json_value_or<bool>(json_, key, fallback, source_);
}
std::string ModelConfig::string(const std::string& key, const std::string& fallback) const {
  return json_value_or<std::string>(json_, key, fallback, source_);
}
std::vector<int64_t> ModelConfig::ids(const std::string& key) const {
  auto it = json_.find(key);
  if (it == json_.end() || it->is_null()) return {};
  if (it->is_number_integer()) return {integer(key, 0)};  // range-checked: 2**64 - 1 is not -1
  return json_value_or<std::vector<int64_t>>(json_, key, {}, source_);
}

}  // namespace almkit
