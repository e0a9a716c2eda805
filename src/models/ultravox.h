// Ultravox (fixie-ai's UltravoxModel): a Whisper encoder that takes clips shorter than 30 s
// (unpadded log-mel, keys past each clip masked), a projector that stacks `stack_factor`
// frames -> RMSNorm -> linear -> SwiGLU -> RMSNorm -> linear, and a Llama-family LM whose audio
// placeholders (`audio_token_index`, one per projected frame) receive the projected frames.
#pragma once

#include "models/config.h"
#include "models/init_recipe.h"
#include "models/model_parts.h"

namespace almkit {

ModelParts build_ultravox(const ModelConfig& config, WeightStore& weights);
// A random Ultravox (v0.5 layout: 128-bin Whisper tower, ln_mid projector, Llama-3 LM) whose
// tokenizer gains an <|audio|> placeholder token.
InitRecipe ultravox_init_recipe();

}  // namespace almkit
