// Causal layers that run on a whole clip or on consecutive chunks of it with the same result:
// each keeps, in a StreamState, what the next chunk needs from the previous one (the last
// inputs a causal convolution looks back at, the overlapping tail of a transposed
// convolution, the keys/values a sliding-window attention still sees). Mimi is built from
// them; a whole clip is simply one chunk that is also the last.
#pragma once

#include <ATen/ATen.h>

#include <string>
#include <vector>

#include "io/weight_store.h"
#include "nn/attention.h"
#include "nn/layers.h"

namespace almkit::codecs {

// Per-layer carry-over between chunks, indexed by the slot each layer got at construction.
struct StreamState {
  std::vector<at::Tensor> carry;
  std::vector<nn::KeyValue> caches;
  std::vector<int64_t> positions;  // transformer stacks: frames seen so far
  std::vector<bool> started;
};

// Hands out state slots while a model is built.
struct StreamSlots {
  int64_t convs = 0, transformers = 0, attention_layers = 0;
  StreamState fresh() const;
};

struct ConvSettings {
  bool causal = true;
  std::string pad_mode = "constant";  // constant | replicate | reflect
  double trim_right_ratio = 1.0;
};

// MimiConv1d / EncodecConv1d without norm: asymmetric (causal: all left) padding plus the
// extra right padding that completes the last frame. Streaming needs `causal`; chunks other
// than the last must hold a multiple of `stride` samples.
class StreamConv1d {
 public:
  StreamConv1d() = default;
  StreamConv1d(WeightStore& w, const std::string& prefix, const ConvSettings& settings, int64_t in, int64_t out,
               int64_t kernel, int64_t stride, int64_t dilation, int64_t groups, bool bias, StreamSlots& slots);
  at::Tensor operator()(const at::Tensor& x, StreamState& state, bool last) const;
  int64_t stride() const { return stride_; }

 private:
  at::Tensor pad(const at::Tensor& x, int64_t left, int64_t right) const;
  at::Tensor weight_, bias_;
  int64_t kernel_ = 1, stride_ = 1, dilation_ = 1, groups_ = 1, slot_ = 0;
  ConvSettings settings_;
};

// MimiConvTranspose1d: ConvTranspose1d trimmed by kernel - stride (causal: right_ratio of it at
// the right). Streaming overlap-adds the tail of one chunk into the next.
class StreamConvTranspose1d {
 public:
  StreamConvTranspose1d() = default;
  StreamConvTranspose1d(WeightStore& w, const std::string& prefix, const ConvSettings& settings, int64_t in,
                        int64_t out, int64_t kernel, int64_t stride, int64_t groups, bool bias, StreamSlots& slots);
  at::Tensor operator()(const at::Tensor& x, StreamState& state, bool last) const;

 private:
  at::Tensor weight_, bias_;
  int64_t kernel_ = 1, stride_ = 1, groups_ = 1, slot_ = 0, trim_left_ = 0, trim_right_ = 0;
  bool causal_ = true;
};

struct TransformerSettings {
  int64_t hidden = 512, layers = 8, heads = 8, kv_heads = 8, head_dim = 64, intermediate = 2048;
  int64_t sliding_window = 0;  // 0: plain causal attention
  // false: every frame attends to every frame of the call, as transformers 4.47.1 computes Mimi
  // with eager attention (MimiModel passes no attention mask, and eager attention then masks
  // nothing); such a stack cannot stream.
  bool causal = true;
  double rope_theta = 10000.0, norm_eps = 1e-5;
  std::string activation = "gelu";
  bool attention_bias = false;
};

// MimiTransformerModel: pre-LN layers with RoPE self-attention (causal, sliding window) and a
// GELU MLP, each branch scaled by a learnt per-channel layer scale.
class StreamTransformer {
 public:
  StreamTransformer() = default;
  StreamTransformer(WeightStore& w, const std::string& prefix, const TransformerSettings& settings, StreamSlots& slots);
  // x [B, T, hidden]; a non-causal stack refuses a second chunk (kInternal).
  at::Tensor operator()(const at::Tensor& x, StreamState& state) const;

 private:
  struct Layer {
    nn::LayerNorm input_norm, post_attention_norm;
    nn::MultiHeadAttention attention;
    nn::Linear fc1, fc2;
    at::Tensor attention_scale, mlp_scale;
  };
  at::Tensor layer_forward(const Layer& layer, const at::Tensor& x, const at::Tensor& mask, nn::KeyValue* cache,
                           const at::Tensor& cos, const at::Tensor& sin) const;
  std::vector<Layer> layers_;
  TransformerSettings settings_;
  std::shared_ptr<nn::Rope> rope_;
  int64_t slot_ = 0, first_cache_ = 0;
};

}  // namespace almkit::codecs
