// The decoder-only language model that Llama, Qwen2, Mistral and Granite share: token embedding,
// a stack of nn::DecoderBlock with rotary positions, a final RMSNorm and a (possibly tied) head.
// A family reads its config into CausalLmConfig with its own class defaults and bias rules, and
// builds the model here; nothing in this file names a family.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "models/config.h"
#include "models/model_parts.h"
#include "nn/decoder_block.h"
#include "nn/rope.h"

namespace almkit {

// The config.json fields of transformers' decoder-only configs, by their names there.
struct CausalLmConfig {
  int64_t vocab_size = 32000;
  int64_t hidden_size = 4096;
  int64_t intermediate_size = 11008;
  int64_t num_hidden_layers = 32;
  int64_t num_attention_heads = 32;
  int64_t num_key_value_heads = 0;  // 0: num_attention_heads
  int64_t head_dim = 0;             // 0: hidden_size / num_attention_heads
  int64_t max_position_embeddings = 2048;
  double rms_norm_eps = 1e-6;
  double rope_theta = 10000.0;
  nn::RopeScaling rope_scaling;
  bool tie_word_embeddings = false;
  std::string hidden_act = "silu";
  bool query_key_value_bias = false;  // Qwen2: true; Llama: attention_bias
  bool output_bias = false;           // Llama: attention_bias
  bool mlp_bias = false;
  int64_t sliding_window = 0;  // 0: full causal attention
  // rope_scaling.mrope_section (Qwen2.5-Omni, Qwen2-VL): positions [3, B, T]; an audio-only
  // prompt puts the same position on all three rows.
  std::vector<int64_t> mrope_section;
  // Granite: embeddings x embedding_multiplier, scores x attention_multiplier (instead of
  // 1/sqrt(head_dim)), residual branches x residual_multiplier, logits / logits_scaling.
  double embedding_multiplier = 1.0, attention_multiplier = 0.0, residual_multiplier = 1.0;
  double logits_scaling = 1.0;
};

// Reads the shared fields of `config`; `defaults` holds the family's class defaults. Validates
// head counts and rope scaling, naming the file.
CausalLmConfig read_causal_lm_config(const ModelConfig& config, const CausalLmConfig& defaults);

// `prefix` is where the causal LM lives ("" for *ForCausalLM, "language_model." inside an
// audio model); weights are `<prefix>model.*` and `<prefix>lm_head.weight`.
std::unique_ptr<LanguageModel> build_causal_lm(const CausalLmConfig& config, WeightStore& weights,
                                               const std::string& prefix);

// eos / bos / pad ids of a text config.
GenerationDefaults causal_lm_generation_defaults(const ModelConfig& text_config);

}  // namespace almkit
