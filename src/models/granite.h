// Granite (GraniteForCausalLM): the shared causal LM with Granite's four multipliers: embeddings
// x embedding_multiplier, attention scores x attention_multiplier (in place of 1/sqrt(head_dim)),
// each residual branch x residual_multiplier, logits / logits_scaling.
#pragma once

#include <memory>
#include <string>

#include "models/config.h"
#include "models/model_parts.h"

namespace almkit {

std::unique_ptr<LanguageModel> build_granite_language_model(const ModelConfig& config, WeightStore& weights,
                                                            const std::string& prefix);
ModelParts build_granite(const ModelConfig& config, WeightStore& weights);

}  // namespace almkit
