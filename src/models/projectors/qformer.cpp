#include "models/projectors/qformer.h"

#include "almkit/error.h"

namespace almkit {

QFormerConfig QFormerConfig::read(const ModelConfig& c) {
  QFormerConfig q;
  q.hidden_size = c.integer("hidden_size", q.hidden_size);
  q.num_hidden_layers = c.integer("num_hidden_layers", q.num_hidden_layers);
  q.num_attention_heads = c.integer("num_attention_heads", q.num_attention_heads);
  q.intermediate_size = c.integer("intermediate_size", q.intermediate_size);
  q.hidden_act = c.string("hidden_act", q.hidden_act);
  q.layer_norm_eps = c.number("layer_norm_eps", q.layer_norm_eps);
  q.cross_attention_frequency = c.integer("cross_attention_frequency", q.cross_attention_frequency);
  q.encoder_hidden_size = c.integer("encoder_hidden_size", q.encoder_hidden_size);
  nn::check_activation(q.hidden_act, c.source());
  const std::string positions = c.string("position_embedding_type", "absolute");
  if (positions != "absolute") {
    throw Error(ErrorCode::kUnsupported, c.source() + ": position_embedding_type '" + positions +
                                             "' is not supported (absolute: the queries carry no positions)");
  }
  if (c.boolean("use_qformer_text_input", false)) {
    throw Error(ErrorCode::kUnsupported, c.source() + ": use_qformer_text_input (InstructBLIP-style text queries) is not supported");
  }
  if (q.num_attention_heads <= 0 || q.hidden_size % q.num_attention_heads != 0 || q.cross_attention_frequency <= 0) {
    throw Error(ErrorCode::kInvalidFormat, c.source() + ": hidden_size must divide into num_attention_heads, and "
                                                        "cross_attention_frequency must be positive");
  }
  return q;
}

QFormer::QFormer(WeightStore& weights, const std::string& prefix, const QFormerConfig& config) : config_(config) {
  const int64_t hidden = config.hidden_size;
  layernorm_ = nn::LayerNorm::load(weights, prefix + ".layernorm", hidden, config.layer_norm_eps);
  nn::AttentionShape attention;
  attention.hidden = hidden;
  attention.num_heads = attention.num_kv_heads = config.num_attention_heads;
  attention.head_dim = hidden / config.num_attention_heads;
  attention.query_name = "attention.query";
  attention.key_name = "attention.key";
  attention.value_name = "attention.value";
  attention.output_name = "output.dense";
  nn::AttentionShape cross = attention;
  cross.context_width = config.encoder_hidden_size;
  for (int64_t i = 0; i < config.num_hidden_layers; ++i) {
    const std::string p = prefix + ".encoder.layer." + std::to_string(i);
    Layer layer;
    layer.self_attention = nn::MultiHeadAttention::load(weights, p + ".attention", attention);
    layer.self_output_norm = nn::LayerNorm::load(weights, p + ".attention.output.LayerNorm", hidden, config.layer_norm_eps);
    layer.has_cross_attention = i % config.cross_attention_frequency == 0;
    if (layer.has_cross_attention) {
      layer.cross_attention = nn::MultiHeadAttention::load(weights, p + ".crossattention", cross);
      layer.cross_output_norm =
          nn::LayerNorm::load(weights, p + ".crossattention.output.LayerNorm", hidden, config.layer_norm_eps);
    }
    layer.intermediate = nn::Linear::load(weights, p + ".intermediate_query.dense", hidden, config.intermediate_size, true);
    layer.output = nn::Linear::load(weights, p + ".output_query.dense", config.intermediate_size, hidden, true);
    layer.output_norm = nn::LayerNorm::load(weights, p + ".output_query.LayerNorm", hidden, config.layer_norm_eps);
    layers_.push_back(std::move(layer));
  }
}

at::Tensor QFormer::forward(const at::Tensor& queries, const at::Tensor& encoder_states,
                            const at::Tensor& encoder_key_mask, const LayerHook* hook) const {
  at::Tensor h = layernorm_(queries);
  const at::Tensor context = encoder_states.to(h.scalar_type());
  const at::Tensor mask =
      encoder_key_mask.defined() ? nn::padding_mask(encoder_key_mask, h.scalar_type()) : at::Tensor();
  for (size_t i = 0; i < layers_.size(); ++i) {
    const Layer& layer = layers_[i];
    // Post-LN (BERT): each sub-block's output is LayerNorm(sub-block(x) + x).
    h = layer.self_output_norm(layer.self_attention.self_attention(h, at::Tensor(), nullptr, at::Tensor(), at::Tensor()) + h);
    if (layer.has_cross_attention) {
      h = layer.cross_output_norm(layer.cross_attention.cross_attention(h, context, nullptr, nullptr, mask) + h);
    }
    h = layer.output_norm(layer.output(nn::activation(config_.hidden_act, layer.intermediate(h))) + h);
    if (hook && hook->callback) hook->callback("projector", static_cast<int>(i), h, at::Tensor());
  }
  return h;
}

QFormerProjector::QFormerProjector(WeightStore& weights, const Names& names, const QFormerConfig& config,
                                   int64_t num_queries, int64_t output_width, int64_t window_size)
    : qformer_(weights, names.qformer, config),
      query_tokens_(weights.take(names.query_tokens, {1, num_queries, config.hidden_size})),
      projection_(nn::Linear::load(weights, names.projection, config.hidden_size, output_width, true)),
      num_queries_(num_queries),
      window_size_(window_size) {
  if (num_queries <= 0 || window_size < 0) {
    throw Error(ErrorCode::kInvalidFormat, "Q-Former projector: the number of queries must be positive and the window >= 0");
  }
}

EncodedAudio QFormerProjector::project(const EncodedAudio& encoded, const LayerHook* hook) const {
  const at::Tensor& h = encoded.hidden;
  const int64_t clips = h.size(0), frames = h.size(1), width = h.size(2);
  if (window_size_ == 0) {
    // One call per clip over its real frames (padding keys masked).
    const at::Tensor out = qformer_.forward(query_tokens_.expand({clips, num_queries_, -1}), h, encoded.frame_mask(), hook);
    return {projection_(out), at::full({clips}, num_queries_, at::TensorOptions().dtype(at::kLong))};
  }
  // Windows of window_size frames, zero-padded at the end, each its own batch row (as Granite
  // Speech's projector: no key mask inside the last window).
  const int64_t windows = (frames + window_size_ - 1) / window_size_;
  const at::Tensor padded = at::constant_pad_nd(h, {0, 0, 0, windows * window_size_ - frames}, 0.0);
  const at::Tensor rows = padded.contiguous().view({clips * windows, window_size_, width});
  const at::Tensor out = qformer_.forward(query_tokens_.expand({clips * windows, num_queries_, -1}), rows, at::Tensor(), hook);
  const at::Tensor lengths =
      at::floor_divide(encoded.output_lengths.to(at::kLong) + (window_size_ - 1), window_size_) * num_queries_;
  return {projection_(out.reshape({clips, windows * num_queries_, -1})), lengths};
}

ModelParts build_blip2_qformer_projector(const ModelConfig& config, WeightStore& weights) {
  const QFormerConfig qformer = QFormerConfig::read(config.nested("qformer_config"));
  ModelParts parts;
  parts.model_type = config.model_type();
  parts.projector = std::make_unique<QFormerProjector>(weights, QFormerProjector::Names{}, qformer,
                                                       config.integer("num_query_tokens", 32),
                                                       config.required_integer("output_hidden_size"), 0);
  return parts;
}

}  // namespace almkit
