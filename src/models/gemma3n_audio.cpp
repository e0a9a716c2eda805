#include "models/gemma3n_audio.h"

#include <sys/stat.h>

#include <cmath>
#include <limits>

#include "almkit/audio.h"
#include "almkit/error.h"
#include "io/json_file.h"
#include "nn/layers.h"

namespace almkit {
namespace {

// Gemma3nAudioFeatureExtractor's preprocessor_config.json fields (and its __call__ defaults:
// clips cut at max_length samples, the batch zero-padded to the longest, to a multiple of
// pad_to_multiple_of). dither is not applied (random noise; the released checkpoints use 0).
struct Gemma3nFeatureOptions {
  int64_t feature_size = 128;
  int sampling_rate = 16000;
  double padding_value = 0.0, frame_length_ms = 32.0, hop_length_ms = 10.0;
  double min_frequency = 125.0, max_frequency = 7600.0, preemphasis = 0.97;
  bool preemphasis_htk_flavor = true, fft_overdrive = true;
  double input_scale_factor = 1.0, mel_floor = 1e-5;
  std::vector<double> per_bin_mean, per_bin_stddev;
  int64_t max_length = 480000, pad_to_multiple_of = 128;
};

// Frames of frame_length + 1 samples every hop (no centring); HTK pre-emphasis (the first sample
// x (1 - p), then x[n] - p x[n-1]) leaves frame_length; periodic Hann; rfft of the next power of
// two (doubled by fft_overdrive); magnitude; HTK mel filters without norm; log(max(mel, floor)).
class Gemma3nAudioFeatureExtractor : public FeatureExtractor {
 public:
  explicit Gemma3nAudioFeatureExtractor(const Gemma3nFeatureOptions& o) : options_(o) {
    frame_length_ = std::lround(o.sampling_rate * o.frame_length_ms / 1000.0);
    hop_length_ = std::lround(o.sampling_rate * o.hop_length_ms / 1000.0);
    fft_length_ =
        int64_t{1} << static_cast<int>(std::ceil(std::log2(static_cast<double>(frame_length_))));
    if (o.fft_overdrive) fft_length_ *= 2;
    const auto f64 = at::TensorOptions().dtype(at::kDouble);
    // Upstream windows the pre-emphasised frames in float32 (numpy keeps float32 arrays float32
    // against Python scalars), then transforms in float64: both are kept, as the log of a mel
    // band near the floor magnifies the difference.
    const at::Tensor n = at::arange(frame_length_, at::TensorOptions().dtype(at::kFloat));
    window_ = 0.5 * (1.0 - at::cos(2.0 * M_PI * n / static_cast<double>(frame_length_)));
    const auto hz_to_mel = [](double hz) { return 2595.0 * std::log10(1.0 + hz / 700.0); };
    const int64_t bins = fft_length_ / 2 + 1, mels = o.feature_size;
    const at::Tensor frequencies =
        at::arange(bins, f64) * (static_cast<double>(o.sampling_rate) / fft_length_);
    const at::Tensor mel_points =
        at::linspace(hz_to_mel(o.min_frequency), hz_to_mel(o.max_frequency), mels + 2, f64);
    const at::Tensor hz_points = 700.0 * (at::pow(10.0, mel_points / 2595.0) - 1.0);
    const at::Tensor spacing = hz_points.narrow(0, 1, mels + 1) - hz_points.narrow(0, 0, mels + 1);
    const at::Tensor slopes =
        hz_points.unsqueeze(0) - frequencies.unsqueeze(1);  // [bins, mels + 2]
    const at::Tensor down = -slopes.narrow(1, 0, mels) / spacing.narrow(0, 0, mels);
    const at::Tensor up = slopes.narrow(1, 2, mels) / spacing.narrow(0, 1, mels);
    filters_ = at::clamp_min(at::minimum(down, up), 0.0);  // [bins, mels]
  }

  std::string kind() const override { return "gemma3n-audio-mel"; }
  int sampling_rate() const override { return options_.sampling_rate; }
  double max_seconds() const override {
    return static_cast<double>(options_.max_length) / options_.sampling_rate;
  }

  FeatureBatch extract(const std::vector<AudioBuffer>& clips) const override {
    if (clips.empty())
      throw Error(ErrorCode::kInvalidArgument, "gemma3n audio features: empty batch");
    std::vector<std::vector<float>> mono;
    int64_t longest = 0;
    for (size_t i = 0; i < clips.size(); ++i) {
      validate_audio(clips[i], "clip " + std::to_string(i));
      mono.push_back(clips[i].sample_rate == sampling_rate()
                         ? clips[i].mono()
                         : resample(clips[i], sampling_rate()).mono());
      if (static_cast<int64_t>(mono.back().size()) > options_.max_length)
        mono.back().resize(options_.max_length);
      longest = std::max(longest, static_cast<int64_t>(mono.back().size()));
    }
    const int64_t multiple = options_.pad_to_multiple_of;
    const int64_t padded = (longest + multiple - 1) / multiple * multiple;
    if (padded < frame_length_ + 1) {
      throw Error(ErrorCode::kInvalidArgument, "gemma3n audio features: a batch needs at least " +
                                                   std::to_string(frame_length_ + 1) + " samples");
    }
    const auto batch = static_cast<int64_t>(mono.size());
    at::Tensor audio =
        at::full({batch, padded}, options_.padding_value, at::TensorOptions().dtype(at::kFloat));
    for (int64_t b = 0; b < batch; ++b) {
      const auto n = static_cast<int64_t>(mono[b].size());
      audio[b].narrow(0, 0, n).copy_(at::from_blob(mono[b].data(), {n}, at::kFloat));
    }
    if (options_.input_scale_factor != 1.0) audio = audio * options_.input_scale_factor;
    const at::Tensor raw = audio.unfold(1, frame_length_ + 1, hop_length_);  // [B, frames, L + 1]
    const double p = options_.preemphasis;
    at::Tensor frames;
    if (p > 0.0 && options_.preemphasis_htk_flavor) {
      frames =
          at::cat({raw.narrow(2, 0, 1) * (1.0 - p),
                   raw.narrow(2, 1, frame_length_ - 1) - p * raw.narrow(2, 0, frame_length_ - 1)},
                  2);
    } else if (p > 0.0) {
      frames = raw.narrow(2, 1, frame_length_) - p * raw.narrow(2, 0, frame_length_);
    } else {
      frames = raw.narrow(2, 0, frame_length_);
    }
    const at::Tensor magnitude =
        at::fft_rfft((frames * window_).to(at::kDouble), fft_length_, -1).abs();
    at::Tensor log_mel =
        at::matmul(magnitude, filters_).clamp_min(options_.mel_floor).log();  // [B, frames, mels]
    const int64_t mels = options_.feature_size;
    if (!options_.per_bin_mean.empty())
      log_mel = log_mel - at::tensor(options_.per_bin_mean, at::kDouble).view({1, 1, mels});
    if (!options_.per_bin_stddev.empty())
      log_mel = log_mel / at::tensor(options_.per_bin_stddev, at::kDouble).view({1, 1, mels});
    log_mel = log_mel.to(at::kFloat).contiguous();
    const int64_t count = log_mel.size(1);
    FeatureBatch out;
    out.features.shape = {batch, count, mels};
    out.features.values.assign(log_mel.data_ptr<float>(),
                               log_mel.data_ptr<float>() + log_mel.numel());
    for (const auto& clip : mono) {
      // the sample mask taken every hop: frame f is real when its first sample is
      const int64_t real =
          std::min(count, (static_cast<int64_t>(clip.size()) + hop_length_ - 1) / hop_length_);
      out.valid_frames.push_back(real);
      for (int64_t f = 0; f < count; ++f) out.attention_mask.push_back(f < real ? 1 : 0);
    }
    return out;
  }

 private:
  Gemma3nFeatureOptions options_;
  int64_t frame_length_, hop_length_, fft_length_;
  at::Tensor window_, filters_;
};

Gemma3nFeatureOptions read_feature_options(const ModelConfig& config, int64_t encoder_bins) {
  Gemma3nFeatureOptions o;
  o.feature_size = encoder_bins;
  const std::string path =
      config.folder().empty() ? "" : config.folder() + "/preprocessor_config.json";
  struct stat status {};
  if (path.empty() || stat(path.c_str(), &status) != 0) return o;
  const nlohmann::json json = read_json_file(path);
  const std::string source = "'" + path + "'";
  o.feature_size = json_value_or(json, "feature_size", o.feature_size, source);
  o.sampling_rate = json_value_or(json, "sampling_rate", o.sampling_rate, source);
  o.padding_value = json_value_or(json, "padding_value", o.padding_value, source);
  o.frame_length_ms = json_value_or(json, "frame_length_ms", o.frame_length_ms, source);
  o.hop_length_ms = json_value_or(json, "hop_length_ms", o.hop_length_ms, source);
  o.min_frequency = json_value_or(json, "min_frequency", o.min_frequency, source);
  o.max_frequency = json_value_or(json, "max_frequency", o.max_frequency, source);
  o.preemphasis = json_value_or(json, "preemphasis", o.preemphasis, source);
  o.preemphasis_htk_flavor =
      json_value_or(json, "preemphasis_htk_flavor", o.preemphasis_htk_flavor, source);
  o.fft_overdrive = json_value_or(json, "fft_overdrive", o.fft_overdrive, source);
  o.input_scale_factor = json_value_or(json, "input_scale_factor", o.input_scale_factor, source);
  o.mel_floor = json_value_or(json, "mel_floor", o.mel_floor, source);
  o.per_bin_mean = json_value_or(json, "per_bin_mean", o.per_bin_mean, source);
  o.per_bin_stddev = json_value_or(json, "per_bin_stddev", o.per_bin_stddev, source);
  if (o.feature_size != encoder_bins) {
    throw Error(ErrorCode::kInvalidFormat,
                source + ": feature_size " + std::to_string(o.feature_size) +
                    " differs from the encoder's input_feat_size " + std::to_string(encoder_bins));
  }
  const auto bins = static_cast<size_t>(o.feature_size);
  if (o.sampling_rate <= 0 || o.frame_length_ms <= 0 || o.hop_length_ms <= 0 || o.mel_floor <= 0 ||
      (!o.per_bin_mean.empty() && o.per_bin_mean.size() != bins) ||
      (!o.per_bin_stddev.empty() && o.per_bin_stddev.size() != bins)) {
    throw Error(ErrorCode::kInvalidFormat,
                source +
                    ": sampling_rate, frame_length_ms, hop_length_ms and mel_floor must "
                    "be positive, per_bin_mean / per_bin_stddev of feature_size values");
  }
  return o;
}

// Gemma3nAudioConfig's fields (class defaults where the config has none).
struct Gemma3nAudioShape {
  int64_t input_feat_size, hidden, heads, layers, chunk_size, context_left, context_right,
      conv_kernel_size, reduction_factor;
  double rms_norm_eps, gradient_clipping, logit_cap, residual_weight, group_norm_eps;
  std::vector<int64_t> channels;
  std::vector<std::vector<int64_t>> kernels, strides;  // [time, frequency] per convolution

  static Gemma3nAudioShape read(const ModelConfig& c) {
    Gemma3nAudioShape s;
    s.input_feat_size = c.integer("input_feat_size", 128);
    s.hidden = c.integer("hidden_size", 1536);
    s.heads = c.integer("conf_num_attention_heads", 8);
    s.layers = c.integer("conf_num_hidden_layers", 12);
    s.chunk_size = c.integer("conf_attention_chunk_size", 12);
    s.context_left = c.integer("conf_attention_context_left", 13);
    s.context_right = c.integer("conf_attention_context_right", 0);
    s.conv_kernel_size = c.integer("conf_conv_kernel_size", 5);
    s.reduction_factor = c.integer("conf_reduction_factor", 4);
    s.rms_norm_eps = c.number("rms_norm_eps", 1e-6);
    s.gradient_clipping = c.number("gradient_clipping", 1e10);
    s.logit_cap = c.number("conf_attention_logit_cap", 50.0);
    s.residual_weight = c.number("conf_residual_weight", 0.5);
    s.group_norm_eps = c.number("sscp_conv_group_norm_eps", 1e-3);
    s.channels = json_value_or<std::vector<int64_t>>(c.json(), "sscp_conv_channel_size", {128, 32},
                                                     c.source());
    s.kernels = json_value_or<std::vector<std::vector<int64_t>>>(c.json(), "sscp_conv_kernel_size",
                                                                 {{3, 3}, {3, 3}}, c.source());
    s.strides = json_value_or<std::vector<std::vector<int64_t>>>(c.json(), "sscp_conv_stride_size",
                                                                 {{2, 2}, {2, 2}}, c.source());
    bool pairs = !s.channels.empty() && s.kernels.size() == s.channels.size() &&
                 s.strides.size() == s.channels.size();
    for (size_t i = 0; pairs && i < s.channels.size(); ++i) {
      pairs = s.kernels[i].size() == 2 && s.strides[i].size() == 2 && s.kernels[i][0] > 0 &&
              s.kernels[i][1] > 0 && s.strides[i][0] > 0 && s.strides[i][1] > 0 &&
              s.channels[i] > 0;
    }
    if (!pairs || s.hidden <= 0 || s.heads <= 0 || s.hidden % s.heads != 0 || s.layers <= 0 ||
        s.chunk_size <= 0 || s.context_left < 0 || s.context_right < 0 || s.conv_kernel_size <= 0 ||
        s.reduction_factor <= 0) {
      throw Error(
          ErrorCode::kInvalidFormat,
          c.source() +
              ": sscp_conv_channel_size / kernel_size / stride_size must describe the same "
              "convolutions "
              "([time, frequency] pairs), hidden_size a multiple of conf_num_attention_heads, the "
              "chunk, layer, kernel and reduction sizes positive");
    }
    return s;
  }
};

at::Tensor clip(const at::Tensor& x, double limit) {
  return at::clamp(x, -limit, limit);
}

// One sub-sampling convolution (Gemma3nAudioSSCPConvBlock): frequency padded 1 / 1, time 0 /
// kernel - 1 (reverse causal), no bias, then group norm over (frequency, channels) with
// statistics accumulated over time (Gemma3nAudioCumulativeGroupNorm, no mask), ReLU.
struct SubsampleConv {
  at::Tensor weight, norm_weight;
  std::vector<int64_t> kernel, stride;
  double eps;

  at::Tensor operator()(const at::Tensor& input) const {  // [B, C_in, T, F] -> [B, C_out, T', F']
    const at::Tensor padded = at::constant_pad_nd(input, {1, 1, 0, kernel[0] - 1}, 0.0);
    const at::Tensor x = at::conv2d(padded, weight, at::Tensor(), stride)
                             .permute({0, 2, 3, 1})
                             .to(at::kFloat);  // [B, T, F, C]
    const double group = static_cast<double>(x.size(2) * x.size(3));
    const at::Tensor count =
        (at::arange(1, x.size(1) + 1, x.options()) * group).view({1, -1, 1, 1});
    const at::Tensor mean = at::cumsum(x.sum({2, 3}, /*keepdim=*/true), 1) / count;
    const at::Tensor centred = x - mean;
    const at::Tensor variance = at::cumsum(centred.pow(2).sum({2, 3}, /*keepdim=*/true), 1) / count;
    const at::Tensor normed = centred * at::rsqrt(variance + eps) * norm_weight.to(at::kFloat);
    return at::relu(normed.to(input.scalar_type())).permute({0, 3, 1, 2});
  }
};

// Gemma3nAudioConformerFeedForward: x + residual_weight x post_norm(W2 silu(W1 pre_norm(x))).
struct ConformerFeedForward {
  nn::RmsNorm pre_layer_norm, post_layer_norm;
  nn::Linear ffw_layer_1, ffw_layer_2;

  static ConformerFeedForward load(WeightStore& weights, const std::string& p,
                                   const Gemma3nAudioShape& s) {
    return {nn::RmsNorm::load(weights, p + ".pre_layer_norm", s.hidden, 1e-6),
            nn::RmsNorm::load(weights, p + ".post_layer_norm", s.hidden, 1e-6),
            nn::Linear::load(weights, p + ".ffw_layer_1", s.hidden, 4 * s.hidden, false),
            nn::Linear::load(weights, p + ".ffw_layer_2", 4 * s.hidden, s.hidden, false)};
  }
  at::Tensor operator()(const at::Tensor& x, const Gemma3nAudioShape& s) const {
    const at::Tensor h =
        ffw_layer_2(at::silu(ffw_layer_1(pre_layer_norm(clip(x, s.gradient_clipping)))));
    return x + post_layer_norm(clip(h, s.gradient_clipping)) * s.residual_weight;
  }
};

// Gemma3nAudioAttention: queries in chunks of W frames attend to keys from P = context_left - 1
// frames back to R = context_right ahead (a block context of C = W + P + R keys), logits
// q.k + q.pos_proj(sinusoid(query - key)), soft-capped, keys past the clip masked.
class ChunkedLocalAttention {
 public:
  ChunkedLocalAttention(WeightStore& weights, const std::string& p, const Gemma3nAudioShape& s)
      : s_(s) {
    head_dim_ = s.hidden / s.heads;
    past_ = std::max<int64_t>(0, s.context_left - 1);
    context_ = s.chunk_size + past_ + s.context_right;
    q_proj_ = nn::Linear::load(weights, p + ".q_proj", s.hidden, s.hidden, false);
    k_proj_ = nn::Linear::load(weights, p + ".k_proj", s.hidden, s.hidden, false);
    v_proj_ = nn::Linear::load(weights, p + ".v_proj", s.hidden, s.hidden, false);
    per_dim_scale_ = weights.take(p + ".per_dim_scale", {head_dim_}, WeightInit::kZeros);
    pos_proj_ = nn::Linear::load(weights, p + ".relative_position_embedding.pos_proj", s.hidden,
                                 s.hidden, false);
    const auto options = at::TensorOptions().dtype(at::kBool).device(weights.options().device);
    const at::Tensor w = at::arange(s.chunk_size, options.dtype(at::kLong)).view({-1, 1});
    const at::Tensor c = at::arange(context_, options.dtype(at::kLong)).view({1, -1});
    local_mask_ = (c >= w).logical_and(c <= w + past_ + s.context_right);  // [W, C]
  }

  // x [B, T, D] (normalised), valid [B, T] bool -> [B, T, D]
  at::Tensor operator()(const at::Tensor& x, const at::Tensor& valid) const {
    const int64_t batch = x.size(0), frames = x.size(1), W = s_.chunk_size, N = s_.heads,
                  H = head_dim_;
    const int64_t blocks = (frames + W - 1) / W, span = past_ + s_.context_right + 1;
    const double q_scale =
        1.0 / std::sqrt(static_cast<double>(H)) / std::log(2.0);  // / softplus(0)
    const at::Tensor q =
        q_proj_(x).view({batch, frames, N, H}) * (at::softplus(per_dim_scale_) * q_scale);
    const at::Tensor k = k_proj_(x).view({batch, frames, N, H}),
                     v = v_proj_(x).view({batch, frames, N, H});
    // queries [B, N, U, W, H]; keys and values [B, N, U, C, H]
    const at::Tensor queries = at::constant_pad_nd(q, {0, 0, 0, 0, 0, blocks * W - frames}, 0.0)
                                   .view({batch, blocks, W, N, H})
                                   .permute({0, 3, 1, 2, 4});
    const auto context = [&](const at::Tensor& t) {  // [B, T, ...] -> [B, U, ..., C]
      std::vector<int64_t> pad(2 * (t.dim() - 2), 0);
      pad.push_back(past_);
      pad.push_back(s_.context_right + W - 1);
      return at::constant_pad_nd(t, pad, 0).unfold(1, context_, W);
    };
    const at::Tensor keys = context(k).permute({0, 2, 1, 4, 3});              // [B, N, U, C, H]
    const at::Tensor values = context(v).permute({0, 2, 1, 4, 3});            // [B, N, U, C, H]
    const at::Tensor key_valid = context(valid.to(at::kByte)).to(at::kBool);  // [B, U, C]

    // The position term for the F = P + R + 1 distances P, P - 1, ..., -R, shifted so that a
    // query's row lines up with its block context (Transformer-XL's relative shift).
    const at::Tensor sin_emb = position_embeddings(span, x.scalar_type());  // [N, H, F]
    at::Tensor position = at::matmul(queries.reshape({batch, N, blocks * W, H}), sin_emb)
                              .view({batch, N, blocks, W, span});
    position = at::constant_pad_nd(position, {0, context_ + 1 - span}, 0.0)
                   .reshape({batch, N, blocks, W * (context_ + 1)})
                   .narrow(3, 0, W * context_)
                   .reshape({batch, N, blocks, W, context_});
    at::Tensor logits = at::matmul(queries, keys.transpose(-1, -2)) + position;
    logits = at::tanh(logits / s_.logit_cap) * s_.logit_cap;
    const at::Tensor allowed =
        key_valid.unsqueeze(1).unsqueeze(3).logical_and(local_mask_);  // [B, 1, U, W, C]
    logits = at::where(allowed, logits,
                       at::scalar_tensor(std::numeric_limits<float>::lowest(), logits.options()));
    const at::Tensor probabilities = at::softmax(logits, -1, at::kFloat).to(values.scalar_type());
    const at::Tensor out = at::matmul(probabilities, values);  // [B, N, U, W, H]
    return out.permute({0, 2, 3, 1, 4}).reshape({batch, blocks * W, N * H}).narrow(1, 0, frames);
  }

 private:
  // pos_proj of the sinusoid [sin(d / 10000^(i / (D/2 - 1))), cos(...)] for d = P, ..., -R.
  at::Tensor position_embeddings(int64_t span, at::ScalarType dtype) const {
    const auto f32 = at::TensorOptions().dtype(at::kFloat).device(per_dim_scale_.device());
    const int64_t timescales = s_.hidden / 2;
    const double increment =
        std::log(1.0e4) / static_cast<double>(std::max<int64_t>(timescales - 1, 1));
    const at::Tensor inverse = at::exp(at::arange(timescales, f32) * -increment);
    const at::Tensor distance = at::arange(past_, -s_.context_right - 1, -1, f32);
    const at::Tensor scaled = distance.unsqueeze(1) * inverse.unsqueeze(0);  // [F, D/2]
    const at::Tensor signal = at::cat({at::sin(scaled), at::cos(scaled)}, -1).to(dtype);
    return pos_proj_(signal).view({span, s_.heads, head_dim_}).permute({1, 2, 0});
  }

  Gemma3nAudioShape s_;
  int64_t head_dim_, past_, context_;
  nn::Linear q_proj_, k_proj_, v_proj_, pos_proj_;
  at::Tensor per_dim_scale_, local_mask_;
};

// Gemma3nAudioConformerBlock: FFN, attention, light convolution (GLU, causal depthwise
// convolution, RMSNorm, SiLU), FFN, RMSNorm.
class ConformerBlock {
 public:
  ConformerBlock(WeightStore& weights, const std::string& p, const Gemma3nAudioShape& s)
      : s_(s), attn_(weights, p + ".attention.attn", s) {
    ffw_layer_start_ = ConformerFeedForward::load(weights, p + ".ffw_layer_start", s);
    pre_attn_norm_ = nn::RmsNorm::load(weights, p + ".attention.pre_attn_norm", s.hidden, 1e-6);
    post_ = nn::Linear::load(weights, p + ".attention.post", s.hidden, s.hidden, false);
    post_norm_ = nn::RmsNorm::load(weights, p + ".attention.post_norm", s.hidden, 1e-6);
    lconv_pre_norm_ =
        nn::RmsNorm::load(weights, p + ".lconv1d.pre_layer_norm", s.hidden, s.rms_norm_eps);
    linear_start_ =
        nn::Linear::load(weights, p + ".lconv1d.linear_start", s.hidden, 2 * s.hidden, false);
    depthwise_ =
        weights.take(p + ".lconv1d.depthwise_conv1d.weight", {s.hidden, 1, s.conv_kernel_size});
    conv_norm_ = nn::RmsNorm::load(weights, p + ".lconv1d.conv_norm", s.hidden, s.rms_norm_eps);
    linear_end_ = nn::Linear::load(weights, p + ".lconv1d.linear_end", s.hidden, s.hidden, false);
    ffw_layer_end_ = ConformerFeedForward::load(weights, p + ".ffw_layer_end", s);
    norm_ = nn::RmsNorm::load(weights, p + ".norm", s.hidden, 1e-6);
  }

  at::Tensor operator()(at::Tensor h, const at::Tensor& valid) const {
    const double limit = s_.gradient_clipping;
    h = ffw_layer_start_(h, s_);
    h = h + post_norm_(clip(post_(attn_(pre_attn_norm_(clip(h, limit)), valid)), limit));
    h = h * valid.unsqueeze(-1).to(h.scalar_type());
    at::Tensor x = at::glu(linear_start_(lconv_pre_norm_(h)), -1).permute({0, 2, 1});
    x = at::conv1d(at::constant_pad_nd(x, {s_.conv_kernel_size - 1, 0}, 0.0), depthwise_,
                   at::Tensor(), at::IntArrayRef{1}, at::IntArrayRef{0}, at::IntArrayRef{1},
                   s_.hidden);
    h = h + linear_end_(at::silu(conv_norm_(clip(x.permute({0, 2, 1}), limit))));
    h = ffw_layer_end_(h, s_);
    return norm_(clip(h, limit));
  }

 private:
  Gemma3nAudioShape s_;
  ConformerFeedForward ffw_layer_start_, ffw_layer_end_;
  nn::RmsNorm pre_attn_norm_, post_norm_, lconv_pre_norm_, conv_norm_, norm_;
  ChunkedLocalAttention attn_;
  nn::Linear post_, linear_start_, linear_end_;
  at::Tensor depthwise_;
};

// Gemma3nAudioEncoder (model.audio_tower): log-mel [clips, frames, bins] -> [clips, frames',
// hidden] with frames' = the sub-sampled frames / conf_reduction_factor (rounded up), rows past a
// clip zero.
class Gemma3nAudioEncoder : public AudioEncoder {
 public:
  Gemma3nAudioEncoder(const ModelConfig& config, const Gemma3nAudioShape& s, WeightStore& weights,
                      const std::string& prefix)
      : features_(read_feature_options(config, s.input_feat_size)), s_(s) {
    const std::string p = prefix + "subsample_conv_projection.";
    int64_t in_channels = 1, frequencies = s.input_feat_size;
    for (size_t i = 0; i < s.channels.size(); ++i) {
      const std::string name = p + "conv_" + std::to_string(i);
      convs_.push_back({weights.take(name + ".conv.weight", {s.channels[i], in_channels,
                                                             s.kernels[i][0], s.kernels[i][1]}),
                        weights.take(name + ".norm.weight", {s.channels[i]}, WeightInit::kOnes),
                        s.kernels[i], s.strides[i], s.group_norm_eps});
      frequencies = (frequencies + 2 - s.kernels[i][1]) / s.strides[i][1] + 1;
      if (frequencies <= 0)
        throw Error(ErrorCode::kInvalidFormat,
                    "gemma3n audio: the convolutions leave no frequencies");
      in_channels = s.channels[i];
      time_stride_ *= s.strides[i][0];
    }
    input_proj_ = nn::Linear::load(weights, p + "input_proj_linear", in_channels * frequencies,
                                   s.hidden, false);
    for (int64_t i = 0; i < s.layers; ++i)
      blocks_.emplace_back(weights, prefix + "conformer." + std::to_string(i), s);
  }

  const FeatureExtractor& features() const override { return features_; }

  // Runs the batch as given: the convolutions see the padding frames (log of the mel floor) past
  // a shorter clip, as transformers does; attention and the light convolution do not.
  EncodedAudio encode(const at::Tensor& features, const at::Tensor& feature_lengths,
                      const LayerHook* hook) const override {
    if (features.dim() != 3 || features.size(2) != s_.input_feat_size) {
      throw Error(ErrorCode::kShapeMismatch,
                  "gemma3n audio encoder expects features [clips, frames, " +
                      std::to_string(s_.input_feat_size) + "], got " +
                      shape_text(features.sizes()));
    }
    const int64_t batch = features.size(0), frames = features.size(1);
    at::Tensor x =
        features.to(input_proj_.device(), convs_[0].weight.scalar_type()).unsqueeze(1);
    for (const SubsampleConv& conv : convs_) x = conv(x);
    x = x.permute({0, 2, 3, 1});  // [B, T', F', C]
    at::Tensor h = input_proj_(x.reshape({batch, x.size(1), -1}));
    // a sub-sampled frame is real when the mel frame its receptive field starts at is
    const at::Tensor lengths =
        feature_lengths.defined()
            ? feature_lengths.to(at::kLong).to(h.device())
            : at::full({batch}, frames, at::TensorOptions().dtype(at::kLong).device(h.device()));
    const auto long_options = at::TensorOptions().dtype(at::kLong).device(h.device());
    const at::Tensor starts =
        at::clamp_max(at::arange(h.size(1), long_options) * time_stride_, frames - 1);
    at::Tensor valid = starts.unsqueeze(0) < lengths.unsqueeze(1);  // [B, T']
    if (hook && hook->callback && hook->want_input) hook->callback("encoder", -1, h, at::Tensor());
    for (size_t i = 0; i < blocks_.size(); ++i) {
      h = blocks_[i](h, valid);
      if (hook && hook->callback) hook->callback("encoder", static_cast<int>(i), h, at::Tensor());
    }
    const int64_t r = s_.reduction_factor;
    h = h.slice(1, 0, h.size(1), r);
    valid = valid.slice(1, 0, valid.size(1), r);
    h = h.masked_fill(valid.logical_not().unsqueeze(-1), 0.0);
    return {h, valid.sum(1).to(at::kLong).cpu()};
  }

 private:
  Gemma3nAudioFeatureExtractor features_;
  Gemma3nAudioShape s_;
  std::vector<SubsampleConv> convs_;
  int64_t time_stride_ = 1;
  nn::Linear input_proj_;
  std::vector<ConformerBlock> blocks_;
};

// Gemma3nMultimodalEmbedder (model.embed_audio) on soft tokens: RMSNorm, linear to the text
// hidden size, RMSNorm without scale. Its hard-token table (embedding, hard_embedding_norm) embeds
// the padding token the text LM's forward puts after a clip's frames; it is loaded, not run.
class Gemma3nAudioEmbedder : public Projector {
 public:
  Gemma3nAudioEmbedder(WeightStore& weights, const std::string& p, const ModelConfig& audio,
                       int64_t hidden, int64_t text_hidden) {
    eps_ = audio.number("rms_norm_eps", 1e-6);
    weights.take(p + "embedding.weight", {audio.integer("vocab_size", 128), hidden});
    weights.take(p + "hard_embedding_norm.weight", {hidden}, WeightInit::kOnes);
    soft_embedding_norm_ = nn::RmsNorm::load(weights, p + "soft_embedding_norm", hidden, eps_);
    embedding_projection_ =
        nn::Linear::load(weights, p + "embedding_projection", hidden, text_hidden, false);
  }

  EncodedAudio project(const EncodedAudio& encoded, const LayerHook*) const override {
    const at::Tensor x = embedding_projection_(soft_embedding_norm_(encoded.hidden)).to(at::kFloat);
    const at::Tensor normed = x * at::rsqrt(x.pow(2).mean(-1, /*keepdim=*/true) + eps_);
    return {normed.to(encoded.hidden.scalar_type()), encoded.output_lengths};
  }

 private:
  double eps_;
  nn::RmsNorm soft_embedding_norm_;
  nn::Linear embedding_projection_;
};

}  // namespace

ModelParts build_gemma3n_audio(const ModelConfig& config, WeightStore& weights) {
  const ModelConfig audio = config.nested("audio_config");
  if (audio.json().empty()) {
    throw Error(ErrorCode::kInvalidFormat,
                config.source() + ": a Gemma 3n config needs 'audio_config'");
  }
  const ModelConfig text = config.nested("text_config");
  const int64_t text_hidden = config.integer("text_hidden_size", text.integer("hidden_size", 2048));
  // The rest of Gemma3nForConditionalGeneration: not run (the audio path only).
  for (const char* other :
       {"model.language_model.", "model.vision_tower.", "model.embed_vision.", "lm_head."}) {
    weights.ignore_prefix(other);
  }
  const Gemma3nAudioShape shape = Gemma3nAudioShape::read(audio);
  ModelParts parts;
  parts.model_type = config.string("model_type", "gemma3n_audio");
  parts.encoder =
      std::make_unique<Gemma3nAudioEncoder>(config, shape, weights, "model.audio_tower.");
  parts.projector = std::make_unique<Gemma3nAudioEmbedder>(weights, "model.embed_audio.", audio,
                                                           shape.hidden, text_hidden);
  parts.audio_token_id = config.integer("audio_token_id", 262273);
  return parts;
}

}  // namespace almkit
