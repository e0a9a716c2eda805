// Granite Speech (GraniteSpeechForConditionalGeneration): its own log-mel front end (torchaudio
// MelSpectrogram, frame pairs stacked), a CTC conformer encoder (block attention with Shaw
// relative positions, a depthwise-convolution module, half-step feed-forwards, the CTC head's
// softmax fed back after the middle block), a windowed Q-Former projector and a Granite LM.
// The LoRA adapter of the released checkpoints (has_lora_adapter) is not applied.
#pragma once

#include "models/config.h"
#include "models/init_recipe.h"
#include "models/model_parts.h"

namespace almkit {

ModelParts build_granite_speech(const ModelConfig& config, WeightStore& weights);
// A random Granite Speech on the Llama-3 vocabulary with Granite's role tokens and <|audio|>.
InitRecipe granite_speech_init_recipe();

}  // namespace almkit
