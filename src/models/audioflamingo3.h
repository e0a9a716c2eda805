// Audio Flamingo 3 (AudioFlamingo3ForConditionalGeneration, transformers 5): a Whisper-large
// style tower whose keys past the clip are masked, average-pooled and layer-normed (as
// Qwen2-Audio's), a linear -> GELU -> linear projector with biases, and a Qwen2 LM whose audio
// tokens (one per projected frame, expanded by the processor) take the projected rows.
#pragma once

#include "models/config.h"
#include "models/init_recipe.h"
#include "models/model_parts.h"

namespace almkit {

ModelParts build_audioflamingo3(const ModelConfig& config, WeightStore& weights);
// A random AF3 (Qwen vocabulary with a <sound> placeholder).
InitRecipe audioflamingo3_init_recipe();

}  // namespace almkit
