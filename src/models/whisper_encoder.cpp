#include "models/whisper_encoder.h"

#include "almkit/error.h"
#include "models/audio_frontend.h"

namespace almkit {

WhisperEncoderShape WhisperEncoderShape::from_config(const ModelConfig& config,
                                                     const WhisperEncoderShape& defaults) {
  WhisperEncoderShape shape;
  shape.num_mel_bins = config.integer("num_mel_bins", defaults.num_mel_bins);
  shape.d_model = config.integer("d_model", defaults.d_model);
  shape.layers = config.integer("encoder_layers", defaults.layers);
  shape.heads = config.integer("encoder_attention_heads", defaults.heads);
  shape.ffn_dim = config.integer("encoder_ffn_dim", defaults.ffn_dim);
  shape.max_source_positions = config.integer("max_source_positions", defaults.max_source_positions);
  shape.activation = config.string("activation_function", defaults.activation);
  nn::check_activation(shape.activation, config.source());
  if (shape.heads <= 0 || shape.d_model % shape.heads != 0) {
    throw Error(ErrorCode::kInvalidFormat, config.source() + ": d_model " + std::to_string(shape.d_model) +
                                               " is not divisible by encoder_attention_heads " +
                                               std::to_string(shape.heads));
  }
  return shape;
}

nn::AttentionShape whisper_attention_shape(int64_t d_model, int64_t heads) {
  nn::AttentionShape shape;
  shape.hidden = d_model;
  shape.num_heads = shape.num_kv_heads = heads;
  shape.head_dim = d_model / heads;
  shape.key_bias = false;
  shape.output_name = "out_proj";
  return shape;
}

WhisperEncoderStack::WhisperEncoderStack(WeightStore& weights, const std::string& prefix,
                                         const WhisperEncoderShape& shape)
    : shape_(shape) {
  const int64_t d = shape.d_model;
  conv1_weight_ = weights.take(prefix + ".conv1.weight", {d, shape.num_mel_bins, 3});
  conv1_bias_ = weights.take(prefix + ".conv1.bias", {d});
  conv2_weight_ = weights.take(prefix + ".conv2.weight", {d, d, 3});
  conv2_bias_ = weights.take(prefix + ".conv2.bias", {d});
  embed_positions_ = weights.take(prefix + ".embed_positions.weight", {shape.max_source_positions, d},
                                  WeightInit::kSinusoids);
  const nn::AttentionShape attention = whisper_attention_shape(d, shape.heads);
  for (int64_t i = 0; i < shape.layers; ++i) {
    const std::string p = prefix + ".layers." + std::to_string(i);
    layers_.push_back({nn::LayerNorm::load(weights, p + ".self_attn_layer_norm", d, 1e-5),
                       nn::LayerNorm::load(weights, p + ".final_layer_norm", d, 1e-5),
                       nn::MultiHeadAttention::load(weights, p + ".self_attn", attention),
                       nn::Linear::load(weights, p + ".fc1", d, shape.ffn_dim, true),
                       nn::Linear::load(weights, p + ".fc2", shape.ffn_dim, d, true)});
  }
}

WhisperMelOptions WhisperEncoderStack::feature_options(const ModelConfig& config) const {
  return checkpoint_whisper_mel(config, WhisperMelOptions{}, shape_.num_mel_bins);
}

at::Tensor WhisperEncoderStack::forward(const at::Tensor& features, const at::Tensor& key_mask,
                                        const LayerHook* hook) const {
  const int64_t expected = 2 * shape_.max_source_positions;
  const bool frames_ok = shape_.accepts_shorter_input ? features.dim() == 3 && features.size(2) > 0 &&
                                                            features.size(2) <= expected
                                                      : features.dim() == 3 && features.size(2) == expected;
  if (!frames_ok || features.size(1) != shape_.num_mel_bins) {
    throw Error(ErrorCode::kShapeMismatch,
                "audio encoder expects features [clips, " + std::to_string(shape_.num_mel_bins) + ", " +
                    (shape_.accepts_shorter_input ? "at most " : "") + std::to_string(expected) + "], got " +
                    shape_text(features.sizes()));
  }
  const at::Tensor x = features.to(conv1_weight_.scalar_type());
  at::Tensor h = nn::activation(shape_.activation, at::conv1d(x, conv1_weight_, conv1_bias_, 1, 1));
  h = nn::activation(shape_.activation, at::conv1d(h, conv2_weight_, conv2_bias_, 2, 1));
  h = h.transpose(1, 2) + embed_positions_.narrow(0, 0, h.size(2));
  const at::Tensor mask = key_mask.defined() ? nn::padding_mask(key_mask, h.scalar_type()) : at::Tensor();
  at::Tensor probabilities;
  if (hook && hook->callback && hook->want_input) hook->callback("encoder", -1, h, probabilities);
  for (size_t i = 0; i < layers_.size(); ++i) {
    const Layer& layer = layers_[i];
    const bool want = hook && hook->want_attention;
    h = h + layer.self_attn.self_attention(layer.self_attn_layer_norm(h), mask, nullptr, at::Tensor(),
                                           at::Tensor(), want ? &probabilities : nullptr);
    h = h + layer.fc2(nn::activation(shape_.activation, layer.fc1(layer.final_layer_norm(h))));
    if (hook && hook->callback) hook->callback("encoder", static_cast<int>(i), h, probabilities);
  }
  return h;
}

}  // namespace almkit
