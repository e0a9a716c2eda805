#include "models/whisper_encoder.h"

#include <algorithm>

#include "almkit/error.h"
#include "models/audio_frontend.h"
#include "nn/amx_route.h"

namespace almkit {

WhisperEncoderShape WhisperEncoderShape::large_v3() {
  WhisperEncoderShape shape;
  shape.num_mel_bins = 128;
  shape.d_model = 1280;
  shape.layers = 32;
  shape.heads = 20;
  shape.ffn_dim = 5120;
  return shape;
}

WhisperEncoderShape WhisperEncoderShape::from_config(const ModelConfig& config,
                                                     const WhisperEncoderShape& defaults) {
  WhisperEncoderShape shape;
  shape.num_mel_bins = config.integer("num_mel_bins", defaults.num_mel_bins);
  // transformers' attribute_map lets the newer tower configs use the generic names.
  const auto field = [&](const char* whisper_name, const char* generic_name, int64_t fallback) {
    return config.json().contains(whisper_name) ? config.integer(whisper_name, fallback)
                                                : config.integer(generic_name, fallback);
  };
  shape.d_model = field("d_model", "hidden_size", defaults.d_model);
  shape.layers = field("encoder_layers", "num_hidden_layers", defaults.layers);
  shape.heads = field("encoder_attention_heads", "num_attention_heads", defaults.heads);
  shape.ffn_dim = field("encoder_ffn_dim", "intermediate_size", defaults.ffn_dim);
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
  if (shape.learned_positions) {
    embed_positions_ = weights.take(prefix + ".embed_positions.weight", {shape.max_source_positions, d},
                                    WeightInit::kSinusoids);
  }
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
                                        const LayerHook* hook, int64_t real_positions) const {
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
  // Position j of the stride-2 stem reads conv1 frames 2j-1..2j+1, which read mel frames
  // 2j-2..2j+2: the first `real_positions` need the frames up to 2 * real_positions.
  const int64_t frames = real_positions > 0 ? std::min(features.size(2), 2 * real_positions + 1) : features.size(2);
  at::Tensor h = stem(frames < features.size(2) ? features.narrow(2, 0, frames) : features);
  h = h + embed_positions_.narrow(0, 0, h.size(1));
  const int64_t positions = (features.size(2) - 1) / 2 + 1;
  const at::Tensor mask = key_mask.defined() ? nn::padding_mask(key_mask.narrow(1, 0, h.size(1)), h.scalar_type())
                                             : at::Tensor();
  h = run_layers(h, mask, hook);
  return h.size(1) < positions ? at::constant_pad_nd(h, {0, 0, 0, positions - h.size(1)}) : h;
}

at::Tensor WhisperEncoderStack::stem(const at::Tensor& features, const at::Tensor& frame_mask) const {
  const at::Tensor x = features.to(conv1_weight_.scalar_type());
  at::Tensor h = nn::activation(shape_.activation, at::conv1d(x, conv1_weight_, conv1_bias_, 1, 1));
  if (frame_mask.defined()) h = h * frame_mask.unsqueeze(1).to(h.scalar_type());
  h = nn::activation(shape_.activation, at::conv1d(h, conv2_weight_, conv2_bias_, 2, 1));
  // positions by rows in memory: a transposed view made every residual sum after it transposed too
  // (ATen keeps its first input's layout), so each layer norm and product copied its input first
  return h.transpose(1, 2).contiguous();
}

at::Tensor WhisperEncoderStack::run_layers(at::Tensor h, const at::Tensor& mask, const LayerHook* hook) const {
  at::Tensor probabilities;
  if (hook && hook->callback && hook->want_input) hook->callback("encoder", -1, h, probabilities);
  for (size_t i = 0; i < layers_.size(); ++i) {
    const Layer& layer = layers_[i];
    const bool want = hook && hook->want_attention;
    const nn::HeadHook heads = layer_head_hook(hook, "encoder", static_cast<int>(i));
    h = h + layer.self_attn.self_attention(layer.self_attn_layer_norm(h), mask, nullptr, at::Tensor(),
                                           at::Tensor(), want ? &probabilities : nullptr, &heads);
    const at::Tensor normed = layer.final_layer_norm(h);
    // a clip on a CPU with AMX-BF16: the products kept in bf16 through GELU (nn/amx_route.h)
    const at::Tensor fused = nn::feed_forward_through_amx(shape_.activation, normed, layer.fc1, layer.fc2, h);
    h = fused.defined() ? fused : h + layer.fc2(nn::activation(shape_.activation, layer.fc1(normed)));
    if (hook && hook->callback) hook->callback("encoder", static_cast<int>(i), h, probabilities);
  }
  return h;
}

namespace {

// WhisperFeatureExtractor with padding="longest" and pad_to_multiple_of one hop: features of the
// clip's own length (Ultravox's processor), not the padded 30 s window.
class UnpaddedWhisperFeatures : public FeatureExtractor {
 public:
  explicit UnpaddedWhisperFeatures(WhisperMelOptions options) : mel_(unpadded(options)) {}
  std::string kind() const override { return "whisper-mel"; }
  int sampling_rate() const override { return mel_.options().sampling_rate; }
  double max_seconds() const override { return mel_.options().chunk_length; }
  FeatureBatch extract(const std::vector<AudioBuffer>& clips) const override {
    std::vector<std::vector<float>> mono;
    const size_t hop = static_cast<size_t>(mel_.options().hop_length);
    for (size_t i = 0; i < clips.size(); ++i) {
      validate_audio(clips[i], "clip " + std::to_string(i));
      std::vector<float> samples =
          clips[i].sample_rate == sampling_rate() ? clips[i].mono() : resample(clips[i], sampling_rate()).mono();
      samples.resize((samples.size() + hop - 1) / hop * hop, 0.f);
      mono.push_back(std::move(samples));
    }
    return mel_.compute_batch(mono);
  }

 private:
  static WhisperMelOptions unpadded(WhisperMelOptions options) {
    options.pad_to_chunk = false;
    return options;
  }
  WhisperMel mel_;
};

class WhisperTower : public AudioEncoder {
 public:
  WhisperTower(const ModelConfig& config, WeightStore& weights, const WhisperEncoderShape& shape,
               const WhisperTowerOptions& options)
      : options_(options),
        stack_(weights, options.prefix, shape),
        layer_norm_(nn::LayerNorm::load(weights, options.prefix + ".layer_norm", shape.d_model, 1e-5)) {
    const WhisperMelOptions mel = stack_.feature_options(config);
    if (options.full_window) {
      features_ = make_whisper_feature_extractor(mel);
    } else {
      features_ = std::make_unique<UnpaddedWhisperFeatures>(mel);
    }
  }

  const FeatureExtractor& features() const override { return *features_; }

  EncodedAudio encode(const at::Tensor& features, const at::Tensor& feature_lengths,
                      const LayerHook* hook) const override {
    const int64_t positions = (features.size(2) - 1) / 2 + 1;  // after the stride-2 convolution
    at::Tensor lengths = at::full({features.size(0)}, positions, at::TensorOptions().dtype(at::kLong));
    at::Tensor key_mask;
    if (options_.mask_padding) {
      // transformers' _get_feat_extract_output_lengths: the conv stem halves the frames.
      const at::Tensor frames = feature_lengths.defined()
                                    ? feature_lengths.to(at::kLong).cpu()
                                    : at::full({features.size(0)}, features.size(2), at::TensorOptions().dtype(at::kLong));
      lengths = at::floor_divide(frames - 1, 2) + 1;
      key_mask = (at::arange(positions, at::TensorOptions().dtype(at::kLong)).unsqueeze(0) < lengths.unsqueeze(1))
                     .to(features.device());
    }
    const int64_t real_positions = trim_padding(hook) ? lengths.max().item<int64_t>() : 0;
    at::Tensor hidden = stack_.forward(features, key_mask, hook, real_positions);
    if (options_.pool) {
      hidden = at::avg_pool1d(hidden.transpose(1, 2), {2}, {2}).transpose(1, 2);
      lengths = at::floor_divide(lengths - 2, 2) + 1;
    }
    return {layer_norm_(hidden), lengths};
  }

 private:
  // Positions past every clip are masked keys whose outputs nothing reads (lengths say which
  // rows are real), so a batch of short clips in a 30 s window need not run them: the stack runs
  // on the frames the longest clip reaches and the result is padded back with zeros. Off when a
  // hook reads or edits the encoder, which then sees every position as transformers computes it.
  bool trim_padding(const LayerHook* hook) const {
    return options_.mask_padding && options_.full_window && !(hook && (hook->callback || hook->heads));
  }

  WhisperTowerOptions options_;
  WhisperEncoderStack stack_;
  nn::LayerNorm layer_norm_;
  std::unique_ptr<FeatureExtractor> features_;
};

}  // namespace

std::unique_ptr<AudioEncoder> build_whisper_tower(const ModelConfig& config, WeightStore& weights,
                                                  const WhisperEncoderShape& shape, const WhisperTowerOptions& options) {
  WhisperEncoderShape tower = shape;
  tower.accepts_shorter_input = !options.full_window;
  return std::make_unique<WhisperTower>(config, weights, tower, options);
}

}  // namespace almkit
