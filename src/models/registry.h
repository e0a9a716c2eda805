// model_type -> architecture builder. Adding an architecture is adding one entry here and its
// own file pair.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "models/config.h"
#include "models/init_recipe.h"
#include "models/model_parts.h"

namespace almkit {

using ArchitectureBuilder = std::function<ModelParts(const ModelConfig&, WeightStore&)>;

std::vector<std::string> supported_model_types();
// Loads config.json and the safetensors of `folder` and builds the model; every tensor of the
// checkpoint must be used. Unknown model types are an error listing the supported ones.
ModelParts load_model_parts(const std::string& folder, const WeightOptions& options);

// Builds `config`'s architecture from `weights` (e.g. a recording store), without the checks of
// a checkpoint folder.
ModelParts build_model_parts(const ModelConfig& config, WeightStore& weights);

// Architectures `init-model` can write, and their recipes.
std::vector<std::string> init_model_types();
std::optional<InitRecipe> find_init_recipe(const std::string& model_type);

// The text model of a composite checkpoint, by its `text_config` model_type (`default_type`
// where the config leaves it out, as transformers does): audio families pick their LM here
// instead of naming its file. Weights are under `prefix` ("language_model.").
std::unique_ptr<LanguageModel> build_language_model(const ModelConfig& text_config, WeightStore& weights,
                                                    const std::string& prefix, const std::string& default_type);

}  // namespace almkit
