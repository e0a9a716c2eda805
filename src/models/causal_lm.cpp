#include "models/causal_lm.h"

#include "almkit/error.h"
#include "models/rope_config.h"

namespace almkit {
namespace {

class CausalLanguageModel : public LanguageModel {
 public:
  CausalLanguageModel(const CausalLmConfig& config, WeightStore& weights, const std::string& prefix)
      : config_(config),
        rope_(config.head_dim, config.rope_theta, weights.options().device, config.rope_scaling),
        activation_dtype_(weights.options().activation_dtype()) {
    if (!config.mrope_section.empty()) rope_.set_mrope_section(config.mrope_section);
    const std::string model = prefix + "model";
    const std::string embed_name = model + ".embed_tokens.weight";
    const bool tied = config.tie_word_embeddings && !weights.has(prefix + "lm_head.weight");
    // int8 with a tied head: the file's view, quantised below; embed() reads the int8 head back
    const bool int8_tied = tied && weights.options().int8_linear && weights.options().device.is_cpu();
    embed_tokens_ = int8_tied ? weights.take_as_stored(embed_name, {config.vocab_size, config.hidden_size})
                              : weights.take(embed_name, {config.vocab_size, config.hidden_size});
    nn::DecoderBlockShape block;
    block.hidden = config.hidden_size;
    block.intermediate = config.intermediate_size;
    block.attention.hidden = config.hidden_size;
    block.attention.num_heads = config.num_attention_heads;
    block.attention.num_kv_heads = config.num_key_value_heads;
    block.attention.head_dim = config.head_dim;
    block.attention.query_bias = block.attention.key_bias = block.attention.value_bias = config.query_key_value_bias;
    block.attention.output_bias = config.output_bias;
    block.attention.scale = config.attention_multiplier;
    block.norm_eps = config.rms_norm_eps;
    block.activation = config.hidden_act;
    block.mlp_bias = config.mlp_bias;
    block.residual_multiplier = config.residual_multiplier;
    for (int64_t i = 0; i < config.num_hidden_layers; ++i) {
      layers_.push_back(nn::DecoderBlock::load(weights, model + ".layers." + std::to_string(i), block));
    }
    norm_ = nn::RmsNorm::load(weights, model + ".norm", config.hidden_size, config.rms_norm_eps);
    if (int8_tied) {
      lm_head_ = nn::Linear::from_weight(weights, std::move(embed_tokens_), at::Tensor(),
                                         [&](size_t offset, size_t bytes) { weights.release(embed_name, offset, bytes); });
      embed_tokens_ = at::Tensor();
    } else if (tied) {
      lm_head_ = nn::Linear::from_weight(weights, embed_tokens_);
    } else {
      lm_head_ = nn::Linear::load(weights, prefix + "lm_head", config.hidden_size, config.vocab_size, false);
    }
  }

  at::Tensor embed(const at::Tensor& ids) const override {
    if (!embed_tokens_.defined()) return nn::dequantize_rows(*lm_head_.int8, ids).to(activation_dtype_);
    return at::embedding(embed_tokens_, ids).to(activation_dtype_);
  }

  at::Tensor forward(const DecoderInput& input, nn::KvCache& cache, const LayerHook* hook) const override {
    // Granite scales every input embedding, spliced audio rows included (as its forward does).
    at::Tensor h = config_.embedding_multiplier == 1.0 ? input.embeddings : input.embeddings * config_.embedding_multiplier;
    const auto [cos, sin] = rope_.cos_sin(input.positions, h.scalar_type());
    const at::Tensor mask = nn::causal_mask(input.attention_mask, h.size(1), h.scalar_type(), config_.sliding_window);
    const bool want = hook && hook->want_attention;
    at::Tensor probabilities;
    if (hook && hook->callback && hook->want_input) hook->callback("decoder", -1, h, probabilities);
    for (size_t i = 0; i < layers_.size(); ++i) {
      const nn::HeadHook heads = layer_head_hook(hook, "decoder", static_cast<int>(i));
      h = layers_[i].forward(h, mask, &cache.self_attention[i], cos, sin, want ? &probabilities : nullptr, &heads);
      if (hook && hook->callback) hook->callback("decoder", static_cast<int>(i), h, probabilities);
    }
    return norm_(h);
  }

  at::Tensor prompt_positions(const at::Tensor& attention_mask, const at::Tensor& audio_mask) const override {
    const at::Tensor positions = LanguageModel::prompt_positions(attention_mask, audio_mask);
    // M-RoPE without images or video: get_rope_index gives every row the text positions.
    return config_.mrope_section.empty() ? positions : positions.unsqueeze(0).expand({3, -1, -1}).contiguous();
  }

  at::Tensor logits(const at::Tensor& hidden) const override {
    const at::Tensor out = lm_head_(hidden);
    return config_.logits_scaling == 1.0 ? out : out / config_.logits_scaling;
  }
  at::Tensor final_norm(const at::Tensor& hidden) const override { return norm_(hidden); }
  nn::KvCache new_cache() const override {
    nn::KvCache cache;
    cache.self_attention.resize(layers_.size());
    return cache;
  }
  int64_t vocab_size() const override { return config_.vocab_size; }
  int64_t max_positions() const override { return config_.max_position_embeddings; }
  std::vector<std::pair<std::string, at::Tensor>> reference_tensors() const override {
    return {{"rope_inv_freq", rope_.inv_freq()}};
  }

 private:
  CausalLmConfig config_;
  nn::Rope rope_;
  at::ScalarType activation_dtype_;
  at::Tensor embed_tokens_;
  nn::Linear lm_head_;
  std::vector<nn::DecoderBlock> layers_;
  nn::RmsNorm norm_;
};

}  // namespace

CausalLmConfig read_causal_lm_config(const ModelConfig& c, const CausalLmConfig& defaults) {
  CausalLmConfig s = defaults;
  s.vocab_size = c.integer("vocab_size", defaults.vocab_size);
  s.hidden_size = c.integer("hidden_size", defaults.hidden_size);
  s.intermediate_size = c.integer("intermediate_size", defaults.intermediate_size);
  s.num_hidden_layers = c.integer("num_hidden_layers", defaults.num_hidden_layers);
  s.num_attention_heads = c.integer("num_attention_heads", defaults.num_attention_heads);
  s.num_key_value_heads = c.integer("num_key_value_heads", 0);
  if (s.num_key_value_heads <= 0) s.num_key_value_heads = s.num_attention_heads;
  s.max_position_embeddings = c.integer("max_position_embeddings", defaults.max_position_embeddings);
  s.rms_norm_eps = c.number("rms_norm_eps", defaults.rms_norm_eps);
  s.rope_theta = read_rope_theta(c, defaults.rope_theta);
  s.tie_word_embeddings = c.boolean("tie_word_embeddings", defaults.tie_word_embeddings);
  s.hidden_act = c.string("hidden_act", defaults.hidden_act);
  nn::check_activation(s.hidden_act, c.source());
  const auto count = [&](const char* name, int64_t value) {
    if (value <= 0) {
      throw Error(ErrorCode::kInvalidFormat, c.source() + ": " + name + " must be positive, got " + std::to_string(value));
    }
  };
  count("vocab_size", s.vocab_size);
  count("hidden_size", s.hidden_size);
  count("intermediate_size", s.intermediate_size);
  count("num_hidden_layers", s.num_hidden_layers);
  count("num_attention_heads", s.num_attention_heads);
  if (s.num_attention_heads % s.num_key_value_heads != 0) {
    throw Error(ErrorCode::kInvalidFormat, c.source() + ": num_attention_heads " + std::to_string(s.num_attention_heads) +
                                               " is not a multiple of num_key_value_heads " +
                                               std::to_string(s.num_key_value_heads));
  }
  // head_dim may be given (Llama 3.2, Mistral, Granite) or null; otherwise hidden / heads.
  const auto head_dim = c.json().find("head_dim");
  if (head_dim != c.json().end() && !head_dim->is_null()) {
    s.head_dim = c.integer("head_dim", 0);
    count("head_dim", s.head_dim);
  } else {
    if (s.hidden_size % s.num_attention_heads != 0) {
      throw Error(ErrorCode::kInvalidFormat, c.source() + ": hidden_size " + std::to_string(s.hidden_size) +
                                                 " is not divisible by num_attention_heads " +
                                                 std::to_string(s.num_attention_heads));
    }
    s.head_dim = s.hidden_size / s.num_attention_heads;
  }
  if (s.head_dim % 2 != 0) throw Error(ErrorCode::kInvalidFormat, c.source() + ": head_dim must be even for rotary positions");
  s.rope_scaling = read_rope_scaling(c, s.max_position_embeddings);
  const auto scaling = c.json().find("rope_scaling");
  if (scaling != c.json().end() && scaling->is_object() && scaling->contains("mrope_section")) {
    s.mrope_section = c.nested("rope_scaling").ids("mrope_section");
  }
  return s;
}

std::unique_ptr<LanguageModel> build_causal_lm(const CausalLmConfig& config, WeightStore& weights,
                                               const std::string& prefix) {
  return std::make_unique<CausalLanguageModel>(config, weights, prefix);
}

GenerationDefaults causal_lm_generation_defaults(const ModelConfig& text_config) {
  GenerationDefaults defaults;
  defaults.eos_token_ids = text_config.ids("eos_token_id");
  defaults.bos_token_id = text_config.integer("bos_token_id", -1);
  defaults.pad_token_id = text_config.integer("pad_token_id", -1);
  return defaults;
}

}  // namespace almkit
