// Qwen2 decoder-only language model (Qwen2ForCausalLM): the shared causal LM with q/k/v biases
// and Qwen2's sliding-window rule.
#pragma once

#include <memory>
#include <string>

#include "models/config.h"
#include "models/init_recipe.h"
#include "models/model_parts.h"

namespace almkit {

// `prefix` is where the causal LM lives ("" for Qwen2ForCausalLM, "language_model." inside
// Qwen2-Audio); `config` is the text config.
std::unique_ptr<LanguageModel> build_qwen2_language_model(const ModelConfig& config, WeightStore& weights,
                                                          const std::string& prefix);
ModelParts build_qwen2(const ModelConfig& config, WeightStore& weights);

// config.json of a Qwen2 text model of `size` (its eos / pad from the tokens), and the recipe.
nlohmann::json qwen2_text_config(const TextModelSize& size, const InitTokens& tokens);
// A ChatML template (<|im_start|>role ... <|im_end|>) with `system_prompt` when the conversation
// has none and `audio_markup` in place of each audio part.
std::string chatml_template(const std::string& system_prompt, const std::string& audio_markup);
InitRecipe qwen2_init_recipe();

}  // namespace almkit
