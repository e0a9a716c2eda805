// Voxtral (VoxtralForConditionalGeneration): Whisper's encoder over whole 30 s windows (no
// padding mask, no pooling), a projector that stacks 4 frames (intermediate_size = 4 x width)
// then linear -> GELU -> linear without biases, and a Llama / Mistral LM whose audio tokens
// (`audio_token_id`, 375 per window) take the projected rows.
#pragma once

#include "models/config.h"
#include "models/init_recipe.h"
#include "models/model_parts.h"

namespace almkit {

ModelParts build_voxtral(const ModelConfig& config, WeightStore& weights);
// A random Voxtral on the Llama-3 vocabulary with Mistral's [INST] / [BEGIN_AUDIO] / [AUDIO]
// tokens added (the real Tekken vocabulary needs mistral_common).
InitRecipe voxtral_init_recipe();

}  // namespace almkit
