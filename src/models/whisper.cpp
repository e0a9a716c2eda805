#include "models/whisper.h"

#include "almkit/error.h"
#include "models/audio_frontend.h"
#include "models/whisper_encoder.h"
#include "nn/attention.h"

namespace almkit {
namespace {

class WhisperDecoder : public LanguageModel {
 public:
  WhisperDecoder(const ModelConfig& config, WeightStore& weights, int64_t d_model)
      : d_model_(d_model), activation_dtype_(weights.options().activation_dtype()) {
    vocab_ = config.integer("vocab_size", 51865);
    max_positions_ = config.integer("max_target_positions", 448);
    heads_ = config.integer("decoder_attention_heads", 6);
    ffn_ = config.integer("decoder_ffn_dim", 1536);
    activation_ = config.string("activation_function", "gelu");
    embed_tokens_ = weights.take("model.decoder.embed_tokens.weight", {vocab_, d_model});
    embed_positions_ = weights.take("model.decoder.embed_positions.weight", {max_positions_, d_model});
    // proj_out is tied to the token embedding; a checkpoint may still store it.
    proj_out_ = weights.has("proj_out.weight") ? weights.take("proj_out.weight", {vocab_, d_model}) : embed_tokens_;
    const nn::AttentionShape attention = whisper_attention_shape(d_model, heads_);
    const int64_t layers = config.integer("decoder_layers", 4);
    for (int64_t i = 0; i < layers; ++i) {
      const std::string p = "model.decoder.layers." + std::to_string(i);
      layers_.push_back({nn::LayerNorm::load(weights, p + ".self_attn_layer_norm", d_model, 1e-5),
                         nn::LayerNorm::load(weights, p + ".encoder_attn_layer_norm", d_model, 1e-5),
                         nn::LayerNorm::load(weights, p + ".final_layer_norm", d_model, 1e-5),
                         nn::MultiHeadAttention::load(weights, p + ".self_attn", attention),
                         nn::MultiHeadAttention::load(weights, p + ".encoder_attn", attention),
                         nn::Linear::load(weights, p + ".fc1", d_model, ffn_, true),
                         nn::Linear::load(weights, p + ".fc2", ffn_, d_model, true)});
    }
    layer_norm_ = nn::LayerNorm::load(weights, "model.decoder.layer_norm", d_model, 1e-5);
  }

  at::Tensor embed(const at::Tensor& ids) const override {
    return at::embedding(embed_tokens_, ids).to(activation_dtype_);
  }

  at::Tensor forward(const DecoderInput& input, nn::KvCache& cache, const LayerHook* hook) const override {
    if (!cache.encoder_states.defined()) {
      throw Error(ErrorCode::kInvalidArgument, "whisper decoder: no encoder output to attend to");
    }
    const int64_t last = input.positions.max().item<int64_t>();
    if (last >= max_positions_) {
      throw Error(ErrorCode::kInvalidArgument, "whisper decoder: position " + std::to_string(last) +
                                                   " exceeds max_target_positions " + std::to_string(max_positions_));
    }
    at::Tensor h = input.embeddings + at::embedding(embed_positions_, input.positions);
    const at::Tensor mask = nn::causal_mask(input.attention_mask, h.size(1), h.scalar_type());
    const bool want = hook && hook->want_attention;
    at::Tensor probabilities;
    if (hook && hook->callback && hook->want_input) hook->callback("decoder", -1, h, probabilities);
    for (size_t i = 0; i < layers_.size(); ++i) {
      const Layer& layer = layers_[i];
      const nn::HeadHook heads = layer_head_hook(hook, "decoder", static_cast<int>(i));
      h = h + layer.self_attn.self_attention(layer.self_attn_layer_norm(h), mask, &cache.self_attention[i],
                                             at::Tensor(), at::Tensor(), want ? &probabilities : nullptr, &heads);
      h = h + layer.encoder_attn.cross_attention(layer.encoder_attn_layer_norm(h), cache.encoder_states,
                                                 &cache.cross_attention[i]);
      h = h + layer.fc2(nn::activation(activation_, layer.fc1(layer.final_layer_norm(h))));
      if (hook && hook->callback) hook->callback("decoder", static_cast<int>(i), h, probabilities);
    }
    return layer_norm_(h);
  }

  at::Tensor logits(const at::Tensor& hidden) const override { return nn::linear(hidden, proj_out_); }
  at::Tensor final_norm(const at::Tensor& hidden) const override { return layer_norm_(hidden); }
  nn::KvCache new_cache() const override {
    nn::KvCache cache;
    cache.self_attention.resize(layers_.size());
    cache.cross_attention.resize(layers_.size());
    return cache;
  }
  bool attends_to_audio() const override { return true; }
  int64_t vocab_size() const override { return vocab_; }
  int64_t max_positions() const override { return max_positions_; }

 private:
  struct Layer {
    nn::LayerNorm self_attn_layer_norm, encoder_attn_layer_norm, final_layer_norm;
    nn::MultiHeadAttention self_attn, encoder_attn;
    nn::Linear fc1, fc2;
  };
  int64_t d_model_, vocab_ = 0, max_positions_ = 0, heads_ = 0, ffn_ = 0;
  at::ScalarType activation_dtype_;
  std::string activation_;
  at::Tensor embed_tokens_, embed_positions_, proj_out_;
  std::vector<Layer> layers_;
  nn::LayerNorm layer_norm_;
};

}  // namespace

ModelParts build_whisper(const ModelConfig& config, WeightStore& weights) {
  const WhisperEncoderShape shape = WhisperEncoderShape::from_config(config, WhisperEncoderShape{});
  ModelParts parts;
  parts.model_type = "whisper";
  WhisperTowerOptions tower;
  tower.prefix = "model.encoder";
  tower.mask_padding = false;  // Whisper attends to all 1500 positions whatever the clip length
  parts.encoder = build_whisper_tower(config, weights, shape, tower);
  parts.language_model = std::make_unique<WhisperDecoder>(config, weights, shape.d_model);
  parts.generation.eos_token_ids = config.ids("eos_token_id");
  if (parts.generation.eos_token_ids.empty()) parts.generation.eos_token_ids = {50257};
  parts.generation.pad_token_id = config.integer("pad_token_id", 50256);
  parts.generation.bos_token_id = config.integer("bos_token_id", 50257);
  parts.generation.decoder_start_token_id = config.integer("decoder_start_token_id", 50258);
  return parts;
}

InitRecipe whisper_init_recipe() {
  InitRecipe recipe;
  recipe.sizes = {"small", "base", "large-v3"};  // the published whisper-base / whisper-large-v3 shapes
  recipe.config = [](const std::string& size, const InitTokens&) {
    struct Shape {
      int64_t bins, d_model, layers, heads, ffn;
    };
    const Shape a = size == "base" ? Shape{80, 512, 6, 8, 2048}
                    : size == "large-v3" ? Shape{128, 1280, 32, 20, 5120}
                                         : Shape{80, 128, 2, 4, 512};
    return nlohmann::json{
        {"architectures", {"WhisperForConditionalGeneration"}}, {"model_type", "whisper"},
        {"vocab_size", a.bins == 128 ? 51866 : 51865}, {"num_mel_bins", a.bins}, {"d_model", a.d_model},
        {"encoder_layers", a.layers}, {"decoder_layers", a.layers}, {"encoder_attention_heads", a.heads},
        {"decoder_attention_heads", a.heads}, {"encoder_ffn_dim", a.ffn}, {"decoder_ffn_dim", a.ffn},
        {"max_source_positions", 1500}, {"max_target_positions", 448}, {"activation_function", "gelu"},
        {"pad_token_id", 50256}, {"bos_token_id", 50257}, {"eos_token_id", 50257}, {"decoder_start_token_id", 50258}};
  };
  recipe.preprocessor_config = [](const nlohmann::json& config) {
    return whisper_preprocessor_config(config["num_mel_bins"].get<int64_t>());
  };
  return recipe;
}

}  // namespace almkit
