#include "models/granite.h"

#include "models/causal_lm.h"

namespace almkit {
namespace {

CausalLmConfig read_granite_config(const ModelConfig& c) {
  CausalLmConfig defaults;  // GraniteConfig's defaults match LlamaConfig's sizes
  defaults.vocab_size = 32000;
  defaults.max_position_embeddings = 2048;
  CausalLmConfig s = read_causal_lm_config(c, defaults);
  s.query_key_value_bias = s.output_bias = c.boolean("attention_bias", false);
  s.mlp_bias = c.boolean("mlp_bias", false);
  s.embedding_multiplier = c.number("embedding_multiplier", 1.0);
  s.attention_multiplier = c.number("attention_multiplier", 1.0);  // GraniteConfig's default is 1, not 1/sqrt(d)
  s.residual_multiplier = c.number("residual_multiplier", 1.0);
  s.logits_scaling = c.number("logits_scaling", 1.0);
  return s;
}

}  // namespace

std::unique_ptr<LanguageModel> build_granite_language_model(const ModelConfig& config, WeightStore& weights,
                                                            const std::string& prefix) {
  return build_causal_lm(read_granite_config(config), weights, prefix);
}

ModelParts build_granite(const ModelConfig& config, WeightStore& weights) {
  ModelParts parts;
  parts.model_type = "granite";
  parts.language_model = build_granite_language_model(config, weights, "");
  parts.generation = causal_lm_generation_defaults(config);
  return parts;
}

}  // namespace almkit
