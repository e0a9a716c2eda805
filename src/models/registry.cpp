#include "models/registry.h"

#include <map>

#include "almkit/error.h"
#include "models/codecs/codec.h"
#include "models/audioflamingo3.h"
#include "models/gemma3n_audio.h"
#include "models/generation_config.h"
#include "models/granite.h"
#include "models/granite_speech.h"
#include "models/llama.h"
#include "models/projectors/qformer.h"
#include "models/qwen2.h"
#include "models/qwen2_5_omni.h"
#include "models/qwen2_audio.h"
#include "models/ultravox.h"
#include "models/voxtral.h"
#include "models/whisper.h"

namespace almkit {
namespace {

struct Architecture {
  ArchitectureBuilder build;
  InitRecipe (*init_recipe)();  // null: init-model cannot write one
};

const std::map<std::string, Architecture>& registry() {
  static const std::map<std::string, Architecture> architectures = {
      {"audioflamingo3", {build_audioflamingo3, audioflamingo3_init_recipe}},
      {"blip2_qformer_projector", {build_blip2_qformer_projector, nullptr}},
      {"gemma3n", {build_gemma3n_audio, nullptr}},
      {"gemma3n_audio", {build_gemma3n_audio, nullptr}},
      {"granite", {build_granite, nullptr}},
      {"granite_speech", {build_granite_speech, granite_speech_init_recipe}},
      {"llama", {build_llama, llama_init_recipe}},
      {"mistral", {build_llama, nullptr}},
      {"whisper", {build_whisper, whisper_init_recipe}},
      {"qwen2", {build_qwen2, qwen2_init_recipe}},
      {"qwen2_audio", {build_qwen2_audio, qwen2_audio_init_recipe}},
      {"qwen2_5_omni", {build_qwen2_5_omni, nullptr}},
      {"qwen2_5_omni_thinker", {build_qwen2_5_omni, qwen2_5_omni_thinker_init_recipe}},
      {"ultravox", {build_ultravox, ultravox_init_recipe}},
      {"voxtral", {build_voxtral, voxtral_init_recipe}},
  };
  return architectures;
}

using LanguageModelBuilder =
    std::unique_ptr<LanguageModel> (*)(const ModelConfig&, WeightStore&, const std::string& prefix);

const std::map<std::string, LanguageModelBuilder>& language_models() {
  static const std::map<std::string, LanguageModelBuilder> builders = {
      {"granite", build_granite_language_model},
      {"llama", build_llama_language_model},
      {"mistral", build_llama_language_model},
      {"qwen2", build_qwen2_language_model},
      {"qwen2_5_omni_text", build_qwen2_language_model},
  };
  return builders;
}

}  // namespace

std::unique_ptr<LanguageModel> build_language_model(const ModelConfig& text_config, WeightStore& weights,
                                                    const std::string& prefix, const std::string& default_type) {
  const std::string type = text_config.string("model_type", default_type);
  const auto it = language_models().find(type);
  if (it == language_models().end()) {
    std::string known;
    for (const auto& entry : language_models()) known += (known.empty() ? "" : ", ") + entry.first;
    throw Error(ErrorCode::kUnsupported, text_config.source() + ": text model_type '" + type +
                                             "' is not supported (supported: " + known + ")");
  }
  return it->second(text_config, weights, prefix);
}

std::vector<std::string> supported_model_types() {
  std::vector<std::string> names;
  for (const auto& entry : registry()) names.push_back(entry.first);
  return names;
}

ModelParts load_model_parts(const std::string& folder, const WeightOptions& options) {
  const ModelConfig config = ModelConfig::load(folder);
  const std::string type = config.model_type();
  if (codecs::is_codec_model_type(type)) {
    throw Error(ErrorCode::kUnsupported, config.source() + ": '" + type +
                                             "' is a neural audio codec, not a language model: load it with "
                                             "codecs::load_codec() or use `almkit codec encode|decode`");
  }
  auto it = registry().find(type);
  if (it == registry().end()) {
    std::string known;
    for (const auto& name : supported_model_types()) known += (known.empty() ? "" : ", ") + name;
    throw Error(ErrorCode::kUnsupported, config.source() + ": model_type '" + type +
                                             "' is not supported (supported: " + known + ")");
  }
  WeightStore weights(SafetensorsCheckpoint::open_folder(folder), options);
  ModelParts parts = it->second.build(config, weights);
  weights.check_all_used();
  apply_generation_config(folder, parts.generation);
  return parts;
}

ModelParts build_model_parts(const ModelConfig& config, WeightStore& weights) {
  const auto it = registry().find(config.model_type());
  if (it == registry().end()) {
    throw Error(ErrorCode::kUnsupported, config.source() + ": model_type '" + config.model_type() + "' is not supported");
  }
  return it->second.build(config, weights);
}

std::vector<std::string> init_model_types() {
  std::vector<std::string> names;
  for (const auto& [name, architecture] : registry()) {
    if (architecture.init_recipe) names.push_back(name);
  }
  return names;
}

std::optional<InitRecipe> find_init_recipe(const std::string& model_type) {
  const auto it = registry().find(model_type);
  if (it == registry().end() || !it->second.init_recipe) return std::nullopt;
  return it->second.init_recipe();
}

}  // namespace almkit
