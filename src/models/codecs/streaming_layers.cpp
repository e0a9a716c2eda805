#include "models/codecs/streaming_layers.h"

#include <limits>

#include "almkit/error.h"
#include "models/codecs/codec_layers.h"

namespace almkit::codecs {

StreamState StreamSlots::fresh() const {
  StreamState state;
  state.carry.resize(convs);
  state.started.assign(convs, false);
  state.caches.resize(attention_layers);
  state.positions.assign(transformers, 0);
  return state;
}

namespace {

// ceil(length / stride) * stride - length: the right padding that completes the last frame
// (transformers' _get_extra_padding_for_conv1d with kernel - padding_total = stride).
int64_t extra_padding(int64_t length, int64_t stride) { return (length + stride - 1) / stride * stride - length; }

}  // namespace

StreamConv1d::StreamConv1d(WeightStore& w, const std::string& prefix, const ConvSettings& settings, int64_t in,
                           int64_t out, int64_t kernel, int64_t stride, int64_t dilation, int64_t groups, bool bias,
                           StreamSlots& slots)
    : stride_(stride), dilation_(dilation), groups_(groups), slot_(slots.convs++), settings_(settings) {
  weight_ = load_conv_weight(w, prefix + ".conv", {out, in / groups, kernel}).to(at::kFloat);
  if (bias) bias_ = w.take(prefix + ".conv.bias", {out}).to(at::kFloat);
  kernel_ = (kernel - 1) * dilation + 1;
  if (settings_.pad_mode != "constant" && settings_.pad_mode != "replicate" && settings_.pad_mode != "reflect") {
    throw Error(ErrorCode::kUnsupported, prefix + ": pad_mode '" + settings_.pad_mode + "'");
  }
}

at::Tensor StreamConv1d::pad(const at::Tensor& x, int64_t left, int64_t right) const {
  if (left == 0 && right == 0) return x;
  if (settings_.pad_mode == "constant") return at::constant_pad_nd(x, {left, right}, 0);
  if (settings_.pad_mode == "replicate") return at::replication_pad1d(x, {left, right});
  // reflect on an input shorter than the pad: zeros appended first, as transformers' _pad1d
  const int64_t length = x.size(-1), max_pad = std::max(left, right);
  const int64_t extra = length <= max_pad ? max_pad - length + 1 : 0;
  const at::Tensor padded = at::reflection_pad1d(extra ? at::constant_pad_nd(x, {0, extra}, 0) : x, {left, right});
  return padded.narrow(-1, 0, padded.size(-1) - extra);
}

at::Tensor StreamConv1d::operator()(const at::Tensor& x, StreamState& state, bool last) const {
  const int64_t padding_total = kernel_ - stride_;
  const bool started = state.started[slot_];
  if (!last && (!settings_.causal || x.size(-1) % stride_ != 0)) {
    throw Error(ErrorCode::kInternal, "streamed convolution: a chunk of " + std::to_string(x.size(-1)) +
                                          " samples is not a multiple of the stride " + std::to_string(stride_) +
                                          " (or the convolution is not causal)");
  }
  at::Tensor input;
  if (!settings_.causal) {
    const int64_t right = padding_total / 2;
    input = pad(x, padding_total - right, right + extra_padding(x.size(-1), stride_));
  } else {
    at::Tensor joined = padding_total == 0 ? x : started ? at::cat({state.carry[slot_], x}, -1) : pad(x, padding_total, 0);
    if (padding_total > 0) state.carry[slot_] = joined.narrow(-1, joined.size(-1) - padding_total, padding_total);
    state.started[slot_] = true;
    const int64_t extra = last ? extra_padding(x.size(-1), stride_) : 0;
    input = extra ? pad(joined, 0, extra) : joined;
  }
  return at::conv1d(input, weight_, bias_, at::IntArrayRef{stride_}, at::IntArrayRef{0}, at::IntArrayRef{dilation_}, groups_);
}

StreamConvTranspose1d::StreamConvTranspose1d(WeightStore& w, const std::string& prefix, const ConvSettings& settings,
                                             int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t groups,
                                             bool bias, StreamSlots& slots)
    : kernel_(kernel), stride_(stride), groups_(groups), slot_(slots.convs++), causal_(settings.causal) {
  weight_ = load_conv_weight(w, prefix + ".conv", {in, out / groups, kernel}).to(at::kFloat);
  if (bias) bias_ = w.take(prefix + ".conv.bias", {out}).to(at::kFloat);
  const int64_t padding_total = kernel - stride;
  trim_right_ = causal_ ? static_cast<int64_t>(std::ceil(padding_total * settings.trim_right_ratio)) : padding_total / 2;
  trim_left_ = padding_total - trim_right_;
}

at::Tensor StreamConvTranspose1d::operator()(const at::Tensor& x, StreamState& state, bool last) const {
  const bool started = state.started[slot_];
  if (!last && !causal_) throw Error(ErrorCode::kInternal, "streamed transposed convolution must be causal");
  // Without the bias, so that the overlapping tails add up to what one pass computes.
  at::Tensor raw = at::conv_transpose1d(x, weight_, at::Tensor(), at::IntArrayRef{stride_}, at::IntArrayRef{0},
                                        at::IntArrayRef{0}, groups_);
  if (started) {
    const at::Tensor& carry = state.carry[slot_];
    raw.narrow(-1, 0, carry.size(-1)).add_(carry);
  }
  state.started[slot_] = true;
  at::Tensor out = raw;
  if (!last) {
    const int64_t final_length = x.size(-1) * stride_;  // later chunks only add beyond this
    state.carry[slot_] = raw.narrow(-1, final_length, raw.size(-1) - final_length).clone();
    out = raw.narrow(-1, 0, final_length);
  }
  if (bias_.defined()) out = out + bias_.view({1, -1, 1});
  const int64_t left = started ? 0 : trim_left_, right = last ? trim_right_ : 0;
  return out.narrow(-1, left, out.size(-1) - left - right);
}

StreamTransformer::StreamTransformer(WeightStore& w, const std::string& prefix, const TransformerSettings& s,
                                     StreamSlots& slots)
    : settings_(s), slot_(slots.transformers++), first_cache_(slots.attention_layers) {
  slots.attention_layers += s.layers;
  nn::check_activation(s.activation, prefix);
  nn::AttentionShape shape;
  shape.hidden = s.hidden;
  shape.num_heads = s.heads;
  shape.num_kv_heads = s.kv_heads;
  shape.head_dim = s.head_dim;
  shape.query_bias = shape.key_bias = shape.value_bias = shape.output_bias = s.attention_bias;
  for (int64_t l = 0; l < s.layers; ++l) {
    const std::string p = prefix + ".layers." + std::to_string(l);
    Layer layer{nn::LayerNorm::load(w, p + ".input_layernorm", s.hidden, s.norm_eps),
                nn::LayerNorm::load(w, p + ".post_attention_layernorm", s.hidden, s.norm_eps),
                nn::MultiHeadAttention::load(w, p + ".self_attn", shape),
                nn::Linear::load(w, p + ".mlp.fc1", s.hidden, s.intermediate, false),
                nn::Linear::load(w, p + ".mlp.fc2", s.intermediate, s.hidden, false),
                w.take(p + ".self_attn_layer_scale.scale", {s.hidden}).to(at::kFloat),
                w.take(p + ".mlp_layer_scale.scale", {s.hidden}).to(at::kFloat)};
    layers_.push_back(std::move(layer));
  }
  rope_ = std::make_shared<nn::Rope>(s.head_dim, s.rope_theta, w.options().device);
}

at::Tensor StreamTransformer::layer_forward(const Layer& layer, const at::Tensor& x, const at::Tensor& mask,
                                            nn::KeyValue* cache, const at::Tensor& cos, const at::Tensor& sin) const {
  const at::Tensor attended = layer.attention.self_attention(layer.input_norm(x), mask, cache, cos, sin);
  const at::Tensor h = x + layer.attention_scale * attended;
  const at::Tensor mlp = layer.fc2(nn::activation(settings_.activation, layer.fc1(layer.post_attention_norm(h))));
  return h + layer.mlp_scale * mlp;
}

at::Tensor StreamTransformer::operator()(const at::Tensor& input, StreamState& state) const {
  at::Tensor x = input;
  const int64_t length = x.size(1), start = state.positions[slot_];
  const auto long_options = at::TensorOptions().dtype(at::kLong).device(x.device());
  const at::Tensor positions = at::arange(start, start + length, long_options);
  const auto [cos, sin] = rope_->cos_sin(positions.unsqueeze(0), x.scalar_type());
  if (!settings_.causal) {
    if (start > 0) throw Error(ErrorCode::kInternal, "a non-causal transformer cannot stream");
    for (const Layer& layer : layers_) x = layer_forward(layer, x, at::Tensor(), nullptr, cos, sin);
    state.positions[slot_] = length;
    return x;
  }
  // Every layer has the same keys cached: key j (absolute k) is visible from query i when
  // i - window < k <= i, as transformers' sliding-window causal mask.
  const nn::KeyValue& first = state.caches[first_cache_];
  const int64_t past = first.key.defined() ? first.key.size(2) : 0;
  const at::Tensor queries = positions.view({-1, 1});
  const at::Tensor keys = at::arange(start - past, start + length, long_options).view({1, -1});
  at::Tensor visible = keys <= queries;
  if (settings_.sliding_window > 0) visible = visible & (keys > queries - settings_.sliding_window);
  const at::Tensor mask = at::zeros(visible.sizes(), x.options())
                              .masked_fill(visible.logical_not(), std::numeric_limits<float>::lowest())
                              .view({1, 1, length, past + length});
  for (size_t l = 0; l < layers_.size(); ++l) {
    const Layer& layer = layers_[l];
    nn::KeyValue& cache = state.caches[first_cache_ + l];
    x = layer_forward(layer, x, mask, &cache, cos, sin);
    // Keys older than window - 1 frames are never visible again.
    if (settings_.sliding_window > 0 && cache.key.size(2) > settings_.sliding_window - 1) {
      const int64_t keep = settings_.sliding_window - 1, drop = cache.key.size(2) - keep;
      cache.key = cache.key.narrow(2, drop, keep);
      cache.value = cache.value.narrow(2, drop, keep);
    }
  }
  state.positions[slot_] = start + length;
  return x;
}

}  // namespace almkit::codecs
