// Llama (LlamaForCausalLM) and Mistral (MistralForCausalLM): the shared causal LM with
// `attention_bias` / `mlp_bias`, an optional head_dim, llama3 rope scaling and, for Mistral, a
// sliding window over every layer.
#pragma once

#include <memory>
#include <string>

#include "models/config.h"
#include "models/init_recipe.h"
#include "models/model_parts.h"

namespace almkit {

// `prefix` is where the causal LM lives ("" for LlamaForCausalLM, "language_model." inside an
// audio model); `config` is the text config (model_type llama or mistral).
std::unique_ptr<LanguageModel> build_llama_language_model(const ModelConfig& config, WeightStore& weights,
                                                          const std::string& prefix);
ModelParts build_llama(const ModelConfig& config, WeightStore& weights);

// config.json of a Llama text model of `size` (Llama-3 ids from the tokens; llama3 rope scaling
// as Llama 3.2), the Llama-3 chat template (with `audio_marker` for audio parts when not
// empty), and the recipe.
nlohmann::json llama_text_config(const TextModelSize& size, const InitTokens& tokens);
std::string llama3_chat_template(const std::string& audio_marker);
InitRecipe llama_init_recipe();

}  // namespace almkit
