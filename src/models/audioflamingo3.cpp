#include "models/audioflamingo3.h"

#include <sys/stat.h>

#include "almkit/error.h"
#include "io/json_file.h"
#include "models/audio_frontend.h"
#include "models/causal_lm.h"
#include "models/qwen2.h"
#include "models/projectors/mlp_projector.h"
#include "models/registry.h"
#include "models/whisper_encoder.h"
#include "models/whisper_long_audio.h"

namespace almkit {
namespace {

// AudioFlamingo3Processor's max_audio_len from the folder's processor_config.json (default 600).
int64_t audioflamingo3_max_audio_seconds(const ModelConfig& config) {
  const std::string path = config.folder().empty() ? "" : config.folder() + "/processor_config.json";
  struct stat status {};
  if (path.empty() || stat(path.c_str(), &status) != 0) return 600;
  const int64_t seconds = json_value_or<int64_t>(read_json_file(path), "max_audio_len", 600, "'" + path + "'");
  if (seconds < 30) {
    throw Error(ErrorCode::kInvalidFormat, "'" + path + "': max_audio_len " + std::to_string(seconds) +
                                               " is shorter than one 30 s window");
  }
  return seconds;
}

}  // namespace

ModelParts build_audioflamingo3(const ModelConfig& config, WeightStore& weights) {
  // AudioFlamingo3EncoderConfig's defaults: Whisper-large-v3's tower.
  const WhisperEncoderShape defaults = WhisperEncoderShape::large_v3();
  const ModelConfig audio_config = config.nested("audio_config");
  const ModelConfig text_config = config.nested("text_config");
  const WhisperEncoderShape shape = WhisperEncoderShape::from_config(audio_config, defaults);
  ModelParts parts;
  parts.model_type = "audioflamingo3";
  WhisperTowerOptions tower;
  tower.pool = true;
  // AudioFlamingo3Processor: the samples cut into 30 s windows, each through the padded 30 s mel;
  // each window's rows ((Lw - 1) // 2 + 1 - 2) // 2 + 1 for its Lw frames, in order. Up to
  // max_audio_len (600 s, processor_config.json): upstream truncates past it, almkit refuses.
  LongAudioRule long_audio;
  long_audio.split = LongAudioSplit::kWindowsThenMel;
  long_audio.max_windows = audioflamingo3_max_audio_seconds(config) / 30;
  parts.encoder = with_long_audio(build_whisper_tower(config, weights, shape, tower), config, shape,
                                  tower.full_window, long_audio);
  MlpProjectorShape projector;
  projector.input = shape.d_model;
  projector.hidden = projector.output = text_config.integer("hidden_size", 3584);
  projector.bias = config.boolean("projector_bias", true);
  projector.activation = config.string("projector_hidden_act", "gelu");
  parts.projector = std::make_unique<MlpProjector>(weights, projector);
  parts.language_model = build_language_model(text_config, weights, "language_model.", "qwen2");
  parts.audio_token_id = config.integer("audio_token_id", 151669);
  parts.generation = causal_lm_generation_defaults(text_config);
  return parts;
}

InitRecipe audioflamingo3_init_recipe() {
  InitRecipe recipe;
  recipe.sizes = {"small"};
  recipe.tokenizer_hint = "a Qwen tokenizer folder (.cache/tokenizers/qwen3)";
  recipe.needs_tokenizer = true;
  recipe.added_tokens = {"<sound>"};
  recipe.chat_template = chatml_template("You are a helpful assistant.", "<sound>");
  recipe.config = [](const std::string&, const InitTokens& tokens) {
    return nlohmann::json{
        {"architectures", {"AudioFlamingo3ForConditionalGeneration"}}, {"model_type", "audioflamingo3"},
        {"audio_token_id", tokens.id("<sound>", -1)}, {"projector_bias", true}, {"projector_hidden_act", "gelu"},
        {"audio_config", {{"model_type", "audioflamingo3_encoder"}, {"num_mel_bins", 128}, {"hidden_size", 128},
                          {"num_hidden_layers", 2}, {"num_attention_heads", 4}, {"intermediate_size", 512},
                          {"max_source_positions", 1500}}},
        {"text_config", qwen2_text_config({tokens.vocab_size, 128, 2, 4, 2, 384, 8192, false}, tokens)}};
  };
  recipe.preprocessor_config = [](const nlohmann::json&) { return whisper_preprocessor_config(128); };
  return recipe;
}

}  // namespace almkit
