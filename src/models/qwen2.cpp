#include "models/qwen2.h"

#include "almkit/error.h"
#include "models/causal_lm.h"

namespace almkit {
namespace {

// Qwen2Config's defaults in transformers 4.47.
CausalLmConfig qwen2_defaults() {
  CausalLmConfig d;
  d.vocab_size = 151936;
  d.hidden_size = 4096;
  d.intermediate_size = 22016;
  d.num_hidden_layers = 32;
  d.num_attention_heads = 32;
  d.max_position_embeddings = 32768;
  d.rms_norm_eps = 1e-6;
  d.query_key_value_bias = true;
  return d;
}

CausalLmConfig read_qwen2_config(const ModelConfig& c) {
  CausalLmConfig s = read_causal_lm_config(c, qwen2_defaults());
  // Qwen2 always has head_dim = hidden / heads (its config has no head_dim field).
  if (s.hidden_size % s.num_attention_heads != 0) {
    throw Error(ErrorCode::kInvalidFormat, c.source() + ": hidden_size is not divisible by num_attention_heads");
  }
  s.head_dim = s.hidden_size / s.num_attention_heads;
  // transformers 4.47 keeps sliding_window only when use_sliding_window is set, and its eager /
  // sdpa attention then masks every layer to the last sliding_window keys (max_window_layers
  // matters only to its flash-attention path).
  const auto window = c.json().find("sliding_window");
  const bool has_window = window != c.json().end() && !window->is_null();
  s.sliding_window = c.boolean("use_sliding_window", false) && has_window ? c.integer("sliding_window", 0) : 0;
  if (s.sliding_window < 0) throw Error(ErrorCode::kInvalidFormat, c.source() + ": sliding_window must be positive");
  return s;
}

}  // namespace

std::unique_ptr<LanguageModel> build_qwen2_language_model(const ModelConfig& config, WeightStore& weights,
                                                          const std::string& prefix) {
  return build_causal_lm(read_qwen2_config(config), weights, prefix);
}

ModelParts build_qwen2(const ModelConfig& config, WeightStore& weights) {
  ModelParts parts;
  parts.model_type = "qwen2";
  parts.language_model = build_qwen2_language_model(config, weights, "");
  parts.generation = causal_lm_generation_defaults(config);
  return parts;
}

nlohmann::json qwen2_text_config(const TextModelSize& s, const InitTokens& tokens) {
  const int64_t eos = tokens.id("<|im_end|>", 2), pad = tokens.id("<|endoftext|>", 0);
  return {{"model_type", "qwen2"}, {"vocab_size", s.vocab}, {"hidden_size", s.hidden},
          {"intermediate_size", s.intermediate}, {"num_hidden_layers", s.layers},
          {"num_attention_heads", s.heads}, {"num_key_value_heads", s.kv_heads},
          {"max_position_embeddings", s.max_positions}, {"rope_theta", 1000000.0}, {"rms_norm_eps", 1e-6},
          {"tie_word_embeddings", s.tie}, {"bos_token_id", pad}, {"eos_token_id", {eos, pad}},
          {"pad_token_id", pad}, {"hidden_act", "silu"}};
}

std::string chatml_template(const std::string& system_prompt, const std::string& audio_markup) {
  return "{% for message in messages %}{% if loop.first and message['role'] != 'system' %}<|im_start|>system\n" +
         system_prompt +
         "<|im_end|>\n{% endif %}<|im_start|>{{ message['role'] }}\n{% if message['content'] is string %}"
         "{{ message['content'] }}{% else %}{% for content in message['content'] %}{% if 'audio' in content or "
         "'audio_url' in content or content['type'] == 'audio' %}" +
         audio_markup +
         "{% elif 'text' in content %}{{ content['text'] }}{% endif %}{% endfor %}{% endif %}<|im_end|>\n"
         "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}";
}

InitRecipe qwen2_init_recipe() {
  InitRecipe recipe;
  recipe.sizes = {"small", "0.5b"};  // 0.5b: Qwen2-0.5B-Instruct's published config
  recipe.tokenizer_hint = "a Qwen tokenizer folder (.cache/tokenizers/qwen3)";
  recipe.config = [](const std::string& size, const InitTokens& tokens) {
    const TextModelSize shape = size == "0.5b" ? TextModelSize{std::max<int64_t>(151936, tokens.vocab_size), 896, 24, 14, 2, 4864, 32768, true}
                                               : TextModelSize{tokens.vocab_size, 128, 2, 4, 2, 384, 8192, false};
    nlohmann::json config = qwen2_text_config(shape, tokens);
    config["architectures"] = {"Qwen2ForCausalLM"};
    return config;
  };
  return recipe;
}

}  // namespace almkit
