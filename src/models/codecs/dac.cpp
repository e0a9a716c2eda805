#include "models/codecs/dac.h"

#include <cmath>

#include "almkit/error.h"
#include "models/codecs/codec_layers.h"
#include "models/codecs/rvq.h"

namespace almkit::codecs {
namespace {

// DacConfig's fields and transformers 4.47 defaults (the 16 kHz model's shapes).
struct DacSettings {
  int64_t encoder_hidden_size, decoder_hidden_size, hidden_size, n_codebooks, codebook_size, codebook_dim;
  int64_t sampling_rate, hop_length = 1;
  std::vector<int64_t> downsampling_ratios, upsampling_ratios;
};

std::vector<int64_t> int_list(const ModelConfig& config, const std::string& key, std::vector<int64_t> fallback) {
  const auto& json = config.json();
  if (!json.contains(key) || json[key].is_null()) return fallback;
  return json[key].get<std::vector<int64_t>>();
}

DacSettings read_settings(const ModelConfig& config) {
  DacSettings s;
  s.encoder_hidden_size = config.integer("encoder_hidden_size", 64);
  s.decoder_hidden_size = config.integer("decoder_hidden_size", 1536);
  s.hidden_size = config.integer("hidden_size", 1024);
  s.n_codebooks = config.integer("n_codebooks", 9);
  s.codebook_size = config.integer("codebook_size", 1024);
  s.codebook_dim = config.integer("codebook_dim", 8);
  s.sampling_rate = config.integer("sampling_rate", 16000);
  s.downsampling_ratios = int_list(config, "downsampling_ratios", {2, 4, 8, 8});
  s.upsampling_ratios = int_list(config, "upsampling_ratios", {8, 8, 4, 2});
  if (s.downsampling_ratios.empty() || s.upsampling_ratios.empty() || s.n_codebooks < 1) {
    throw Error(ErrorCode::kInvalidFormat, config.source() + ": empty downsampling/upsampling ratios or no codebooks");
  }
  for (int64_t ratio : s.downsampling_ratios) s.hop_length *= ratio;
  const int64_t bits = static_cast<int64_t>(std::log2(static_cast<double>(s.codebook_size)));
  if ((int64_t{1} << bits) != s.codebook_size) {
    throw Error(ErrorCode::kInvalidFormat, config.source() + ": codebook_size " + std::to_string(s.codebook_size) +
                                               " is not a power of 2 (DacModel refuses it too)");
  }
  return s;
}

// Always float32: libtorch 1.13's CPU bf16 convolution (no AVX-512 BF16 here) ran DAC 44 kHz's
// encoder more than 15x slower than fp32, so WeightOptions::dtype bf16 only narrows the stored
// codebooks and the convolutions compute in fp32.
at::ScalarType compute_dtype(const WeightStore&) { return at::kFloat; }

// A Conv1d / ConvTranspose1d with symmetric zero padding, as nn.Conv1d(padding=...).
struct Conv {
  at::Tensor weight, bias;
  int64_t stride = 1, padding = 0, dilation = 1;
  bool transposed = false;

  static Conv load(WeightStore& w, const std::string& prefix, int64_t in, int64_t out, int64_t kernel,
                   int64_t stride = 1, int64_t padding = 0, int64_t dilation = 1, bool transposed = false) {
    Conv conv;
    conv.weight = load_conv_weight(w, prefix, transposed ? std::vector<int64_t>{in, out, kernel}
                                                         : std::vector<int64_t>{out, in, kernel});
    conv.weight = conv.weight.to(compute_dtype(w));
    conv.bias = w.take(prefix + ".bias", {out}).to(compute_dtype(w));
    conv.stride = stride;
    conv.padding = padding;
    conv.dilation = dilation;
    conv.transposed = transposed;
    return conv;
  }
  at::Tensor operator()(const at::Tensor& x) const {
    if (transposed) return at::conv_transpose1d(x, weight, bias, at::IntArrayRef{stride}, at::IntArrayRef{padding});
    return at::conv1d(x, weight, bias, at::IntArrayRef{stride}, at::IntArrayRef{padding}, at::IntArrayRef{dilation});
  }
};

at::Tensor load_alpha(WeightStore& w, const std::string& prefix, int64_t channels) {
  return w.take(prefix + ".alpha", {1, channels, 1}).to(compute_dtype(w));
}

// DacResidualUnit: snake, conv(7, dilation), snake, conv(1), plus the input (centre-cropped when
// the unit's output is shorter, which it never is with these paddings).
struct ResidualUnit {
  at::Tensor alpha1, alpha2;
  Conv conv1, conv2;
  ResidualUnit(WeightStore& w, const std::string& prefix, int64_t dim, int64_t dilation)
      : alpha1(load_alpha(w, prefix + ".snake1", dim)),
        alpha2(load_alpha(w, prefix + ".snake2", dim)),
        conv1(Conv::load(w, prefix + ".conv1", dim, dim, 7, 1, 3 * dilation, dilation)),
        conv2(Conv::load(w, prefix + ".conv2", dim, dim, 1)) {}
  at::Tensor operator()(const at::Tensor& x) const {
    const at::Tensor y = conv2(snake(conv1(snake(x, alpha1)), alpha2));
    const int64_t crop = (x.size(-1) - y.size(-1)) / 2;
    return (crop > 0 ? x.narrow(-1, crop, x.size(-1) - 2 * crop) : x) + y;
  }
};

struct EncoderBlock {
  std::vector<ResidualUnit> units;
  at::Tensor alpha;
  Conv conv;
  EncoderBlock(WeightStore& w, const std::string& prefix, int64_t dim, int64_t stride)
      : alpha(load_alpha(w, prefix + ".snake1", dim / 2)),
        conv(Conv::load(w, prefix + ".conv1", dim / 2, dim, 2 * stride, stride, (stride + 1) / 2)) {
    for (int64_t i = 0, dilation = 1; i < 3; ++i, dilation *= 3) {
      units.emplace_back(w, prefix + ".res_unit" + std::to_string(i + 1), dim / 2, dilation);
    }
  }
  at::Tensor operator()(at::Tensor x) const {
    for (const auto& unit : units) x = unit(x);
    return conv(snake(x, alpha));
  }
};

struct DecoderBlock {
  at::Tensor alpha;
  Conv conv;
  std::vector<ResidualUnit> units;
  DecoderBlock(WeightStore& w, const std::string& prefix, int64_t in, int64_t out, int64_t stride)
      : alpha(load_alpha(w, prefix + ".snake1", in)),
        conv(Conv::load(w, prefix + ".conv_t1", in, out, 2 * stride, stride, (stride + 1) / 2, 1, true)) {
    for (int64_t i = 0, dilation = 1; i < 3; ++i, dilation *= 3) {
      units.emplace_back(w, prefix + ".res_unit" + std::to_string(i + 1), out, dilation);
    }
  }
  at::Tensor operator()(const at::Tensor& x) const {
    at::Tensor y = conv(snake(x, alpha));
    for (const auto& unit : units) y = unit(y);
    return y;
  }
};

class Dac final : public Codec {
 public:
  Dac(const ModelConfig& config, WeightStore& w) : s_(read_settings(config)) {
    // Encoder: conv(7) -> blocks that double the channels while striding -> snake -> conv(3).
    encoder_conv1_ = Conv::load(w, "encoder.conv1", 1, s_.encoder_hidden_size, 7, 1, 3);
    int64_t dim = s_.encoder_hidden_size;
    for (size_t i = 0; i < s_.downsampling_ratios.size(); ++i) {
      dim = s_.encoder_hidden_size << (i + 1);
      encoder_blocks_.emplace_back(w, "encoder.block." + std::to_string(i), dim, s_.downsampling_ratios[i]);
    }
    encoder_alpha_ = load_alpha(w, "encoder.snake1", dim);
    encoder_conv2_ = Conv::load(w, "encoder.conv2", dim, s_.hidden_size, 3, 1, 1);
    // Decoder: conv(7) -> blocks that halve the channels while upsampling -> snake -> conv(7) -> tanh.
    decoder_conv1_ = Conv::load(w, "decoder.conv1", s_.hidden_size, s_.decoder_hidden_size, 7, 1, 3);
    int64_t out = s_.decoder_hidden_size;
    for (size_t i = 0; i < s_.upsampling_ratios.size(); ++i) {
      const int64_t in = s_.decoder_hidden_size >> i;
      out = s_.decoder_hidden_size >> (i + 1);
      decoder_blocks_.emplace_back(w, "decoder.block." + std::to_string(i), in, out, s_.upsampling_ratios[i]);
    }
    decoder_alpha_ = load_alpha(w, "decoder.snake1", out);
    decoder_conv2_ = Conv::load(w, "decoder.conv2", out, 1, 7, 1, 3);
    // Factorised codes: each stage projects the residual to codebook_dim, looks up by cosine
    // similarity, and projects back.
    rvq_.name = "dac quantizer";
    rvq_.lookup = CodebookLookup::kL2Normalised;
    for (int64_t q = 0; q < s_.n_codebooks; ++q) {
      const std::string prefix = "quantizer.quantizers." + std::to_string(q);
      RvqStageTensors stage;
      stage.codewords = w.take(prefix + ".codebook.weight", {s_.codebook_size, s_.codebook_dim}).to(at::kFloat);
      stage.in_proj.weight = load_conv_weight(w, prefix + ".in_proj", {s_.codebook_dim, s_.hidden_size, 1}).squeeze(-1);
      stage.in_proj.bias = w.take(prefix + ".in_proj.bias", {s_.codebook_dim}).to(at::kFloat);
      stage.out_proj.weight = load_conv_weight(w, prefix + ".out_proj", {s_.hidden_size, s_.codebook_dim, 1}).squeeze(-1);
      stage.out_proj.bias = w.take(prefix + ".out_proj.bias", {s_.hidden_size}).to(at::kFloat);
      rvq_.stages.push_back(stage);
    }
    compute_dtype_ = compute_dtype(w);
  }

  std::string model_type() const override { return "dac"; }
  int64_t sampling_rate() const override { return s_.sampling_rate; }
  int64_t channels() const override { return 1; }
  int64_t codebook_size() const override { return s_.codebook_size; }
  int64_t max_quantizers() const override { return s_.n_codebooks; }
  double frame_rate() const override { return static_cast<double>(s_.sampling_rate) / s_.hop_length; }
  std::vector<double> bandwidths() const override {
    return quantizer_bandwidths(s_.codebook_size, frame_rate(), 1, s_.n_codebooks);
  }
  double default_bandwidth() const override { return bandwidths().back(); }  // every codebook, as DacModel
  int64_t frame_samples() const override { return s_.hop_length; }
  int64_t quantizers_for_bandwidth(double bandwidth) const override {
    return quantizers_for_listed_bandwidth("dac", bandwidth, s_.codebook_size, frame_rate(), 1, s_.n_codebooks);
  }

  EncodedAudioCodes encode(const at::Tensor& audio, double bandwidth) const override {
    const int64_t n_q = quantizers_for_bandwidth(bandwidth);
    EncodedAudioCodes out;
    out.audio_length = audio.defined() && audio.dim() == 3 ? audio.size(-1) : 0;
    out.codes = rvq_encode(rvq_, encode_latent(audio), n_q).unsqueeze(0);
    out.scales.push_back(at::Tensor());
    return out;
  }

  at::Tensor decode(const EncodedAudioCodes& encoded) const override {
    const at::Tensor& codes = encoded.codes;
    if (!codes.defined() || codes.dim() != 4 || codes.size(0) != 1 || codes.size(3) < 1) {
      throw Error(ErrorCode::kShapeMismatch, "dac: codes must be [1, batch, quantizers, frames], got " +
                                                 (codes.defined() ? shape_text(codes.sizes()) : std::string("none")));
    }
    const at::Tensor latent = rvq_decode(rvq_, codes[0]);
    at::Tensor x = decoder_conv1_(latent.to(compute_dtype_));
    for (const auto& block : decoder_blocks_) x = block(x);
    at::Tensor audio = at::tanh(decoder_conv2_(snake(x, decoder_alpha_))).to(at::kFloat);
    if (encoded.audio_length > 0 && encoded.audio_length < audio.size(-1)) {
      audio = audio.narrow(-1, 0, encoded.audio_length);
    }
    return audio;  // [B, 1, T]; transformers squeezes the channel
  }

  at::Tensor encode_latent(const at::Tensor& audio) const override {
    check_audio(audio);
    at::Tensor x = encoder_conv1_(audio.to(compute_dtype_));
    for (const auto& block : encoder_blocks_) x = block(x);
    return encoder_conv2_(snake(x, encoder_alpha_)).to(at::kFloat);
  }

  std::vector<std::pair<std::string, at::Tensor>> encode_details(const at::Tensor& audio,
                                                                 const at::Tensor& forced_codes) const override {
    RvqEncodeTrace trace;
    trace.forced_codes = forced_codes;
    const int64_t n_q = forced_codes.defined() ? forced_codes.size(1) : s_.n_codebooks;
    rvq_encode(rvq_, encode_latent(audio), n_q, &trace);
    return {{"quantized_representation", trace.quantized}, {"projected_latents", at::cat(trace.projected, 1)}};
  }

 private:
  void check_audio(const at::Tensor& audio) const {
    if (!audio.defined() || audio.dim() != 3) {
      throw Error(ErrorCode::kShapeMismatch, "dac: audio must be [batch, channels, samples], got " +
                                                 (audio.defined() ? shape_text(audio.sizes()) : std::string("none")));
    }
    if (audio.size(1) != 1) {
      throw Error(ErrorCode::kInvalidArgument, "dac: audio has " + std::to_string(audio.size(1)) +
                                                   " channels, the model takes 1");
    }
    if (audio.size(0) < 1 || audio.size(2) < 1) {
      throw Error(ErrorCode::kInvalidArgument, "dac: empty audio " + shape_text(audio.sizes()));
    }
    // Each strided conv (kernel 2s, padding ceil(s/2)) maps L to floor((L + 2 ceil(s/2) - 2s) / s) + 1.
    int64_t length = audio.size(2);
    for (int64_t stride : s_.downsampling_ratios) {
      const int64_t span = length + 2 * ((stride + 1) / 2) - 2 * stride;
      length = span < 0 ? 0 : span / stride + 1;
    }
    if (length < 1) {
      throw Error(ErrorCode::kInvalidArgument, "dac: " + std::to_string(audio.size(2)) +
                                                   " samples are shorter than one code frame (about " +
                                                   std::to_string(s_.hop_length) + " samples)");
    }
  }

  DacSettings s_;
  Conv encoder_conv1_, encoder_conv2_, decoder_conv1_, decoder_conv2_;
  std::vector<EncoderBlock> encoder_blocks_;
  std::vector<DecoderBlock> decoder_blocks_;
  at::Tensor encoder_alpha_, decoder_alpha_;
  RvqTensors rvq_;
  at::ScalarType compute_dtype_ = at::kFloat;
};

}  // namespace

std::unique_ptr<Codec> build_dac(const ModelConfig& config, WeightStore& weights, const CodecOptions& options) {
  (void)options;
  return std::make_unique<Dac>(config, weights);
}

}  // namespace almkit::codecs
