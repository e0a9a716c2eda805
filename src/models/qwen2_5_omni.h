// Qwen2.5-Omni, the thinker (audio in, text out): an audio encoder that cuts each clip into
// chunks of 2 x n_window mel frames (convolutions per chunk, sinusoidal positions restarting in
// every chunk, attention only inside a chunk), then per clip 2x average pooling, `ln_post` and
// `proj` to the LM width; a Qwen2.5 LM with multimodal rotary positions (mrope_section). The
// talker and token2wav (speech output) are not run: a full Qwen2_5OmniForConditionalGeneration
// folder loads its thinker and leaves them aside.
#pragma once

#include "models/config.h"
#include "models/init_recipe.h"
#include "models/model_parts.h"

namespace almkit {

// model_type "qwen2_5_omni_thinker" (weights at the top level) or "qwen2_5_omni" (the hub's
// full model: thinker_config, weights under "thinker.").
ModelParts build_qwen2_5_omni(const ModelConfig& config, WeightStore& weights);
// A random thinker (Qwen vocabulary with the audio tokens, Qwen2.5-Omni's system prompt).
InitRecipe qwen2_5_omni_thinker_init_recipe();

}  // namespace almkit
