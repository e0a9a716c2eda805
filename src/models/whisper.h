// Whisper (WhisperForConditionalGeneration): encoder with a final layer norm, decoder with
// self- and cross-attention, logits through proj_out (tied to the token embedding).
#pragma once

#include "models/config.h"
#include "models/init_recipe.h"
#include "models/model_parts.h"

namespace almkit {

ModelParts build_whisper(const ModelConfig& config, WeightStore& weights);
InitRecipe whisper_init_recipe();

}  // namespace almkit
