#include "models/codecs/encodec.h"

#include <cmath>

#include "almkit/error.h"
#include "models/codecs/overlap_add.h"
#include "models/codecs/rvq.h"

namespace almkit::codecs {
namespace {

struct EncodecSettings {
  std::vector<double> target_bandwidths;
  int64_t sampling_rate, audio_channels, hidden_size, num_filters, num_residual_layers;
  std::vector<int64_t> upsampling_ratios;
  std::string norm_type, pad_mode;
  int64_t kernel_size, last_kernel_size, residual_kernel_size, dilation_growth_rate, compress;
  int64_t num_lstm_layers, codebook_size, codebook_dim;
  bool use_causal_conv, use_conv_shortcut, normalize;
  double trim_right_ratio;
  int64_t chunk_length = 0, chunk_stride = 0;  // 0: no chunking
  int64_t hop_length = 1, frame_rate = 0, num_quantizers = 0;
};

// EncodecConfig's defaults (transformers 4.47) and its derived properties.
EncodecSettings read_settings(const ModelConfig& config) {
  EncodecSettings s;
  const auto& json = config.json();
  s.target_bandwidths = json.contains("target_bandwidths") && !json["target_bandwidths"].is_null()
                            ? json["target_bandwidths"].get<std::vector<double>>()
                            : std::vector<double>{1.5, 3.0, 6.0, 12.0, 24.0};
  s.upsampling_ratios = json.contains("upsampling_ratios") && !json["upsampling_ratios"].is_null()
                            ? json["upsampling_ratios"].get<std::vector<int64_t>>()
                            : std::vector<int64_t>{8, 5, 4, 2};
  s.sampling_rate = config.integer("sampling_rate", 24000);
  s.audio_channels = config.integer("audio_channels", 1);
  s.normalize = config.boolean("normalize", false);
  s.hidden_size = config.integer("hidden_size", 128);
  s.num_filters = config.integer("num_filters", 32);
  s.num_residual_layers = config.integer("num_residual_layers", 1);
  s.norm_type = config.string("norm_type", "weight_norm");
  s.kernel_size = config.integer("kernel_size", 7);
  s.last_kernel_size = config.integer("last_kernel_size", 7);
  s.residual_kernel_size = config.integer("residual_kernel_size", 3);
  s.dilation_growth_rate = config.integer("dilation_growth_rate", 2);
  s.use_causal_conv = config.boolean("use_causal_conv", true);
  s.pad_mode = config.string("pad_mode", "reflect");
  s.compress = config.integer("compress", 2);
  s.num_lstm_layers = config.integer("num_lstm_layers", 2);
  s.trim_right_ratio = config.number("trim_right_ratio", 1.0);
  s.codebook_size = config.integer("codebook_size", 1024);
  s.codebook_dim = config.integer("codebook_dim", s.hidden_size);
  s.use_conv_shortcut = config.boolean("use_conv_shortcut", true);
  if (s.target_bandwidths.empty() || s.upsampling_ratios.empty()) {
    throw Error(ErrorCode::kInvalidFormat, config.source() + ": empty target_bandwidths or upsampling_ratios");
  }
  if (s.norm_type != "weight_norm" && s.norm_type != "time_group_norm") {
    throw Error(ErrorCode::kUnsupported, config.source() + ": norm_type '" + s.norm_type + "'");
  }
  if (s.pad_mode != "reflect" && s.pad_mode != "constant" && s.pad_mode != "replicate") {
    throw Error(ErrorCode::kUnsupported, config.source() + ": pad_mode '" + s.pad_mode + "'");
  }
  if (s.codebook_dim != s.hidden_size) {
    throw Error(ErrorCode::kUnsupported, config.source() + ": codebook_dim != hidden_size");
  }
  const double chunk_length_s = config.number("chunk_length_s", -1.0);
  const double overlap = config.number("overlap", -1.0);
  if (chunk_length_s > 0) {
    s.chunk_length = static_cast<int64_t>(chunk_length_s * s.sampling_rate);
    s.chunk_stride = overlap >= 0 ? std::max<int64_t>(1, static_cast<int64_t>((1.0 - overlap) * s.chunk_length))
                                  : s.chunk_length;
  }
  for (int64_t ratio : s.upsampling_ratios) s.hop_length *= ratio;
  s.frame_rate = static_cast<int64_t>(std::ceil(static_cast<double>(s.sampling_rate) / s.hop_length));
  // int(1000 * target_bandwidths[-1] // (frame_rate * 10)), Python floor division on floats.
  s.num_quantizers =
      static_cast<int64_t>(std::floor(1000.0 * s.target_bandwidths.back() / (s.frame_rate * 10.0)));
  return s;
}

// EncodecConv1d: weight-norm (or group-norm) Conv1d with causal / asymmetric padding and the
// extra right padding that makes the last frame complete.
class Conv {
 public:
  Conv(WeightStore& w, const std::string& prefix, const EncodecSettings& s, int64_t in, int64_t out,
       int64_t kernel, int64_t stride = 1, int64_t dilation = 1)
      : stride_(stride), dilation_(dilation), causal_(s.use_causal_conv), pad_mode_(s.pad_mode) {
    weight_ = load_conv_weight(w, prefix + ".conv", s, {out, in, kernel});
    bias_ = w.take(prefix + ".conv.bias", {out});
    if (s.norm_type == "time_group_norm") {
      norm_weight_ = w.take(prefix + ".norm.weight", {out});
      norm_bias_ = w.take(prefix + ".norm.bias", {out});
    }
    kernel_ = (kernel - 1) * dilation + 1;
  }

  static at::Tensor load_conv_weight(WeightStore& w, const std::string& prefix, const EncodecSettings& s,
                                     const std::vector<int64_t>& shape) {
    if (s.norm_type != "weight_norm") return w.take(prefix + ".weight", shape);
    // torch.nn.utils.weight_norm (dim 0): w = g * v / ||v||, the norm over every dim but 0.
    std::string g_name = prefix + ".weight_g", v_name = prefix + ".weight_v";
    if (!w.has(g_name) && w.has(prefix + ".parametrizations.weight.original0")) {  // torch >= 2.1 layout
      g_name = prefix + ".parametrizations.weight.original0";
      v_name = prefix + ".parametrizations.weight.original1";
    }
    const at::Tensor g = w.take(g_name, {shape[0], 1, 1});
    const at::Tensor v = w.take(v_name, shape);
    return at::_weight_norm(v, g, 0);
  }

  at::Tensor operator()(const at::Tensor& x) const {
    const int64_t length = x.size(-1);
    const int64_t padding_total = kernel_ - stride_;
    const double frames = static_cast<double>(length - kernel_ + padding_total) / stride_ + 1;
    const int64_t ideal = (static_cast<int64_t>(std::ceil(frames)) - 1) * stride_ + (kernel_ - padding_total);
    const int64_t extra = ideal - length;
    at::Tensor padded;
    if (causal_) {
      padded = pad(x, padding_total, extra);
    } else {
      const int64_t right = padding_total / 2;
      padded = pad(x, padding_total - right, right + extra);
    }
    at::Tensor y = at::conv1d(padded, weight_, bias_, at::IntArrayRef{stride_}, at::IntArrayRef{0}, at::IntArrayRef{dilation_});
    if (norm_weight_.defined()) y = at::group_norm(y, 1, norm_weight_, norm_bias_, 1e-5);
    return y;
  }

 private:
  // _pad1d: reflect padding on an input shorter than the pad gets zeros appended first.
  at::Tensor pad(const at::Tensor& x, int64_t left, int64_t right) const {
    if (pad_mode_ == "constant") return at::constant_pad_nd(x, {left, right}, 0);
    if (pad_mode_ == "replicate") return at::replication_pad1d(x, {left, right});
    const int64_t length = x.size(-1);
    const int64_t max_pad = std::max(left, right);
    int64_t extra = 0;
    at::Tensor input = x;
    if (length <= max_pad) {
      extra = max_pad - length + 1;
      input = at::constant_pad_nd(x, {0, extra}, 0);
    }
    const at::Tensor padded = at::reflection_pad1d(input, {left, right});
    return padded.narrow(-1, 0, padded.size(-1) - extra);
  }

  at::Tensor weight_, bias_, norm_weight_, norm_bias_;
  int64_t kernel_ = 1, stride_, dilation_;
  bool causal_;
  std::string pad_mode_;
};

class ConvTranspose {
 public:
  ConvTranspose(WeightStore& w, const std::string& prefix, const EncodecSettings& s, int64_t in, int64_t out,
                int64_t kernel, int64_t stride)
      : kernel_(kernel), stride_(stride), causal_(s.use_causal_conv), trim_right_ratio_(s.trim_right_ratio) {
    weight_ = Conv::load_conv_weight(w, prefix + ".conv", s, {in, out, kernel});
    bias_ = w.take(prefix + ".conv.bias", {out});
    if (s.norm_type == "time_group_norm") {
      norm_weight_ = w.take(prefix + ".norm.weight", {out});
      norm_bias_ = w.take(prefix + ".norm.bias", {out});
    }
  }

  at::Tensor operator()(const at::Tensor& x) const {
    at::Tensor y = at::conv_transpose1d(x, weight_, bias_, at::IntArrayRef{stride_});
    if (norm_weight_.defined()) y = at::group_norm(y, 1, norm_weight_, norm_bias_, 1e-5);
    const int64_t padding_total = kernel_ - stride_;
    const int64_t right = causal_ ? static_cast<int64_t>(std::ceil(padding_total * trim_right_ratio_))
                                  : padding_total / 2;
    const int64_t left = padding_total - right;
    return y.narrow(-1, left, y.size(-1) - left - right);
  }

 private:
  at::Tensor weight_, bias_, norm_weight_, norm_bias_;
  int64_t kernel_, stride_;
  bool causal_;
  double trim_right_ratio_;
};

// EncodecLSTM: an LSTM over time plus a skip connection, in the convolutional layout.
// Always float32: libtorch 1.13 has no bf16 LSTM on the CPU (and its bf16 convolutions are far
// slower than fp32 here, see dac.cpp), so with WeightOptions::dtype bf16 the weights are read as
// bf16 and widened to fp32 at load, and the whole model computes in fp32.
class Lstm {
 public:
  Lstm(WeightStore& w, const std::string& prefix, int64_t dim, int64_t layers) : dim_(dim), layers_(layers) {
    for (int64_t l = 0; l < layers; ++l) {
      const std::string suffix = "_l" + std::to_string(l);
      for (const char* name : {".lstm.weight_ih", ".lstm.weight_hh"}) {
        params_.push_back(w.take(prefix + name + suffix, {4 * dim, dim}).to(at::kFloat));
      }
      params_.push_back(w.take(prefix + ".lstm.bias_ih" + suffix, {4 * dim}).to(at::kFloat));
      params_.push_back(w.take(prefix + ".lstm.bias_hh" + suffix, {4 * dim}).to(at::kFloat));
    }
  }

  at::Tensor operator()(const at::Tensor& x) const {  // [B, C, T]
    const at::Tensor sequence = x.permute({2, 0, 1});
    const at::Tensor zeros = at::zeros({layers_, x.size(0), dim_}, x.options());
    const at::Tensor out = std::get<0>(at::lstm(sequence, {zeros, zeros}, params_, true, layers_, 0.0, false,
                                                false, false));
    return (out + sequence).permute({1, 2, 0});
  }

 private:
  int64_t dim_, layers_;
  std::vector<at::Tensor> params_;
};

// EncodecResnetBlock: ELU, conv(k, dilation), ELU, conv(1), plus a (conv) shortcut.
class ResnetBlock {
 public:
  ResnetBlock(WeightStore& w, const std::string& prefix, const EncodecSettings& s, int64_t dim, int64_t dilation)
      : first_(w, prefix + ".block.1", s, dim, dim / s.compress, s.residual_kernel_size, 1, dilation),
        second_(w, prefix + ".block.3", s, dim / s.compress, dim, 1) {
    if (s.use_conv_shortcut) shortcut_ = std::make_unique<Conv>(w, prefix + ".shortcut", s, dim, dim, 1);
  }
  at::Tensor operator()(const at::Tensor& x) const {
    const at::Tensor h = second_(at::elu(first_(at::elu(x))));
    return (shortcut_ ? (*shortcut_)(x) : x) + h;
  }

 private:
  Conv first_, second_;
  std::unique_ptr<Conv> shortcut_;
};

// A SEANet stack: the ModuleList of transformers as a list of steps (ELU has no weights but
// takes an index, which is why the checkpoint's layer numbers skip).
class Stack {
 public:
  void add(std::function<at::Tensor(const at::Tensor&)> step) { steps_.push_back(std::move(step)); }
  at::Tensor operator()(at::Tensor x) const {
    for (const auto& step : steps_) x = step(x);
    return x;
  }

 private:
  std::vector<std::function<at::Tensor(const at::Tensor&)>> steps_;
};

Stack build_encoder(WeightStore& w, const EncodecSettings& s) {
  Stack stack;
  int64_t index = 0;
  auto name = [&] { return "encoder.layers." + std::to_string(index++); };
  auto elu = [&] { ++index; stack.add([](const at::Tensor& x) { return at::elu(x); }); };
  stack.add(Conv(w, name(), s, s.audio_channels, s.num_filters, s.kernel_size));
  int64_t scaling = 1;
  for (auto it = s.upsampling_ratios.rbegin(); it != s.upsampling_ratios.rend(); ++it) {
    const int64_t dim = scaling * s.num_filters;
    for (int64_t j = 0; j < s.num_residual_layers; ++j) {
      auto block = std::make_shared<ResnetBlock>(w, name(), s, dim, static_cast<int64_t>(std::pow(s.dilation_growth_rate, j)));
      stack.add([block](const at::Tensor& x) { return (*block)(x); });
    }
    elu();
    stack.add(Conv(w, name(), s, dim, dim * 2, *it * 2, *it));
    scaling *= 2;
  }
  stack.add(Lstm(w, name(), scaling * s.num_filters, s.num_lstm_layers));
  elu();
  stack.add(Conv(w, name(), s, scaling * s.num_filters, s.hidden_size, s.last_kernel_size));
  return stack;
}

Stack build_decoder(WeightStore& w, const EncodecSettings& s) {
  Stack stack;
  int64_t index = 0;
  auto name = [&] { return "decoder.layers." + std::to_string(index++); };
  auto elu = [&] { ++index; stack.add([](const at::Tensor& x) { return at::elu(x); }); };
  int64_t scaling = int64_t{1} << s.upsampling_ratios.size();
  stack.add(Conv(w, name(), s, s.hidden_size, scaling * s.num_filters, s.kernel_size));
  stack.add(Lstm(w, name(), scaling * s.num_filters, s.num_lstm_layers));
  for (int64_t ratio : s.upsampling_ratios) {
    const int64_t dim = scaling * s.num_filters;
    elu();
    stack.add(ConvTranspose(w, name(), s, dim, dim / 2, ratio * 2, ratio));
    for (int64_t j = 0; j < s.num_residual_layers; ++j) {
      auto block = std::make_shared<ResnetBlock>(w, name(), s, dim / 2, static_cast<int64_t>(std::pow(s.dilation_growth_rate, j)));
      stack.add([block](const at::Tensor& x) { return (*block)(x); });
    }
    scaling /= 2;
  }
  elu();
  stack.add(Conv(w, name(), s, s.num_filters, s.audio_channels, s.last_kernel_size));
  return stack;
}

class Encodec final : public Codec {
 public:
  Encodec(const ModelConfig& config, WeightStore& w)
      : s_(read_settings(config)), encoder_(build_encoder(w, s_)), decoder_(build_decoder(w, s_)) {
    rvq_.name = "encodec quantizer";
    for (int64_t q = 0; q < s_.num_quantizers; ++q) {
      const std::string prefix = "quantizer.layers." + std::to_string(q) + ".codebook.";
      RvqStageTensors stage;
      stage.codewords = w.take(prefix + "embed", {s_.codebook_size, s_.codebook_dim}).to(at::kFloat);
      for (const char* unused : {"cluster_size", "embed_avg", "inited"}) w.ignore(prefix + unused);  // training state
      rvq_.stages.push_back(stage);
    }
  }

  std::string model_type() const override { return "encodec"; }
  int64_t sampling_rate() const override { return s_.sampling_rate; }
  int64_t channels() const override { return s_.audio_channels; }
  int64_t codebook_size() const override { return s_.codebook_size; }
  int64_t max_quantizers() const override { return s_.num_quantizers; }
  double frame_rate() const override { return static_cast<double>(s_.frame_rate); }
  std::vector<double> bandwidths() const override { return s_.target_bandwidths; }
  int64_t frame_samples() const override { return s_.hop_length; }
  int64_t model_chunk_length() const override { return s_.chunk_length; }
  int64_t model_chunk_stride() const override { return s_.chunk_stride; }

  int64_t quantizers_for_bandwidth(double bandwidth) const override {
    const double per_quantizer = std::log2(static_cast<double>(s_.codebook_size)) * s_.frame_rate;
    int64_t n = s_.num_quantizers;
    if (bandwidth > 0.0) n = std::max<int64_t>(1, static_cast<int64_t>(std::floor(bandwidth * 1000 / per_quantizer)));
    return std::min(n, s_.num_quantizers);  // layers[:n] of num_quantizers layers
  }

  EncodedAudioCodes encode(const at::Tensor& audio, double bandwidth) const override {
    check_audio(audio);
    const int64_t n_q = checked_quantizers(bandwidth);
    const int64_t length = audio.size(-1);
    at::Tensor input = audio.to(at::kFloat);
    int64_t chunk = length, stride = length;
    if (s_.chunk_length > 0) {
      // As EncodecFeatureExtractor pads: a whole number of strides plus one chunk (zeros, which is
      // what transformers' padding mask makes of the padding).
      chunk = s_.chunk_length;
      stride = s_.chunk_stride;
      const int64_t steps = (length + stride - 1) / stride;
      const int64_t padded = (steps - 1) * stride + chunk;
      if (padded > length) input = at::constant_pad_nd(input, {0, padded - length}, 0);
    }
    EncodedAudioCodes out;
    out.audio_length = length;
    std::vector<at::Tensor> frames;
    for (int64_t offset = 0; offset + chunk <= input.size(-1); offset += stride) {
      at::Tensor scale;
      frames.push_back(encode_frame(input.narrow(-1, offset, chunk), n_q, &scale));
      out.scales.push_back(scale);
    }
    out.codes = at::stack(frames);
    return out;
  }

  EncodedAudioCodes encode_model_chunk(const at::Tensor& chunk, double bandwidth) const override {
    check_audio(chunk);
    if (s_.chunk_length == 0 || chunk.size(-1) != s_.chunk_length) {
      throw Error(ErrorCode::kInvalidArgument,
                  "encodec: a model chunk is " + std::to_string(s_.chunk_length) + " samples, got " +
                      std::to_string(chunk.size(-1)));
    }
    EncodedAudioCodes out;
    at::Tensor scale;
    out.codes = encode_frame(chunk.to(at::kFloat), checked_quantizers(bandwidth), &scale).unsqueeze(0);
    out.scales.push_back(scale);
    return out;
  }

  at::Tensor decode(const EncodedAudioCodes& encoded) const override {
    const at::Tensor& codes = encoded.codes;
    if (!codes.defined() || codes.dim() != 4 || codes.size(0) < 1 || codes.size(3) < 1) {
      throw Error(ErrorCode::kShapeMismatch, "encodec: codes must be [chunks, batch, quantizers, frames], got " +
                                                 (codes.defined() ? shape_text(codes.sizes()) : std::string("none")));
    }
    if (s_.chunk_length == 0 && codes.size(0) != 1) {
      throw Error(ErrorCode::kInvalidArgument,
                  "encodec: this model does not chunk, expected one chunk of codes, got " + std::to_string(codes.size(0)));
    }
    std::vector<at::Tensor> decoded;
    for (int64_t c = 0; c < codes.size(0); ++c) {
      decoded.push_back(decode_frame(
          codes[c], c < static_cast<int64_t>(encoded.scales.size()) ? encoded.scales[c] : at::Tensor()));
    }
    // A chunking model overlap-adds even a lone chunk (w * x / w), as transformers does.
    at::Tensor audio = decoded[0];
    if (s_.chunk_length != 0) {
      StreamingOverlapAdd joined(s_.chunk_stride);  // the same join the streaming decode makes
      std::vector<at::Tensor> parts;
      for (const at::Tensor& chunk : decoded) parts.push_back(joined.push(chunk));
      parts.push_back(joined.finish());
      audio = at::cat(parts, -1);
    }
    if (encoded.audio_length > 0 && encoded.audio_length < audio.size(-1)) {
      audio = audio.narrow(-1, 0, encoded.audio_length);
    }
    return audio;
  }

  at::Tensor decode_model_chunk(const EncodedAudioCodes& chunk) const override {
    const at::Tensor& codes = chunk.codes;
    if (s_.chunk_length == 0 || !codes.defined() || codes.dim() != 4 || codes.size(0) != 1 ||
        codes.size(3) < 1) {
      throw Error(ErrorCode::kShapeMismatch,
                  "encodec: a model chunk's codes are [1, batch, quantizers, frames], got " +
                      (codes.defined() ? shape_text(codes.sizes()) : std::string("none")));
    }
    return decode_frame(codes[0], chunk.scales.empty() ? at::Tensor() : chunk.scales[0]);
  }

  at::Tensor encode_latent(const at::Tensor& audio) const override {
    check_audio(audio);
    return encoder_(audio.to(at::kFloat));
  }

 private:
  static std::string format(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%g", value);
    return text;
  }

  int64_t checked_quantizers(double bandwidth) const {
    bool known = false;
    for (double b : s_.target_bandwidths) known = known || b == bandwidth;
    if (!known) {
      std::string list;
      for (double b : s_.target_bandwidths) list += (list.empty() ? "" : ", ") + format(b);
      throw Error(ErrorCode::kInvalidArgument, "encodec: bandwidth " + format(bandwidth) +
                                                   " kbps is not one of the model's (" + list + ")");
    }
    return quantizers_for_bandwidth(bandwidth);
  }

  // EncodecModel._encode_frame: codes [B, n_q, frames] of one chunk, normalised by its RMS (the
  // padding counts as zeros in the mean) when the model normalises. The chunk is made contiguous
  // so that a chunk cut from the whole input and one read from a file compute alike.
  at::Tensor encode_frame(const at::Tensor& chunk, int64_t n_q, at::Tensor* scale) const {
    at::Tensor frame = chunk.contiguous();
    if (s_.normalize) {
      const at::Tensor mono = frame.sum(1, true) / frame.size(1);
      const at::Tensor rms = mono.pow(2).mean(-1, true).sqrt() + 1e-8;
      frame = frame / rms;
      *scale = rms.view({-1, 1});
    }
    return rvq_encode(rvq_, encoder_(frame), n_q);
  }

  // EncodecModel._decode_frame: codes [B, n_q, frames] -> audio [B, C, n], times the chunk's scale.
  at::Tensor decode_frame(const at::Tensor& codes, const at::Tensor& scale) const {
    const at::Tensor audio = decoder_(rvq_decode(rvq_, codes));
    return scale.defined() ? audio * scale.view({-1, 1, 1}) : audio;
  }

  void check_audio(const at::Tensor& audio) const {
    if (!audio.defined() || audio.dim() != 3) {
      throw Error(ErrorCode::kShapeMismatch, "encodec: audio must be [batch, channels, samples], got " +
                                                 (audio.defined() ? shape_text(audio.sizes()) : std::string("none")));
    }
    if (audio.size(1) != s_.audio_channels) {
      throw Error(ErrorCode::kInvalidArgument, "encodec: audio has " + std::to_string(audio.size(1)) +
                                                   " channels, the model takes " + std::to_string(s_.audio_channels));
    }
    if (audio.size(0) < 1 || audio.size(2) < 1) {
      throw Error(ErrorCode::kInvalidArgument, "encodec: empty audio " + shape_text(audio.sizes()));
    }
  }

  EncodecSettings s_;
  Stack encoder_, decoder_;
  RvqTensors rvq_;
};

}  // namespace

std::unique_ptr<Codec> build_encodec(const ModelConfig& config, WeightStore& weights, const CodecOptions& options) {
  (void)options;
  return std::make_unique<Encodec>(config, weights);
}

}  // namespace almkit::codecs
