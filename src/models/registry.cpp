#include "models/registry.h"

#include <map>

#include "almkit/error.h"
#include "models/codecs/encodec.h"
#include "models/qwen2.h"
#include "models/qwen2_audio.h"
#include "models/whisper.h"

namespace almkit {
namespace {

const std::map<std::string, ArchitectureBuilder>& registry() {
  static const std::map<std::string, ArchitectureBuilder> builders = {
      {"whisper", build_whisper},
      {"dac", build_encodec_parts},      // codecs: the entry points to codecs::load_codec
      {"encodec", build_encodec_parts},
      {"mimi", build_encodec_parts},
      {"qwen2", build_qwen2},
      {"qwen2_audio", build_qwen2_audio},
  };
  return builders;
}

}  // namespace

std::vector<std::string> supported_model_types() {
  std::vector<std::string> names;
  for (const auto& entry : registry()) names.push_back(entry.first);
  return names;
}

ModelParts load_model_parts(const std::string& folder, const WeightOptions& options) {
  const ModelConfig config = ModelConfig::load(folder);
  const std::string type = config.model_type();
  auto it = registry().find(type);
  if (it == registry().end()) {
    std::string known;
    for (const auto& name : supported_model_types()) known += (known.empty() ? "" : ", ") + name;
    throw Error(ErrorCode::kUnsupported, config.source() + ": model_type '" + type +
                                             "' is not supported (supported: " + known + ")");
  }
  WeightStore weights(SafetensorsCheckpoint::open_folder(folder), options);
  ModelParts parts = it->second(config, weights);
  weights.check_all_used();
  return parts;
}

}  // namespace almkit
