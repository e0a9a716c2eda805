// Qwen2-Audio (Qwen2AudioForConditionalGeneration): a Whisper-style audio tower whose keys beyond
// each clip's length are masked, 2x average pooling and a layer norm; a linear projector; a
// Qwen2 language model whose <|AUDIO|> placeholder receives the projected audio frames.
#pragma once

#include "models/config.h"
#include "models/init_recipe.h"
#include "models/model_parts.h"

namespace almkit {

ModelParts build_qwen2_audio(const ModelConfig& config, WeightStore& weights);
InitRecipe qwen2_audio_init_recipe();

}  // namespace almkit
