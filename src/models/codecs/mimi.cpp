#include "models/codecs/mimi.h"

#include <cmath>

#include "almkit/error.h"
#include "models/codecs/codec_layers.h"
#include "models/codecs/rvq.h"
#include "models/codecs/streaming_layers.h"

namespace almkit::codecs {
namespace {

// MimiConfig's fields with transformers 4.47 defaults (kyutai/mimi).
struct MimiSettings {
  int64_t sampling_rate, audio_channels, hidden_size, num_filters, num_residual_layers;
  std::vector<int64_t> upsampling_ratios;
  int64_t kernel_size, last_kernel_size, residual_kernel_size, dilation_growth_rate, compress;
  ConvSettings conv;
  int64_t codebook_size, codebook_dim, num_quantizers, num_semantic_quantizers, vq_hidden, upsample_groups;
  bool use_conv_shortcut;
  double frame_rate;
  TransformerSettings transformer;
  int64_t hop_length = 1, encodec_frame_rate = 0, resample_stride = 1, resample_kernel = 0;  // kernel 0: none
};

MimiSettings read_settings(const ModelConfig& config) {
  MimiSettings s;
  const auto& json = config.json();
  s.sampling_rate = config.integer("sampling_rate", 24000);
  s.audio_channels = config.integer("audio_channels", 1);
  s.hidden_size = config.integer("hidden_size", 512);
  s.num_filters = config.integer("num_filters", 64);
  s.num_residual_layers = config.integer("num_residual_layers", 1);
  s.upsampling_ratios = json.contains("upsampling_ratios") && !json["upsampling_ratios"].is_null()
                            ? json["upsampling_ratios"].get<std::vector<int64_t>>()
                            : std::vector<int64_t>{8, 6, 5, 4};
  s.kernel_size = config.integer("kernel_size", 7);
  s.last_kernel_size = config.integer("last_kernel_size", 3);
  s.residual_kernel_size = config.integer("residual_kernel_size", 3);
  s.dilation_growth_rate = config.integer("dilation_growth_rate", 2);
  s.conv.causal = config.boolean("use_causal_conv", true);
  s.conv.pad_mode = config.string("pad_mode", "constant");
  s.compress = config.integer("compress", 2);
  s.conv.trim_right_ratio = config.number("trim_right_ratio", 1.0);
  s.codebook_size = config.integer("codebook_size", 2048);
  s.codebook_dim = config.integer("codebook_dim", 256);
  s.num_quantizers = config.integer("num_quantizers", 32);
  s.use_conv_shortcut = config.boolean("use_conv_shortcut", false);
  s.vq_hidden = config.integer("vector_quantization_hidden_dimension", 256);
  s.num_semantic_quantizers = config.integer("num_semantic_quantizers", 1);
  s.upsample_groups = config.integer("upsample_groups", 512);
  s.frame_rate = config.number("frame_rate", 12.5);
  TransformerSettings& t = s.transformer;
  t.hidden = s.hidden_size;
  t.layers = config.integer("num_hidden_layers", 8);
  t.intermediate = config.integer("intermediate_size", 2048);
  t.heads = config.integer("num_attention_heads", 8);
  t.kv_heads = config.integer("num_key_value_heads", t.heads);
  t.head_dim = config.integer("head_dim", t.hidden / std::max<int64_t>(1, t.heads));
  t.activation = config.string("hidden_act", "gelu");
  t.norm_eps = config.number("norm_eps", 1e-5);
  t.rope_theta = config.number("rope_theta", 10000.0);
  t.sliding_window = config.integer("sliding_window", 250);
  t.attention_bias = config.boolean("attention_bias", false);
  if (json.contains("rope_scaling") && !json["rope_scaling"].is_null()) {
    throw Error(ErrorCode::kUnsupported, config.source() + ": rope_scaling is not supported for mimi");
  }
  if (s.upsampling_ratios.empty() || s.num_semantic_quantizers < 1 ||
      s.num_semantic_quantizers >= s.num_quantizers || s.codebook_dim != s.vq_hidden) {
    throw Error(ErrorCode::kInvalidFormat,
                config.source() + ": needs upsampling_ratios, 1 <= num_semantic_quantizers < num_quantizers and "
                                  "codebook_dim == vector_quantization_hidden_dimension");
  }
  const int64_t bits = static_cast<int64_t>(std::log2(static_cast<double>(s.codebook_size)));
  if ((int64_t{1} << bits) != s.codebook_size) {
    throw Error(ErrorCode::kInvalidFormat, config.source() + ": codebook_size is not a power of 2");
  }
  for (int64_t ratio : s.upsampling_ratios) s.hop_length *= ratio;
  s.encodec_frame_rate = (s.sampling_rate + s.hop_length - 1) / s.hop_length;  // math.ceil(sr / hop)
  if (s.frame_rate != static_cast<double>(s.encodec_frame_rate)) {
    s.resample_stride = 2;
    s.resample_kernel = 2 * static_cast<int64_t>(s.encodec_frame_rate / s.frame_rate);
  }
  return s;
}

// MimiResnetBlock: ELU, conv(k, dilation), ELU, conv(1), plus the input (or a 1x1 conv of it).
struct ResnetBlock {
  StreamConv1d first, second, shortcut;
  bool has_shortcut = false;
  ResnetBlock(WeightStore& w, const std::string& prefix, const MimiSettings& s, int64_t dim, int64_t dilation,
              StreamSlots& slots)
      : first(w, prefix + ".block.1", s.conv, dim, dim / s.compress, s.residual_kernel_size, 1, dilation, 1, true, slots),
        second(w, prefix + ".block.3", s.conv, dim / s.compress, dim, 1, 1, 1, 1, true, slots) {
    if (s.use_conv_shortcut) {
      shortcut = StreamConv1d(w, prefix + ".shortcut", s.conv, dim, dim, 1, 1, 1, 1, true, slots);
      has_shortcut = true;
    }
  }
  at::Tensor operator()(const at::Tensor& x, StreamState& state, bool last) const {
    const at::Tensor h = second(at::elu(first(at::elu(x), state, last)), state, last);
    return (has_shortcut ? shortcut(x, state, last) : x) + h;
  }
};

using Step = std::function<at::Tensor(const at::Tensor&, StreamState&, bool)>;

// The SEANet stacks as lists of steps; ELUs take a layer index without weights, hence the gaps
// in the checkpoint's layer numbers.
std::vector<Step> build_encoder(WeightStore& w, const MimiSettings& s, StreamSlots& slots) {
  std::vector<Step> steps;
  int64_t index = 0;
  auto name = [&] { return "encoder.layers." + std::to_string(index++); };
  auto conv = [&](int64_t in, int64_t out, int64_t kernel, int64_t stride) {
    auto layer = std::make_shared<StreamConv1d>(w, name(), s.conv, in, out, kernel, stride, 1, 1, true, slots);
    steps.push_back([layer](const at::Tensor& x, StreamState& st, bool last) { return (*layer)(x, st, last); });
  };
  auto elu = [&] {
    ++index;
    steps.push_back([](const at::Tensor& x, StreamState&, bool) { return at::elu(x); });
  };
  conv(s.audio_channels, s.num_filters, s.kernel_size, 1);
  int64_t scaling = 1;
  for (auto it = s.upsampling_ratios.rbegin(); it != s.upsampling_ratios.rend(); ++it) {
    const int64_t dim = scaling * s.num_filters;
    for (int64_t j = 0; j < s.num_residual_layers; ++j) {
      const auto dilation = static_cast<int64_t>(std::pow(s.dilation_growth_rate, j));
      auto block = std::make_shared<ResnetBlock>(w, name(), s, dim, dilation, slots);
      steps.push_back([block](const at::Tensor& x, StreamState& st, bool last) { return (*block)(x, st, last); });
    }
    elu();
    conv(dim, dim * 2, *it * 2, *it);
    scaling *= 2;
  }
  elu();
  conv(scaling * s.num_filters, s.hidden_size, s.last_kernel_size, 1);
  return steps;
}

std::vector<Step> build_decoder(WeightStore& w, const MimiSettings& s, StreamSlots& slots) {
  std::vector<Step> steps;
  int64_t index = 0;
  auto name = [&] { return "decoder.layers." + std::to_string(index++); };
  auto elu = [&] {
    ++index;
    steps.push_back([](const at::Tensor& x, StreamState&, bool) { return at::elu(x); });
  };
  int64_t scaling = int64_t{1} << s.upsampling_ratios.size();
  auto first = std::make_shared<StreamConv1d>(w, name(), s.conv, s.hidden_size, scaling * s.num_filters,
                                              s.kernel_size, 1, 1, 1, true, slots);
  steps.push_back([first](const at::Tensor& x, StreamState& st, bool last) { return (*first)(x, st, last); });
  for (int64_t ratio : s.upsampling_ratios) {
    const int64_t dim = scaling * s.num_filters;
    elu();
    auto up = std::make_shared<StreamConvTranspose1d>(w, name(), s.conv, dim, dim / 2, ratio * 2, ratio, 1, true, slots);
    steps.push_back([up](const at::Tensor& x, StreamState& st, bool last) { return (*up)(x, st, last); });
    for (int64_t j = 0; j < s.num_residual_layers; ++j) {
      const auto dilation = static_cast<int64_t>(std::pow(s.dilation_growth_rate, j));
      auto block = std::make_shared<ResnetBlock>(w, name(), s, dim / 2, dilation, slots);
      steps.push_back([block](const at::Tensor& x, StreamState& st, bool last) { return (*block)(x, st, last); });
    }
    scaling /= 2;
  }
  elu();
  auto final_conv = std::make_shared<StreamConv1d>(w, name(), s.conv, s.num_filters, s.audio_channels,
                                                   s.last_kernel_size, 1, 1, 1, true, slots);
  steps.push_back([final_conv](const at::Tensor& x, StreamState& st, bool last) { return (*final_conv)(x, st, last); });
  return steps;
}

at::Tensor run(const std::vector<Step>& steps, at::Tensor x, StreamState& state, bool last) {
  for (const Step& step : steps) x = step(x, state, last);
  return x;
}

// One residual VQ of the split quantizer: codebooks = embed_sum / max(cluster_usage, 1e-5).
RvqTensors load_rvq(WeightStore& w, const std::string& prefix, const MimiSettings& s, int64_t stages) {
  RvqTensors rvq;
  rvq.name = "mimi " + prefix;
  rvq.lookup = CodebookLookup::kCdist;
  if (s.vq_hidden != s.hidden_size) {
    rvq.input_proj.weight = w.take(prefix + ".input_proj.weight", {s.vq_hidden, s.hidden_size, 1}).to(at::kFloat).squeeze(-1);
    rvq.output_proj.weight = w.take(prefix + ".output_proj.weight", {s.hidden_size, s.vq_hidden, 1}).to(at::kFloat).squeeze(-1);
  }
  for (int64_t q = 0; q < stages; ++q) {
    const std::string p = prefix + ".layers." + std::to_string(q) + ".codebook.";
    const at::Tensor usage = w.take(p + "cluster_usage", {s.codebook_size}).to(at::kFloat);
    const at::Tensor sum = w.take(p + "embed_sum", {s.codebook_size, s.codebook_dim}).to(at::kFloat);
    w.ignore(p + "initialized");  // training state
    RvqStageTensors stage;
    stage.codewords = sum / usage.clamp_min(1e-5).unsqueeze(1);
    rvq.stages.push_back(stage);
  }
  return rvq;
}

class Mimi final : public Codec {
 public:
  Mimi(const ModelConfig& config, WeightStore& w, const CodecOptions& options) : s_(read_settings(config)) {
    s_.transformer.causal = options.causal_attention;
    encoder_ = build_encoder(w, s_, encoder_slots_);
    encoder_transformer_ = StreamTransformer(w, "encoder_transformer", s_.transformer, encoder_slots_);
    if (s_.resample_kernel > 0) {
      ConvSettings replicate = s_.conv;
      replicate.pad_mode = "replicate";
      downsample_ = StreamConv1d(w, "downsample", replicate, s_.hidden_size, s_.hidden_size, s_.resample_kernel,
                                 s_.resample_stride, 1, 1, false, encoder_slots_);
      upsample_ = StreamConvTranspose1d(w, "upsample", s_.conv, s_.hidden_size, s_.hidden_size, s_.resample_kernel,
                                        s_.resample_stride, s_.upsample_groups, false, decoder_slots_);
    }
    decoder_transformer_ = StreamTransformer(w, "decoder_transformer", s_.transformer, decoder_slots_);
    decoder_ = build_decoder(w, s_, decoder_slots_);
    semantic_ = load_rvq(w, "quantizer.semantic_residual_vector_quantizer", s_, s_.num_semantic_quantizers);
    acoustic_ = load_rvq(w, "quantizer.acoustic_residual_vector_quantizer", s_,
                         s_.num_quantizers - s_.num_semantic_quantizers);
  }

  std::string model_type() const override { return "mimi"; }
  int64_t sampling_rate() const override { return s_.sampling_rate; }
  int64_t channels() const override { return s_.audio_channels; }
  int64_t codebook_size() const override { return s_.codebook_size; }
  int64_t max_quantizers() const override { return s_.num_quantizers; }
  double frame_rate() const override { return s_.frame_rate; }
  std::vector<double> bandwidths() const override {
    return quantizer_bandwidths(s_.codebook_size, s_.frame_rate, s_.num_semantic_quantizers, s_.num_quantizers);
  }
  double default_bandwidth() const override { return bandwidths().back(); }  // every quantizer, as MimiModel
  int64_t quantizers_for_bandwidth(double bandwidth) const override {
    return quantizers_for_listed_bandwidth("mimi", bandwidth, s_.codebook_size, s_.frame_rate,
                                           s_.num_semantic_quantizers, s_.num_quantizers);
  }
  int64_t frame_samples() const override { return s_.hop_length * (s_.resample_kernel > 0 ? s_.resample_stride : 1); }

  EncodedAudioCodes encode(const at::Tensor& audio, double bandwidth) const override {
    const int64_t n_q = quantizers_for_bandwidth(bandwidth);
    StreamState state = encoder_slots_.fresh();
    EncodedAudioCodes out;
    out.codes = quantize(latent(audio, state, true), n_q).unsqueeze(0);
    out.audio_length = audio.size(-1);
    out.scales.push_back(at::Tensor());
    return out;
  }

  at::Tensor decode(const EncodedAudioCodes& encoded) const override {
    const at::Tensor& codes = encoded.codes;
    if (!codes.defined() || codes.dim() != 4 || codes.size(0) != 1 || codes.size(3) < 1) {
      throw Error(ErrorCode::kShapeMismatch, "mimi: codes must be [1, batch, quantizers, frames], got " +
                                                 (codes.defined() ? shape_text(codes.sizes()) : std::string("none")));
    }
    StreamState state = decoder_slots_.fresh();
    at::Tensor audio = synthesize(codes[0], state, true);
    if (encoded.audio_length > 0 && encoded.audio_length < audio.size(-1)) {
      audio = audio.narrow(-1, 0, encoded.audio_length);
    }
    return audio;
  }

  at::Tensor encode_latent(const at::Tensor& audio) const override {
    StreamState state = encoder_slots_.fresh();
    return latent(audio, state, true);
  }

  // Only the causal model streams (CodecOptions::causal_attention); the default attends across
  // the whole call as transformers does, which no chunking reproduces exactly.
  std::unique_ptr<Stream> encode_stream(double bandwidth) const override {
    if (!s_.transformer.causal) return nullptr;
    return std::make_unique<EncodeStream>(*this, quantizers_for_bandwidth(bandwidth));
  }
  std::unique_ptr<Stream> decode_stream() const override {
    if (!s_.transformer.causal) return nullptr;
    return std::make_unique<DecodeStream>(*this);
  }

 private:
  void check_audio(const at::Tensor& audio) const {
    if (!audio.defined() || audio.dim() != 3) {
      throw Error(ErrorCode::kShapeMismatch, "mimi: audio must be [batch, channels, samples], got " +
                                                 (audio.defined() ? shape_text(audio.sizes()) : std::string("none")));
    }
    if (audio.size(1) != s_.audio_channels) {
      throw Error(ErrorCode::kInvalidArgument, "mimi: audio has " + std::to_string(audio.size(1)) +
                                                   " channels, the model takes " + std::to_string(s_.audio_channels));
    }
    if (audio.size(0) < 1 || audio.size(2) < 1) {
      throw Error(ErrorCode::kInvalidArgument, "mimi: empty audio " + shape_text(audio.sizes()));
    }
  }

  // Audio -> the quantizer's input [B, hidden, frames] at frame_rate.
  at::Tensor latent(const at::Tensor& audio, StreamState& state, bool last) const {
    check_audio(audio);
    const at::Tensor embeddings = run(encoder_, audio.to(at::kFloat), state, last);
    at::Tensor x = encoder_transformer_(embeddings.transpose(1, 2), state).transpose(1, 2);
    if (s_.resample_kernel > 0) x = downsample_(x, state, last);
    return x;
  }

  // The split RVQ: semantic codes first, then acoustic, both from the same latent.
  at::Tensor quantize(const at::Tensor& latent, int64_t n_q) const {
    at::Tensor codes = rvq_encode(semantic_, latent, s_.num_semantic_quantizers);
    if (n_q > s_.num_semantic_quantizers) {
      codes = at::cat({codes, rvq_encode(acoustic_, latent, n_q - s_.num_semantic_quantizers)}, 1);
    }
    return codes;
  }

  at::Tensor synthesize(const at::Tensor& codes, StreamState& state, bool last) const {  // codes [B, n_q, T]
    if (codes.dim() != 3 || codes.size(1) < s_.num_semantic_quantizers || codes.size(1) > s_.num_quantizers) {
      throw Error(ErrorCode::kInvalidArgument,
                  "mimi: codes " + shape_text(codes.sizes()) + " have " +
                      std::to_string(codes.dim() == 3 ? codes.size(1) : 0) + " quantizer rows, the model takes " +
                      std::to_string(s_.num_semantic_quantizers) + ".." + std::to_string(s_.num_quantizers));
    }
    at::Tensor x = rvq_decode(semantic_, codes.narrow(1, 0, s_.num_semantic_quantizers));
    if (codes.size(1) > s_.num_semantic_quantizers) {
      x = x + rvq_decode(acoustic_, codes.narrow(1, s_.num_semantic_quantizers,
                                                 codes.size(1) - s_.num_semantic_quantizers));
    }
    if (s_.resample_kernel > 0) x = upsample_(x, state, last);
    x = decoder_transformer_(x.transpose(1, 2), state).transpose(1, 2);
    return run(decoder_, x, state, last);
  }

  class EncodeStream final : public Stream {
   public:
    EncodeStream(const Mimi& mimi, int64_t quantizers)
        : mimi_(mimi), quantizers_(quantizers), state_(mimi.encoder_slots_.fresh()) {}
    at::Tensor push(const at::Tensor& audio, bool last) override {
      return mimi_.quantize(mimi_.latent(audio, state_, last), quantizers_);
    }

   private:
    const Mimi& mimi_;
    int64_t quantizers_;
    StreamState state_;
  };

  class DecodeStream final : public Stream {
   public:
    explicit DecodeStream(const Mimi& mimi) : mimi_(mimi), state_(mimi.decoder_slots_.fresh()) {}
    at::Tensor push(const at::Tensor& codes, bool last) override { return mimi_.synthesize(codes, state_, last); }

   private:
    const Mimi& mimi_;
    StreamState state_;
  };

  MimiSettings s_;
  StreamSlots encoder_slots_, decoder_slots_;
  std::vector<Step> encoder_, decoder_;
  StreamTransformer encoder_transformer_, decoder_transformer_;
  StreamConv1d downsample_;
  StreamConvTranspose1d upsample_;
  RvqTensors semantic_, acoustic_;
};

}  // namespace

std::unique_ptr<Codec> build_mimi(const ModelConfig& config, WeightStore& weights, const CodecOptions& options) {
  return std::make_unique<Mimi>(config, weights, options);
}

}  // namespace almkit::codecs
