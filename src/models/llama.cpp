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

nlohmann::json llama_text_config(const TextModelSize& s, const InitTokens& tokens) {
  const int64_t bos = tokens.id("<|begin_of_text|>", 1), eot = tokens.id("<|eot_id|>", 2);
  const int64_t end = tokens.id("<|end_of_text|>", eot), pad = tokens.id("<|finetune_right_pad_id|>", 0);
  return {{"model_type", "llama"}, {"vocab_size", s.vocab}, {"hidden_size", s.hidden},
          {"intermediate_size", s.intermediate}, {"num_hidden_layers", s.layers},
          {"num_attention_heads", s.heads}, {"num_key_value_heads", s.kv_heads}, {"head_dim", s.hidden / s.heads},
          {"max_position_embeddings", s.max_positions}, {"rope_theta", 500000.0}, {"rms_norm_eps", 1e-5},
          {"rope_scaling", {{"rope_type", "llama3"}, {"factor", 32.0}, {"low_freq_factor", 1.0},
                            {"high_freq_factor", 4.0}, {"original_max_position_embeddings", 8192}}},
          {"tie_word_embeddings", s.tie}, {"attention_bias", false}, {"mlp_bias", false},
          {"bos_token_id", bos}, {"eos_token_id", {eot, end}}, {"pad_token_id", pad}, {"hidden_act", "silu"}};
}

std::string llama3_chat_template(const std::string& audio_marker) {
  const std::string text_part = "if 'text' in content %}{{ content['text'] | trim }}{% endif %}";
  const std::string part = audio_marker.empty()
                               ? "{% " + text_part
                               : "{% if 'audio' in content or content['type'] == 'audio' %}" + audio_marker + "{% el" + text_part;
  return "{{ bos_token }}{% for message in messages %}<|start_header_id|>{{ message['role'] }}<|end_header_id|>\n\n"
         "{% if message['content'] is string %}{{ message['content'] | trim }}{% else %}"
         "{% for content in message['content'] %}" + part + "{% endfor %}{% endif %}<|eot_id|>"
         "{% endfor %}{% if add_generation_prompt %}<|start_header_id|>assistant<|end_header_id|>\n\n{% endif %}";
}

InitRecipe llama_init_recipe() {
  InitRecipe recipe;
  recipe.sizes = {"small", "1b"};  // 1b: Llama-3.2-1B's published config
  recipe.tokenizer_hint = "a Llama-3 tokenizer folder (.cache/tokenizers/llama3)";
  recipe.chat_template = llama3_chat_template("");
  recipe.config = [](const std::string& size, const InitTokens& tokens) {
    const TextModelSize shape = size == "1b" ? TextModelSize{std::max<int64_t>(128256, tokens.vocab_size), 2048, 16, 32, 8, 8192, 131072, true}
                                             : TextModelSize{tokens.vocab_size, 128, 2, 4, 2, 384, 8192, true};
    nlohmann::json config = llama_text_config(shape, tokens);
    config["architectures"] = {"LlamaForCausalLM"};
    return config;
  };
  return recipe;
}

}  // namespace almkit
