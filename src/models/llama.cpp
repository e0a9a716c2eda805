#include "models/llama.h"

#include "almkit/error.h"
#include "models/causal_lm.h"

namespace almkit {
namespace {

// LlamaConfig's defaults in transformers 4.47.
CausalLmConfig llama_defaults() {
  CausalLmConfig d;
  d.vocab_size = 32000;
  d.hidden_size = 4096;
  d.intermediate_size = 11008;
  d.num_hidden_layers = 32;
  d.num_attention_heads = 32;
  d.max_position_embeddings = 2048;
  d.rms_norm_eps = 1e-6;
  return d;
}

// MistralConfig's defaults in transformers 4.47 (8 KV heads, a 4096-token sliding window).
CausalLmConfig mistral_defaults() {
  CausalLmConfig d = llama_defaults();
  d.intermediate_size = 14336;
  d.max_position_embeddings = 4096 * 32;
  d.sliding_window = 4096;
  return d;
}

CausalLmConfig read_llama_config(const ModelConfig& c) {
  const bool mistral = c.string("model_type", "llama") == "mistral";
  CausalLmConfig s = read_causal_lm_config(c, mistral ? mistral_defaults() : llama_defaults());
  if (mistral) {
    // Mistral's default has 8 KV heads; an absent field keeps it, null means one per query head.
    const auto kv = c.json().find("num_key_value_heads");
    if (kv == c.json().end()) s.num_key_value_heads = 8;
    if (s.num_attention_heads % s.num_key_value_heads != 0) {
      throw Error(ErrorCode::kInvalidFormat, c.source() + ": num_attention_heads is not a multiple of num_key_value_heads");
    }
    const auto window = c.json().find("sliding_window");
    s.sliding_window = window == c.json().end() ? 4096 : window->is_null() ? 0 : c.integer("sliding_window", 0);
    if (s.sliding_window < 0) throw Error(ErrorCode::kInvalidFormat, c.source() + ": sliding_window must be positive");
  } else {
    const bool attention_bias = c.boolean("attention_bias", false);
    s.query_key_value_bias = s.output_bias = attention_bias;
    s.mlp_bias = c.boolean("mlp_bias", false);
  }
  return s;
}

}  // namespace

std::unique_ptr<LanguageModel> build_llama_language_model(const ModelConfig& config, WeightStore& weights,
                                                          const std::string& prefix) {
  return build_causal_lm(read_llama_config(config), weights, prefix);
}

ModelParts build_llama(const ModelConfig& config, WeightStore& weights) {
  ModelParts parts;
  parts.model_type = config.model_type();
  parts.language_model = build_llama_language_model(config, weights, "");
  parts.generation = causal_lm_generation_defaults(config);
  return parts;
}

}  // namespace almkit
