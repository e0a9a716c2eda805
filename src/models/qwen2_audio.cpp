#include "models/qwen2_audio.h"

#include "models/audio_frontend.h"
#include "models/causal_lm.h"
#include "models/qwen2.h"
#include "models/whisper_encoder.h"

namespace almkit {
namespace {

class LinearProjector : public Projector {
 public:
  LinearProjector(WeightStore& weights, int64_t in, int64_t out)
      : linear_(nn::Linear::load(weights, "multi_modal_projector.linear", in, out, true)) {}
  EncodedAudio project(const EncodedAudio& encoded, const LayerHook*) const override {
    return {linear_(encoded.hidden), encoded.output_lengths};
  }

 private:
  nn::Linear linear_;
};

}  // namespace

ModelParts build_qwen2_audio(const ModelConfig& config, WeightStore& weights) {
  // Qwen2AudioEncoderConfig's defaults (Qwen2-Audio-7B's tower).
  const WhisperEncoderShape defaults = WhisperEncoderShape::large_v3();
  const ModelConfig audio_config = config.nested("audio_config");
  const ModelConfig text_config = config.nested("text_config");
  const WhisperEncoderShape shape = WhisperEncoderShape::from_config(audio_config, defaults);
  ModelParts parts;
  parts.model_type = "qwen2_audio";
  WhisperTowerOptions tower;
  tower.pool = true;
  parts.encoder = build_whisper_tower(config, weights, shape, tower);
  const int64_t text_hidden = text_config.integer("hidden_size", 4096);
  parts.projector = std::make_unique<LinearProjector>(weights, shape.d_model, text_hidden);
  parts.language_model = build_qwen2_language_model(text_config, weights, "language_model.");
  parts.audio_token_id = config.integer("audio_token_index", 151646);
  parts.generation = causal_lm_generation_defaults(text_config);
  const int64_t pad = config.integer("pad_token_id", -1);
  if (pad >= 0) parts.generation.pad_token_id = pad;
  return parts;
}

InitRecipe qwen2_audio_init_recipe() {
  InitRecipe recipe;
  recipe.sizes = {"small", "7b"};  // 7b: Qwen2-Audio-7B's published tower and language model
  recipe.tokenizer_hint = "a Qwen tokenizer folder (.cache/tokenizers/qwen3)";
  recipe.needs_tokenizer = true;
  recipe.added_tokens = {"<|audio_bos|>", "<|AUDIO|>", "<|audio_eos|>"};
  // Qwen2-Audio-7B-Instruct's chat template, also accepting bare {"type": "audio"} parts.
  recipe.chat_template =
      "{% set audio_count = namespace(value=0) %}{% for message in messages %}{% if loop.first and "
      "message['role'] != 'system' %}<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n{% endif %}"
      "<|im_start|>{{ message['role'] }}\n{% if message['content'] is string %}{{ message['content'] }}"
      "<|im_end|>\n{% else %}{% for content in message['content'] %}{% if 'audio' in content or 'audio_url' "
      "in content or content['type'] == 'audio' %}{% set audio_count.value = audio_count.value + 1 %}Audio "
      "{{ audio_count.value }}: <|audio_bos|><|AUDIO|><|audio_eos|>\n{% elif 'text' in content %}"
      "{{ content['text'] }}{% endif %}{% endfor %}<|im_end|>\n{% endif %}{% endfor %}{% if "
      "add_generation_prompt %}<|im_start|>assistant\n{% endif %}";
  recipe.config = [](const std::string& size, const InitTokens& tokens) {
    const bool big = size == "7b";
    const TextModelSize text = big ? TextModelSize{std::max<int64_t>(156032, tokens.vocab_size), 4096, 32, 32, 32, 11008, 8192, false}
                                   : TextModelSize{tokens.vocab_size, 128, 2, 4, 2, 384, 8192, false};
    const int64_t d_model = big ? 1280 : 128, layers = big ? 32 : 2, heads = big ? 20 : 4, ffn = big ? 5120 : 512;
    const nlohmann::json text_config = qwen2_text_config(text, tokens);
    return nlohmann::json{
        {"architectures", {"Qwen2AudioForConditionalGeneration"}}, {"model_type", "qwen2_audio"},
        {"audio_token_index", tokens.id("<|AUDIO|>", -1)}, {"pad_token_id", text_config["pad_token_id"]},
        {"audio_config", {{"model_type", "qwen2_audio_encoder"}, {"num_mel_bins", 128}, {"d_model", d_model},
                          {"encoder_layers", layers}, {"encoder_attention_heads", heads}, {"encoder_ffn_dim", ffn},
                          {"max_source_positions", 1500}}},
        {"text_config", text_config}};
  };
  recipe.preprocessor_config = [](const nlohmann::json&) { return whisper_preprocessor_config(128); };
  return recipe;
}

}  // namespace almkit
