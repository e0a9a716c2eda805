#include "models/ultravox.h"

#include <algorithm>

#include "almkit/error.h"
#include "models/audio_frontend.h"
#include "models/causal_lm.h"
#include "models/llama.h"
#include "models/projectors/frame_stacking.h"
#include "models/registry.h"
#include "models/whisper_encoder.h"
#include "models/whisper_long_audio.h"

namespace almkit {
namespace {

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
  const WhisperEncoderShape shape = WhisperEncoderShape::from_config(audio_config, WhisperEncoderShape{});
  ModelParts parts;
  parts.model_type = "ultravox";
  parts.language_model = build_language_model(text_config, weights, "language_model.", "llama");
  WhisperTowerOptions tower;
  tower.full_window = false;  // UltravoxProcessor: padding="longest", no 30 s padding
  // Longer clips (UltravoxProcessor._chunk_and_pad_audio): the mel of the whole clip cut into
  // chunks of 3000 frames (audio_context_size), each encoded and stacked on its own: ceil(Lc / 16)
  // rows for Lc frames. Upstream sets no maximum; almkit takes the chunks the LM's positions hold.
  const int64_t stack_factor = config.integer("stack_factor", 8);
  LongAudioRule long_audio;
  long_audio.split = LongAudioSplit::kMelThenWindows;
  long_audio.row_multiple = std::max<int64_t>(1, stack_factor);
  const int64_t rows_per_window = (shape.max_source_positions + long_audio.row_multiple - 1) /
                                  long_audio.row_multiple;
  long_audio.max_windows = std::max<int64_t>(1, parts.language_model->max_positions() / rows_per_window);
  parts.encoder = with_long_audio(build_whisper_tower(config, weights, shape, tower), config, shape,
                                  tower.full_window, long_audio);
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
