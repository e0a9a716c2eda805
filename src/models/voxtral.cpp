#include "models/voxtral.h"

#include <algorithm>

#include "almkit/error.h"
#include "models/audio_frontend.h"
#include "models/causal_lm.h"
#include "models/llama.h"
#include "models/projectors/mlp_projector.h"
#include "models/registry.h"
#include "models/whisper_encoder.h"
#include "models/whisper_long_audio.h"

namespace almkit {

ModelParts build_voxtral(const ModelConfig& config, WeightStore& weights) {
  // VoxtralEncoderConfig's defaults: Whisper-large-v3's tower.
  const WhisperEncoderShape defaults = WhisperEncoderShape::large_v3();
  const ModelConfig audio_config = config.nested("audio_config");
  const ModelConfig text_config = config.nested("text_config");
  const WhisperEncoderShape shape = WhisperEncoderShape::from_config(audio_config, defaults);
  ModelParts parts;
  parts.model_type = "voxtral";
  parts.language_model = build_language_model(text_config, weights, "language_model.", "llama");
  MlpProjectorShape projector;
  projector.stack_factor = 4;  // reshape(-1, audio_config.intermediate_size = 4 x width)
  if (shape.ffn_dim != projector.stack_factor * shape.d_model) {
    throw Error(ErrorCode::kUnsupported, audio_config.source() + ": intermediate_size " + std::to_string(shape.ffn_dim) +
                                             " is not 4 x hidden_size: the projector's stacking is fixed at 4 frames");
  }
  WhisperTowerOptions tower;
  tower.mask_padding = false;  // the encoder sees the whole window; every position is used
  // VoxtralProcessor: the clip zero-padded to whole 30 s windows (pad_to_multiple_of 480000, no
  // truncation), one mel of it all, cut into windows of 3000 frames, each encoded on its own:
  // 375 rows a window. Upstream sets no maximum; almkit takes the windows the LM's positions hold.
  LongAudioRule long_audio;
  long_audio.split = LongAudioSplit::kMelThenWindows;
  const int64_t rows_per_window = shape.max_source_positions / projector.stack_factor;
  long_audio.max_windows = std::max<int64_t>(1, parts.language_model->max_positions() / rows_per_window);
  parts.encoder = with_long_audio(build_whisper_tower(config, weights, shape, tower), config, shape,
                                  tower.full_window, long_audio);
  projector.input = shape.d_model;
  projector.hidden = projector.output = text_config.integer("hidden_size", 3072);
  projector.bias = false;
  projector.activation = config.string("projector_hidden_act", "gelu");
  parts.projector = std::make_unique<MlpProjector>(weights, projector);
  parts.audio_token_id = config.integer("audio_token_id", 24);
  parts.generation = causal_lm_generation_defaults(text_config);
  return parts;
}

InitRecipe voxtral_init_recipe() {
  InitRecipe recipe;
  recipe.sizes = {"small"};
  recipe.tokenizer_hint = "a Llama-3 tokenizer folder (.cache/tokenizers/llama3)";
  recipe.needs_tokenizer = true;
  recipe.added_tokens = {"[INST]", "[/INST]", "[BEGIN_AUDIO]", "[AUDIO]"};
  // Mistral's instruct format: [INST] user turn [/INST] answer </s>; audio as [BEGIN_AUDIO] and
  // its tokens, one placeholder here (expanded to the clip's 375 rows).
  recipe.chat_template =
      "{{ bos_token }}{% for message in messages %}{% if message['role'] == 'user' %}[INST]"
      "{% if message['content'] is string %}{{ message['content'] }}{% else %}{% for content in message['content'] %}"
      "{% if 'audio' in content or content['type'] == 'audio' %}[BEGIN_AUDIO][AUDIO]{% elif 'text' in content %}"
      "{{ content['text'] }}{% endif %}{% endfor %}{% endif %}[/INST]{% elif message['role'] == 'assistant' %}"
      "{{ message['content'] }}{{ eos_token }}{% endif %}{% endfor %}";
  recipe.config = [](const std::string&, const InitTokens& tokens) {
    return nlohmann::json{
        {"architectures", {"VoxtralForConditionalGeneration"}}, {"model_type", "voxtral"},
        {"audio_token_id", tokens.id("[AUDIO]", -1)}, {"projector_hidden_act", "gelu"},
        {"audio_config", {{"model_type", "voxtral_encoder"}, {"num_mel_bins", 128}, {"hidden_size", 128},
                          {"num_hidden_layers", 2}, {"num_attention_heads", 4}, {"intermediate_size", 512},
                          {"max_source_positions", 1500}}},
        {"text_config", llama_text_config({tokens.vocab_size, 128, 2, 4, 2, 384, 8192, true}, tokens)}};
  };
  recipe.preprocessor_config = [](const nlohmann::json&) { return whisper_preprocessor_config(128); };
  return recipe;
}

}  // namespace almkit
