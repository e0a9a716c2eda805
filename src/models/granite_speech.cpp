#include "models/granite_speech.h"

#include <sys/stat.h>

#include <cmath>
#include <limits>

#include "almkit/error.h"
#include "io/json_file.h"
#include "models/causal_lm.h"
#include "models/llama.h"
#include "models/projectors/qformer.h"
#include "models/registry.h"
#include "nn/layers.h"

namespace almkit {
namespace {

struct GraniteMelOptions {
  int sampling_rate = 16000, n_fft = 512, win_length = 400, hop_length = 160, n_mels = 80;
};

// GraniteSpeechFeatureExtractor: torchaudio's MelSpectrogram (Hann window of win_length centred
// in n_fft, reflect padding, power 2, HTK mel scale without norm), log10 of max(x, 1e-10),
// floored at the clip's max - 8, / 4 + 1; an odd last frame dropped and frame pairs stacked.
// Clips of a batch are zero-padded to the longest first.
class GraniteSpeechFeatures : public FeatureExtractor {
 public:
  explicit GraniteSpeechFeatures(const GraniteMelOptions& o) : options_(o) {
    // torchaudio.functional.melscale_fbanks(n_fft / 2 + 1, 0, sr / 2, n_mels, sr, None, "htk")
    const auto hz_to_mel = [](double hz) { return 2595.0 * std::log10(1.0 + hz / 700.0); };
    const auto f32 = at::TensorOptions().dtype(at::kFloat);
    const at::Tensor all_freqs = at::linspace(0, o.sampling_rate / 2, o.n_fft / 2 + 1, f32);
    const at::Tensor mel_points = at::linspace(hz_to_mel(0.0), hz_to_mel(o.sampling_rate / 2.0), o.n_mels + 2, f32);
    const at::Tensor hz_points = (at::pow(10.0, mel_points / 2595.0) - 1.0) * 700.0;
    const at::Tensor spacing = hz_points.narrow(0, 1, o.n_mels + 1) - hz_points.narrow(0, 0, o.n_mels + 1);
    const at::Tensor slopes = hz_points.unsqueeze(0) - all_freqs.unsqueeze(1);
    const at::Tensor down = (slopes.narrow(1, 0, o.n_mels) * -1.0) / spacing.narrow(0, 0, o.n_mels);
    const at::Tensor up = slopes.narrow(1, 2, o.n_mels) / spacing.narrow(0, 1, o.n_mels);
    filters_ = at::clamp_min(at::minimum(down, up), 0.0);  // [freqs, mels]
    window_ = at::hann_window(o.win_length, /*periodic=*/true, f32);
  }
  std::string kind() const override { return "granite-speech-mel"; }
  int sampling_rate() const override { return options_.sampling_rate; }
  double max_seconds() const override { return std::numeric_limits<double>::infinity(); }

  FeatureBatch extract(const std::vector<AudioBuffer>& clips) const override {
    if (clips.empty()) throw Error(ErrorCode::kInvalidArgument, "granite speech features: empty batch");
    std::vector<std::vector<float>> mono;
    size_t longest = 0;
    for (size_t i = 0; i < clips.size(); ++i) {
      validate_audio(clips[i], "clip " + std::to_string(i));
      mono.push_back(clips[i].sample_rate == sampling_rate() ? clips[i].mono() : resample(clips[i], sampling_rate()).mono());
      longest = std::max(longest, mono.back().size());
    }
    const auto batch = static_cast<int64_t>(mono.size());
    at::Tensor audio = at::zeros({batch, static_cast<int64_t>(longest)}, at::TensorOptions().dtype(at::kFloat));
    for (int64_t b = 0; b < batch; ++b) {
      audio[b].narrow(0, 0, static_cast<int64_t>(mono[b].size()))
          .copy_(at::from_blob(mono[b].data(), {static_cast<int64_t>(mono[b].size())}, at::kFloat));
    }
    if (static_cast<int64_t>(longest) <= options_.n_fft / 2) {
      throw Error(ErrorCode::kInvalidArgument, "granite speech features: a clip needs more than " +
                                                   std::to_string(options_.n_fft / 2) + " samples");
    }
    const at::Tensor spectrum = at::stft(audio, options_.n_fft, options_.hop_length, options_.win_length, window_,
                                         /*center=*/true, "reflect", /*normalized=*/false, /*onesided=*/true,
                                         /*return_complex=*/true);
    const at::Tensor power = spectrum.abs().pow(2.0);                                  // [B, freqs, frames]
    const at::Tensor mel = at::matmul(power.transpose(-1, -2), filters_);              // [B, frames, mels]
    at::Tensor log_mel = mel.clamp_min(1e-10).log10();
    log_mel = at::maximum(log_mel, log_mel.amax({-2, -1}, /*keepdim=*/true) - 8.0) / 4 + 1;
    const int64_t frames = log_mel.size(1) / 2 * 2;
    log_mel = log_mel.narrow(1, 0, frames).contiguous().view({batch, frames / 2, 2 * options_.n_mels});
    FeatureBatch out;
    out.features.shape = {batch, frames / 2, 2 * options_.n_mels};
    out.features.values.assign(log_mel.data_ptr<float>(), log_mel.data_ptr<float>() + log_mel.numel());
    for (const auto& clip : mono) {
      const int64_t pairs = (static_cast<int64_t>(clip.size()) / options_.hop_length + 1) / 2;
      out.valid_frames.push_back(pairs);
      for (int64_t f = 0; f < frames / 2; ++f) out.attention_mask.push_back(f < pairs ? 1 : 0);
    }
    return out;
  }

 private:
  GraniteMelOptions options_;
  at::Tensor filters_, window_;
};

GraniteMelOptions read_mel_options(const ModelConfig& config) {
  GraniteMelOptions o;
  const std::string path = config.folder().empty() ? "" : config.folder() + "/preprocessor_config.json";
  struct stat status {};
  if (path.empty() || stat(path.c_str(), &status) != 0) return o;
  const nlohmann::json json = read_json_file(path);
  const std::string source = "'" + path + "'";
  o.sampling_rate = json_value_or(json, "sampling_rate", o.sampling_rate, source);
  o.n_fft = json_value_or(json, "n_fft", o.n_fft, source);
  o.win_length = json_value_or(json, "win_length", o.win_length, source);
  o.hop_length = json_value_or(json, "hop_length", o.hop_length, source);
  o.n_mels = json_value_or(json, "n_mels", o.n_mels, source);
  if (o.sampling_rate <= 0 || o.n_fft <= 0 || o.hop_length <= 0 || o.n_mels <= 0 || o.win_length > o.n_fft) {
    throw Error(ErrorCode::kInvalidFormat, source + ": sampling_rate, n_fft, hop_length, n_mels must be positive and "
                                                    "win_length at most n_fft");
  }
  return o;
}

// GraniteSpeechEncoderConfig's fields.
struct ConformerShape {
  int64_t input_dim, hidden, layers, heads, dim_head, output_dim, context_size, max_pos_emb;
  int64_t feedforward_mult, conv_expansion_factor, conv_kernel_size;
};

// One conformer block: 0.5 x FFN, block attention, conv module, 0.5 x FFN, post_norm.
class ConformerBlock {
 public:
  ConformerBlock(WeightStore& weights, const std::string& p, const ConformerShape& s) : shape_(s) {
    const int64_t ff = s.hidden * s.feedforward_mult, inner = s.heads * s.dim_head;
    const int64_t conv = s.hidden * s.conv_expansion_factor;
    for (const char* name : {"ff1", "ff2"}) {
      feed_forward_.push_back({nn::LayerNorm::load(weights, p + "." + name + ".pre_norm", s.hidden, 1e-5),
                               nn::Linear::load(weights, p + "." + name + ".up_proj", s.hidden, ff, true),
                               nn::Linear::load(weights, p + "." + name + ".down_proj", ff, s.hidden, true)});
    }
    attn_norm_ = nn::LayerNorm::load(weights, p + ".attn.pre_norm", s.hidden, 1e-5);
    to_q_ = nn::Linear::load(weights, p + ".attn.to_q", s.hidden, inner, false);
    to_kv_ = nn::Linear::load(weights, p + ".attn.to_kv", s.hidden, 2 * inner, false);
    to_out_ = nn::Linear::load(weights, p + ".attn.to_out", inner, s.hidden, true);
    rel_pos_emb_ = weights.take(p + ".attn.rel_pos_emb.weight", {2 * s.max_pos_emb + 1, s.dim_head});
    conv_norm_ = nn::LayerNorm::load(weights, p + ".conv.norm", s.hidden, 1e-5);
    up_conv_ = {weights.take(p + ".conv.up_conv.weight", {2 * conv, s.hidden, 1}),
                weights.take(p + ".conv.up_conv.bias", {2 * conv}, WeightInit::kZeros)};
    depth_conv_ = weights.take(p + ".conv.depth_conv.conv.weight", {conv, 1, s.conv_kernel_size});
    batch_norm_ = {weights.take(p + ".conv.batch_norm.weight", {conv}, WeightInit::kOnes),
                   weights.take(p + ".conv.batch_norm.bias", {conv}, WeightInit::kZeros),
                   weights.take(p + ".conv.batch_norm.running_mean", {conv}, WeightInit::kZeros),
                   weights.take(p + ".conv.batch_norm.running_var", {conv}, WeightInit::kOnes)};
    weights.ignore(p + ".conv.batch_norm.num_batches_tracked");
    down_conv_ = {weights.take(p + ".conv.down_conv.weight", {s.hidden, conv, 1}),
                  weights.take(p + ".conv.down_conv.bias", {s.hidden}, WeightInit::kZeros)};
    post_norm_ = nn::LayerNorm::load(weights, p + ".post_norm", s.hidden, 1e-5);
  }

  at::Tensor forward(at::Tensor h, const at::Tensor& distances) const {
    h = feed(0, h) * 0.5 + h;
    h = attention(h, distances) + h;
    h = convolution(h) + h;
    h = feed(1, h) * 0.5 + h;
    return post_norm_(h);
  }

 private:
  struct FeedForward {
    nn::LayerNorm pre_norm;
    nn::Linear up_proj, down_proj;
  };

  at::Tensor feed(size_t i, const at::Tensor& h) const {
    const FeedForward& f = feed_forward_[i];
    return f.down_proj(at::silu(f.up_proj(f.pre_norm(h))));
  }

  // Attention inside blocks of context_size frames (the last one zero-padded, its padded keys
  // masked), with the bias q . rel_pos_emb[clamp(i - j) + max_pos_emb] scaled like q . k.
  at::Tensor attention(const at::Tensor& input, const at::Tensor& distances) const {
    const int64_t batch = input.size(0), frames = input.size(1), c = shape_.context_size;
    const int64_t blocks = (frames + c - 1) / c, remainder = frames % c;
    at::Tensor h = attn_norm_(input);
    if (remainder > 0) h = at::constant_pad_nd(h, {0, 0, 0, c - remainder}, 0.0);
    const auto split = [&](const at::Tensor& x) {  // [B, blocks, heads, c, d]
      return x.reshape({batch, blocks, c, shape_.heads, shape_.dim_head}).transpose(2, 3);
    };
    const at::Tensor q = split(to_q_(h));
    const auto kv = to_kv_(h).chunk(2, -1);
    const at::Tensor k = split(kv[0]), v = split(kv[1]);
    const double scale = 1.0 / std::sqrt(static_cast<double>(shape_.dim_head));
    const at::Tensor relative = at::embedding(rel_pos_emb_, distances);  // [c, c, d]
    at::Tensor bias = at::einsum("bmhcd,crd->bmhcr", {q, relative}) * scale;
    if (remainder > 0) {
      at::Tensor outside = at::ones({c, c}, at::TensorOptions().dtype(at::kBool).device(h.device()));
      outside.narrow(0, 0, remainder).narrow(1, 0, remainder).fill_(false);
      bias.select(1, blocks - 1).masked_fill_(outside, -std::numeric_limits<float>::max());
    }
    // scaled_dot_product_attention's math path: softmax(q k^T x scale + bias) v.
    const at::Tensor scores = at::matmul(q, k.transpose(-2, -1)) * scale + bias;
    const at::Tensor out = at::matmul(at::softmax(scores, -1), v);  // [B, blocks, heads, c, d]
    return to_out_(out.transpose(2, 3).reshape({batch, blocks * c, -1}).narrow(1, 0, frames));
  }

  at::Tensor convolution(const at::Tensor& input) const {
    at::Tensor x = at::conv1d(conv_norm_(input).permute({0, 2, 1}), up_conv_[0], up_conv_[1]);
    x = at::glu(x, 1);
    const int64_t k = shape_.conv_kernel_size, pad = k / 2;
    x = at::constant_pad_nd(x, {pad, pad - (k + 1) % 2}, 0.0);
    x = at::conv1d(x, depth_conv_, at::Tensor(), at::IntArrayRef{1}, at::IntArrayRef{0}, at::IntArrayRef{1}, x.size(1));
    x = at::batch_norm(x, batch_norm_[0], batch_norm_[1], batch_norm_[2], batch_norm_[3], /*training=*/false, 0.1,
                       1e-5, /*cudnn_enabled=*/false);
    x = at::conv1d(at::silu(x), down_conv_[0], down_conv_[1]);
    return x.permute({0, 2, 1});
  }

  ConformerShape shape_;
  std::vector<FeedForward> feed_forward_;
  nn::LayerNorm attn_norm_, conv_norm_, post_norm_;
  nn::Linear to_q_, to_kv_, to_out_;
  at::Tensor rel_pos_emb_, depth_conv_;
  std::vector<at::Tensor> up_conv_, batch_norm_, down_conv_;
};

class ConformerEncoder : public AudioEncoder {
 public:
  ConformerEncoder(const ModelConfig& config, const ModelConfig& c, WeightStore& weights)
      : features_(read_mel_options(config)) {
    s_ = {c.integer("input_dim", 160),       c.integer("hidden_dim", 1024),  c.integer("num_layers", 10),
          c.integer("num_heads", 8),         c.integer("dim_head", 128),     c.integer("output_dim", 42),
          c.integer("context_size", 200),    c.integer("max_pos_emb", 512),  c.integer("feedforward_mult", 4),
          c.integer("conv_expansion_factor", 2), c.integer("conv_kernel_size", 15)};
    if (s_.context_size <= 0 || s_.context_size > s_.max_pos_emb || s_.layers <= 0) {
      throw Error(ErrorCode::kInvalidFormat, c.source() + ": context_size must be in (0, max_pos_emb] and num_layers > 0");
    }
    input_linear_ = nn::Linear::load(weights, "encoder.input_linear", s_.input_dim, s_.hidden, true);
    for (int64_t i = 0; i < s_.layers; ++i) blocks_.emplace_back(weights, "encoder.layers." + std::to_string(i), s_);
    out_ = nn::Linear::load(weights, "encoder.out", s_.hidden, s_.output_dim, true);
    out_mid_ = nn::Linear::load(weights, "encoder.out_mid", s_.output_dim, s_.hidden, true);
    const at::Tensor position = at::arange(s_.context_size, at::TensorOptions().dtype(at::kLong));
    distances_ = (at::clamp(position.view({-1, 1}) - position.view({1, -1}), -s_.context_size, s_.context_size) +
                  s_.max_pos_emb).to(weights.options().device);
  }

  const FeatureExtractor& features() const override { return features_; }

  // features [clips, frames, input_dim] (frame pairs); no padding mask: a batch runs over its
  // padded length, as transformers does.
  EncodedAudio encode(const at::Tensor& features, const at::Tensor& feature_lengths,
                      const LayerHook* hook) const override {
    if (features.dim() != 3 || features.size(2) != s_.input_dim) {
      throw Error(ErrorCode::kShapeMismatch, "granite speech encoder expects features [clips, frames, " +
                                                 std::to_string(s_.input_dim) + "], got " + shape_text(features.sizes()));
    }
    at::Tensor h = input_linear_(features.to(input_linear_.input_dtype()));
    for (size_t i = 0; i < blocks_.size(); ++i) {
      h = blocks_[i].forward(h, distances_);
      if (static_cast<int64_t>(i + 1) == s_.layers / 2) h = h + out_mid_(at::softmax(out_(h), -1));  // CTC feedback
      if (hook && hook->callback) hook->callback("encoder", static_cast<int>(i), h, at::Tensor());
    }
    const at::Tensor lengths = feature_lengths.defined()
                                   ? feature_lengths.to(at::kLong).cpu()
                                   : at::full({features.size(0)}, features.size(1), at::TensorOptions().dtype(at::kLong));
    return {h, lengths};
  }

 private:
  GraniteSpeechFeatures features_;
  ConformerShape s_;
  nn::Linear input_linear_, out_, out_mid_;
  std::vector<ConformerBlock> blocks_;
  at::Tensor distances_;
};

}  // namespace

ModelParts build_granite_speech(const ModelConfig& config, WeightStore& weights) {
  if (config.boolean("has_lora_adapter", false)) {
    // The released checkpoints' adapter (peft) is not applied: answers would differ from theirs.
    weights.ignore_prefix("language_model.base_model.");
  }
  const ModelConfig text_config = config.nested("text_config");
  ModelParts parts;
  parts.model_type = "granite_speech";
  parts.encoder = std::make_unique<ConformerEncoder>(config, config.nested("encoder_config"), weights);
  const int64_t window = config.integer("window_size", 15), downsample = config.integer("downsample_rate", 5);
  if (window <= 0 || downsample <= 0 || window % downsample != 0) {
    throw Error(ErrorCode::kInvalidFormat, config.source() + ": window_size must be a positive multiple of downsample_rate");
  }
  const QFormerConfig qformer = QFormerConfig::read(config.nested("projector_config"));
  parts.projector = std::make_unique<QFormerProjector>(
      weights, QFormerProjector::Names{"projector.query", "projector.qformer", "projector.linear"}, qformer,
      window / downsample, text_config.integer("hidden_size", 4096), window);
  parts.language_model = build_language_model(text_config, weights, "language_model.", "granite");
  parts.audio_token_id = config.integer("audio_token_index", 49155);
  parts.generation = causal_lm_generation_defaults(text_config);
  return parts;
}

InitRecipe granite_speech_init_recipe() {
  InitRecipe recipe;
  recipe.sizes = {"small"};
  recipe.tokenizer_hint = "a Llama-3 tokenizer folder (.cache/tokenizers/llama3)";
  recipe.needs_tokenizer = true;
  recipe.added_tokens = {"<|start_of_role|>", "<|end_of_role|>", "<|audio|>"};
  recipe.chat_template =
      "{% for message in messages %}<|start_of_role|>{{ message['role'] }}<|end_of_role|>"
      "{% if message['content'] is string %}{{ message['content'] }}{% else %}{% for content in message['content'] %}"
      "{% if 'audio' in content or content['type'] == 'audio' %}<|audio|>{% elif 'text' in content %}"
      "{{ content['text'] }}{% endif %}{% endfor %}{% endif %}<|end_of_text|>\n{% endfor %}"
      "{% if add_generation_prompt %}<|start_of_role|>assistant<|end_of_role|>{% endif %}";
  recipe.config = [](const std::string&, const InitTokens& tokens) {
    nlohmann::json text = llama_text_config({tokens.vocab_size, 128, 2, 4, 2, 384, 8192, true}, tokens);
    text["model_type"] = "granite";
    text["rope_scaling"] = nullptr;
    text["rope_theta"] = 10000.0;
    text["eos_token_id"] = tokens.id("<|end_of_text|>", 0);
    text.update({{"embedding_multiplier", 12.0}, {"attention_multiplier", 0.03125}, {"residual_multiplier", 0.22},
                 {"logits_scaling", 8.0}});
    return nlohmann::json{
        {"architectures", {"GraniteSpeechForConditionalGeneration"}}, {"model_type", "granite_speech"},
        {"audio_token_index", tokens.id("<|audio|>", -1)}, {"window_size", 15}, {"downsample_rate", 5},
        {"has_lora_adapter", false},
        {"encoder_config", {{"model_type", "granite_speech_encoder"}, {"input_dim", 160}, {"hidden_dim", 128},
                            {"num_layers", 2}, {"num_heads", 4}, {"dim_head", 32}, {"output_dim", 32},
                            {"context_size", 20}, {"max_pos_emb", 32}, {"feedforward_mult", 2},
                            {"conv_expansion_factor", 2}, {"conv_kernel_size", 5}}},
        {"projector_config", {{"model_type", "blip_2_qformer"}, {"hidden_size", 64}, {"num_hidden_layers", 1},
                              {"num_attention_heads", 4}, {"intermediate_size", 128}, {"encoder_hidden_size", 128},
                              {"cross_attention_frequency", 1}, {"layer_norm_eps", 1e-12}}},
        {"text_config", text}};
  };
  recipe.preprocessor_config = [](const nlohmann::json&) {
    return nlohmann::json{{"feature_extractor_type", "GraniteSpeechFeatureExtractor"}, {"sampling_rate", 16000},
                          {"n_fft", 512}, {"win_length", 400}, {"hop_length", 160}, {"n_mels", 80},
                          {"projector_window_size", 15}, {"projector_downsample_rate", 5}};
  };
  return recipe;
}

}  // namespace almkit
