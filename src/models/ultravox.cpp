#include "models/ultravox.h"

#include "almkit/error.h"
#include "models/audio_frontend.h"
#include "models/causal_lm.h"
#include "models/llama.h"
#include "models/projectors/frame_stacking.h"
#include "models/registry.h"
#include "models/whisper_encoder.h"

namespace almkit {
namespace {

// UltravoxProcessor's features: Whisper log-mel with padding="longest" and pad_to_multiple_of
// one hop (no padding to 30 s).
class UltravoxFeatures : public FeatureExtractor {
 public:
  explicit UltravoxFeatures(const WhisperMelOptions& options) : mel_(unpadded(options)) {}
  std::string kind() const override { return "whisper-mel"; }
  int sampling_rate() const override { return mel_.options().sampling_rate; }
  double max_seconds() const override { return mel_.options().chunk_length; }
  FeatureBatch extract(const std::vector<AudioBuffer>& clips) const override {
    std::vector<std::vector<float>> mono;
    const int64_t hop = mel_.options().hop_length;
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

class UltravoxEncoder : public AudioEncoder {
 public:
  UltravoxEncoder(const ModelConfig& config, WeightStore& weights, const WhisperEncoderShape& shape)
      : stack_(weights, "audio_tower", shape),
        layer_norm_(nn::LayerNorm::load(weights, "audio_tower.layer_norm", shape.d_model, 1e-5)),
        features_(stack_.feature_options(config)) {}

  const FeatureExtractor& features() const override { return features_; }

  EncodedAudio encode(const at::Tensor& features, const at::Tensor& feature_lengths,
                      const LayerHook* hook) const override {
    // Positions after the stride-2 convolution; keys past each clip's are masked.
    const at::Tensor lengths = at::floor_divide(feature_lengths.to(at::kLong).cpu() - 1, 2) + 1;
    const int64_t positions = (features.size(2) - 1) / 2 + 1;
    const at::Tensor key_mask =
        at::arange(positions, at::TensorOptions().dtype(at::kLong)).unsqueeze(0) < lengths.unsqueeze(1);
    return {layer_norm_(stack_.forward(features, key_mask.to(features.device()), hook)), lengths};
  }

 private:
  WhisperEncoderStack stack_;
  nn::LayerNorm layer_norm_;
  UltravoxFeatures features_;
};

class UltravoxProjector : public Projector {
 public:
  UltravoxProjector(const ModelConfig& config, WeightStore& weights, int64_t audio_width, int64_t text_width)
      : stack_factor_(config.integer("stack_factor", 8)), ln_mid_(config.boolean("projector_ln_mid", false)) {
    const std::string act = config.string("projector_act", "swiglu");
    if (act != "swiglu") {
      throw Error(ErrorCode::kUnsupported, config.source() + ": projector_act '" + act + "' is not supported (swiglu)");
    }
    const int64_t hidden = config.integer("hidden_size", 4096), in = audio_width * stack_factor_;
    if (stack_factor_ <= 0 || hidden % 2 != 0) {
      throw Error(ErrorCode::kInvalidFormat, config.source() + ": stack_factor must be positive and hidden_size even");
    }
    // RMSNorm eps: the projector's class default (not in the config).
    ln_pre_ = nn::RmsNorm::load(weights, "multi_modal_projector.ln_pre", in, 1e-6);
    linear_1_ = nn::Linear::load(weights, "multi_modal_projector.linear_1", in, hidden, false);
    if (ln_mid_) ln_norm_ = nn::RmsNorm::load(weights, "multi_modal_projector.ln_mid", hidden / 2, 1e-6);
    linear_2_ = nn::Linear::load(weights, "multi_modal_projector.linear_2", hidden / 2, text_width, false);
    if (!ln_mid_) ln_norm_ = nn::RmsNorm::load(weights, "multi_modal_projector.ln_post", text_width, 1e-6);
  }

  EncodedAudio project(const EncodedAudio& encoded, const LayerHook*) const override {
    const EncodedAudio stacked = stack_frames(encoded, stack_factor_);
    const at::Tensor h = linear_1_(ln_pre_(stacked.hidden));
    const auto halves = h.chunk(2, -1);  // SwiGLU: silu(gate) * x with (x, gate) = h.chunk(2)
    at::Tensor x = nn::gated_activation("silu", halves[1].contiguous(), halves[0].contiguous());
    if (ln_mid_) x = ln_norm_(x);
    x = linear_2_(x);
    if (!ln_mid_) x = ln_norm_(x);
    return {x, stacked.output_lengths};
  }

 private:
  int64_t stack_factor_;
  bool ln_mid_;
  nn::RmsNorm ln_pre_, ln_norm_;
  nn::Linear linear_1_, linear_2_;
};

}  // namespace

ModelParts build_ultravox(const ModelConfig& config, WeightStore& weights) {
  const ModelConfig audio_config = config.nested("audio_config");
  const ModelConfig text_config = config.nested("text_config");
  // audio_config is saved as a diff against WhisperConfig's defaults.
  WhisperEncoderShape shape = WhisperEncoderShape::from_config(audio_config, WhisperEncoderShape{});
  shape.accepts_shorter_input = true;
  ModelParts parts;
  parts.model_type = "ultravox";
  parts.encoder = std::make_unique<UltravoxEncoder>(config, weights, shape);
  parts.language_model = build_language_model(text_config, weights, "language_model.", "llama");
  parts.projector = std::make_unique<UltravoxProjector>(config, weights, shape.d_model,
                                                        text_config.integer("hidden_size", 4096));
  parts.audio_token_id = config.integer("audio_token_index", -1);
  if (parts.audio_token_id < 0) {
    throw Error(ErrorCode::kInvalidFormat,
                config.source() + ": audio_token_index is not set: almkit needs the id of the prompt's audio "
                                  "placeholder token (e.g. a <|audio|> token added to the tokenizer)");
  }
  parts.generation = causal_lm_generation_defaults(text_config);
  return parts;
}

InitRecipe ultravox_init_recipe() {
  InitRecipe recipe;
  recipe.sizes = {"small"};
  recipe.tokenizer_hint = "a Llama-3 tokenizer folder (.cache/tokenizers/llama3)";
  recipe.needs_tokenizer = true;
  recipe.added_tokens = {"<|audio|>"};
  recipe.chat_template = llama3_chat_template("<|audio|>");
  recipe.config = [](const std::string&, const InitTokens& tokens) {
    const nlohmann::json text = llama_text_config({tokens.vocab_size, 128, 2, 4, 2, 384, 8192, true}, tokens);
    return nlohmann::json{
        {"architectures", {"UltravoxModel"}}, {"model_type", "ultravox"},
        {"audio_token_index", tokens.id("<|audio|>", -1)}, {"stack_factor", 8}, {"hidden_size", 256},
        {"projector_act", "swiglu"}, {"projector_ln_mid", true}, {"norm_init", 0.4},
        {"audio_config", {{"model_type", "whisper"}, {"num_mel_bins", 128}, {"d_model", 128}, {"encoder_layers", 2},
                          {"encoder_attention_heads", 4}, {"encoder_ffn_dim", 512}, {"max_source_positions", 1500}}},
        {"text_config", text}};
  };
  recipe.preprocessor_config = [](const nlohmann::json&) { return whisper_preprocessor_config(128); };
  return recipe;
}

}  // namespace almkit
