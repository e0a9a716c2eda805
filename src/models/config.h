// A model's config.json, with typed access that names the file and field on error and falls
// back to transformers 4.47's defaults.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace almkit {

class ModelConfig {
 public:
  static ModelConfig load(const std::string& folder);  // reads <folder>/config.json
  // Another JSON file of the checkpoint in `folder` (generation_config.json, ...).
  static ModelConfig load_file(const std::string& path, const std::string& folder);
  ModelConfig(nlohmann::json json, std::string source, std::string folder = "");

  const nlohmann::json& json() const { return json_; }
  const std::string& source() const { return source_; }
  // The checkpoint folder the config came from ("" when built in memory): where the other files
  // of the checkpoint (preprocessor_config.json, generation_config.json) are.
  const std::string& folder() const { return folder_; }
  // "model_type", or audio_config's where the top level has none (an audio-path-only folder).
  std::string model_type() const;
  // A nested config (e.g. "text_config"); absent or null gives an empty object.
  ModelConfig nested(const std::string& key) const;

  int64_t integer(const std::string& key, int64_t fallback) const;
  int64_t required_integer(const std::string& key) const;
  double number(const std::string& key, double fallback) const;
  bool boolean(const std::string& key, bool fallback) const;
  std::string string(const std::string& key, const std::string& fallback) const;
  // An id or list of ids (eos_token_id may be either); empty when absent.
  std::vector<int64_t> ids(const std::string& key) const;

 private:
  nlohmann::json json_;
  std::string source_;
  std::string folder_;
};

}  // namespace almkit
