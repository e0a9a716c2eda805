#include "models/qwen2.h"

#include "almkit/error.h"
#include "nn/attention.h"
#include "models/rope_config.h"
#include "nn/rope.h"

namespace almkit {
namespace {

struct Qwen2Shape {
  int64_t vocab, hidden, intermediate, layers, heads, kv_heads, head_dim, max_positions;
  double rms_norm_eps, rope_theta;
  nn::RopeScaling rope_scaling;
  int64_t sliding_window;  // 0: full causal attention
  bool tie_word_embeddings;
  std::string activation;
};

// Defaults are Qwen2Config's in transformers 4.47.
Qwen2Shape read_shape(const ModelConfig& c) {
  Qwen2Shape s;
  s.vocab = c.integer("vocab_size", 151936);
  s.hidden = c.integer("hidden_size", 4096);
  s.intermediate = c.integer("intermediate_size", 22016);
  s.layers = c.integer("num_hidden_layers", 32);
  s.heads = c.integer("num_attention_heads", 32);
  s.kv_heads = c.integer("num_key_value_heads", s.heads);
  s.max_positions = c.integer("max_position_embeddings", 32768);
  s.rms_norm_eps = c.number("rms_norm_eps", 1e-6);
  s.rope_theta = c.number("rope_theta", 10000.0);
  s.tie_word_embeddings = c.boolean("tie_word_embeddings", false);
  s.activation = c.string("hidden_act", "silu");
  nn::check_activation(s.activation, c.source());
  if (s.heads <= 0 || s.hidden % s.heads != 0 || s.kv_heads <= 0 || s.heads % s.kv_heads != 0) {
    throw Error(ErrorCode::kInvalidFormat,
                c.source() + ": hidden_size " + std::to_string(s.hidden) + ", num_attention_heads " +
                    std::to_string(s.heads) + " and num_key_value_heads " + std::to_string(s.kv_heads) +
                    " do not divide evenly");
  }
  s.head_dim = s.hidden / s.heads;
  s.rope_scaling = read_rope_scaling(c, s.max_positions);
  // transformers 4.47 keeps sliding_window only when use_sliding_window is set, and its eager /
  // sdpa attention then masks every layer to the last sliding_window keys (max_window_layers
  // matters only to its flash-attention path).
  const auto window = c.json().find("sliding_window");
  const bool has_window = window != c.json().end() && !window->is_null();
  s.sliding_window = c.boolean("use_sliding_window", false) && has_window ? c.integer("sliding_window", 0) : 0;
  if (s.sliding_window < 0) {
    throw Error(ErrorCode::kInvalidFormat, c.source() + ": sliding_window must be positive");
  }
  return s;
}

class Qwen2LanguageModel : public LanguageModel {
 public:
  Qwen2LanguageModel(const Qwen2Shape& shape, WeightStore& weights, const std::string& prefix)
      : shape_(shape),
        rope_(shape.head_dim, shape.rope_theta, weights.options().device, shape.rope_scaling),
        activation_dtype_(weights.options().activation_dtype()) {
    const std::string model = prefix + "model";
    embed_tokens_ = weights.take(model + ".embed_tokens.weight", {shape.vocab, shape.hidden});
    nn::AttentionShape attention;
    attention.hidden = shape.hidden;
    attention.num_heads = shape.heads;
    attention.num_kv_heads = shape.kv_heads;
    attention.head_dim = shape.head_dim;
    attention.output_bias = false;
    for (int64_t i = 0; i < shape.layers; ++i) {
      const std::string p = model + ".layers." + std::to_string(i);
      layers_.push_back({nn::RmsNorm::load(weights, p + ".input_layernorm", shape.hidden, shape.rms_norm_eps),
                         nn::RmsNorm::load(weights, p + ".post_attention_layernorm", shape.hidden, shape.rms_norm_eps),
                         nn::MultiHeadAttention::load(weights, p + ".self_attn", attention),
                         nn::Linear::load(weights, p + ".mlp.gate_proj", shape.hidden, shape.intermediate, false),
                         nn::Linear::load(weights, p + ".mlp.up_proj", shape.hidden, shape.intermediate, false),
                         nn::Linear::load(weights, p + ".mlp.down_proj", shape.intermediate, shape.hidden, false)});
    }
    norm_ = nn::RmsNorm::load(weights, model + ".norm", shape.hidden, shape.rms_norm_eps);
    if (shape.tie_word_embeddings && !weights.has(prefix + "lm_head.weight")) {
      lm_head_ = embed_tokens_;
    } else {
      lm_head_ = weights.take(prefix + "lm_head.weight", {shape.vocab, shape.hidden});
    }
  }

  at::Tensor embed(const at::Tensor& ids) const override {
    return at::embedding(embed_tokens_, ids).to(activation_dtype_);
  }

  at::Tensor forward(const DecoderInput& input, nn::KvCache& cache, const LayerHook* hook) const override {
    at::Tensor h = input.embeddings;
    const auto [cos, sin] = rope_.cos_sin(input.positions, h.scalar_type());
    const at::Tensor mask = nn::causal_mask(input.attention_mask, h.size(1), h.scalar_type(), shape_.sliding_window);
    const bool want = hook && hook->want_attention;
    at::Tensor probabilities;
    for (size_t i = 0; i < layers_.size(); ++i) {
      const Layer& layer = layers_[i];
      h = h + layer.self_attn.self_attention(layer.input_layernorm(h), mask, &cache.self_attention[i], cos, sin,
                                             want ? &probabilities : nullptr);
      const at::Tensor x = layer.post_attention_layernorm(h);
      h = h + layer.down_proj(nn::gated_activation(shape_.activation, layer.gate_proj(x), layer.up_proj(x)));
      if (hook && hook->callback) hook->callback("decoder", static_cast<int>(i), h, probabilities);
    }
    return norm_(h);
  }

  at::Tensor logits(const at::Tensor& hidden) const override { return nn::linear(hidden, lm_head_); }
  nn::KvCache new_cache() const override {
    nn::KvCache cache;
    cache.self_attention.resize(layers_.size());
    return cache;
  }
  int64_t vocab_size() const override { return shape_.vocab; }
  int64_t max_positions() const override { return shape_.max_positions; }

 private:
  struct Layer {
    nn::RmsNorm input_layernorm, post_attention_layernorm;
    nn::MultiHeadAttention self_attn;
    nn::Linear gate_proj, up_proj, down_proj;
  };
  Qwen2Shape shape_;
  nn::Rope rope_;
  at::ScalarType activation_dtype_;
  at::Tensor embed_tokens_, lm_head_;
  std::vector<Layer> layers_;
  nn::RmsNorm norm_;
};

}  // namespace

std::unique_ptr<LanguageModel> build_qwen2_language_model(const ModelConfig& config, WeightStore& weights,
                                                          const std::string& prefix) {
  return std::make_unique<Qwen2LanguageModel>(read_shape(config), weights, prefix);
}

GenerationDefaults qwen2_generation_defaults(const ModelConfig& text_config) {
  GenerationDefaults defaults;
  defaults.eos_token_ids = text_config.ids("eos_token_id");
  defaults.bos_token_id = text_config.integer("bos_token_id", -1);
  defaults.pad_token_id = text_config.integer("pad_token_id", -1);
  return defaults;
}

ModelParts build_qwen2(const ModelConfig& config, WeightStore& weights) {
  ModelParts parts;
  parts.model_type = "qwen2";
  parts.language_model = build_qwen2_language_model(config, weights, "");
  parts.generation = qwen2_generation_defaults(config);
  return parts;
}

}  // namespace almkit
