#include "models/qwen2_5_omni.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "almkit/error.h"
#include "models/audio_frontend.h"
#include "models/causal_lm.h"
#include "models/qwen2.h"
#include "models/whisper_encoder.h"

namespace almkit {
namespace {

// Whisper's sinusoids as transformers' SinusoidsPositionEmbedding computes them in float32:
// [sin(t * f_c), cos(t * f_c)] with f_c = exp(-c * ln(10000) / (channels / 2 - 1)).
at::Tensor sinusoids(int64_t length, int64_t channels) {
  const double increment = std::log(10000.0) / static_cast<double>(channels / 2 - 1);
  const at::Tensor inverse = at::exp(at::arange(channels / 2, at::TensorOptions().dtype(at::kFloat)) * -increment);
  const at::Tensor scaled = at::arange(length, at::TensorOptions().dtype(at::kLong)).unsqueeze(1) * inverse.unsqueeze(0);
  return at::cat({scaled.sin(), scaled.cos()}, 1);
}

class OmniAudioEncoder : public AudioEncoder {
 public:
  OmniAudioEncoder(const ModelConfig& config, const ModelConfig& audio_config, WeightStore& weights,
                   const std::string& prefix, const WhisperEncoderShape& shape)
      : stack_(weights, prefix, shape),
        chunk_frames_(2 * audio_config.integer("n_window", 100)),
        ln_post_(nn::LayerNorm::load(weights, prefix + ".ln_post", shape.d_model, 1e-5)),
        proj_(nn::Linear::load(weights, prefix + ".proj", shape.d_model, audio_config.integer("output_dim", 3584), true)),
        positions_(sinusoids(shape.max_source_positions, shape.d_model).to(weights.options().device)),
        features_(make_whisper_feature_extractor(stack_.feature_options(config))) {
    weights.ignore(prefix + ".audio_bos_eos_token.weight");  // not read by the thinker's audio path
    if (chunk_frames_ <= 0) throw Error(ErrorCode::kInvalidFormat, audio_config.source() + ": n_window must be positive");
  }

  const FeatureExtractor& features() const override { return *features_; }

  EncodedAudio encode(const at::Tensor& features, const at::Tensor& feature_lengths,
                      const LayerHook* hook) const override {
    // Each clip's real frames in chunks of chunk_frames_ (the last holds the rest), all chunks
    // of all clips padded to one batch, as the thinker's get_audio_features lays them out.
    const at::Tensor lengths = feature_lengths.defined()
                                   ? feature_lengths.to(at::kLong).cpu()
                                   : at::full({features.size(0)}, features.size(2), at::TensorOptions().dtype(at::kLong));
    const int64_t clips = lengths.size(0), bins = features.size(1);
    std::vector<int64_t> chunk_clip, chunk_start, chunk_length;
    for (int64_t c = 0; c < clips; ++c) {
      const int64_t frames = lengths[c].item<int64_t>();
      for (int64_t start = 0; start < frames; start += chunk_frames_) {
        chunk_clip.push_back(c);
        chunk_start.push_back(start);
        chunk_length.push_back(std::min(chunk_frames_, frames - start));
      }
    }
    const auto chunks = static_cast<int64_t>(chunk_clip.size());
    at::Tensor padded = at::zeros({chunks, bins, chunk_frames_}, features.options());
    at::Tensor frame_mask = at::zeros({chunks, chunk_frames_}, features.options());
    for (int64_t i = 0; i < chunks; ++i) {
      padded[i].narrow(1, 0, chunk_length[i]).copy_(features[chunk_clip[i]].narrow(1, chunk_start[i], chunk_length[i]));
      frame_mask[i].narrow(0, 0, chunk_length[i]).fill_(1);
    }
    at::Tensor h = stack_.stem(padded, frame_mask);  // [chunks, positions, d]
    h = h + positions_.narrow(0, 0, h.size(1)).to(h.scalar_type());
    // The real positions of every chunk, one after the other; attention stays inside a chunk.
    std::vector<at::Tensor> rows;
    std::vector<int64_t> chunk_of_row;
    for (int64_t i = 0; i < chunks; ++i) {
      const int64_t n = (chunk_length[i] - 1) / 2 + 1;
      rows.push_back(h[i].narrow(0, 0, n));
      chunk_of_row.insert(chunk_of_row.end(), n, i);
    }
    const at::Tensor sequence = at::cat(rows, 0).unsqueeze(0);
    const at::Tensor chunk = at::tensor(chunk_of_row, at::TensorOptions().dtype(at::kLong)).to(h.device());
    const at::Tensor same_chunk = chunk.unsqueeze(0) == chunk.unsqueeze(1);
    const at::Tensor mask = at::zeros(same_chunk.sizes(), h.options())
                                .masked_fill(same_chunk.logical_not(), std::numeric_limits<float>::lowest())
                                .view({1, 1, same_chunk.size(0), same_chunk.size(1)});
    const at::Tensor encoded = stack_.run_layers(sequence, mask, hook)[0];
    // Per clip: pairs of frames averaged, ln_post, proj.
    std::vector<at::Tensor> outputs;
    std::vector<int64_t> output_lengths;
    int64_t offset = 0;
    for (int64_t c = 0; c < clips; ++c) {
      const int64_t after_cnn = (lengths[c].item<int64_t>() - 1) / 2 + 1;
      const at::Tensor clip = encoded.narrow(0, offset, after_cnn);
      offset += after_cnn;
      const at::Tensor pooled = at::avg_pool1d(clip.transpose(0, 1).unsqueeze(0), {2}, {2})[0].transpose(0, 1);
      outputs.push_back(proj_(ln_post_(pooled)));
      output_lengths.push_back(outputs.back().size(0));
    }
    const int64_t longest = *std::max_element(output_lengths.begin(), output_lengths.end());
    at::Tensor hidden = at::zeros({clips, longest, outputs[0].size(1)}, outputs[0].options());
    for (int64_t c = 0; c < clips; ++c) hidden[c].narrow(0, 0, output_lengths[c]).copy_(outputs[c]);
    return {hidden, at::tensor(output_lengths, at::TensorOptions().dtype(at::kLong))};
  }

 private:
  WhisperEncoderStack stack_;
  int64_t chunk_frames_;
  nn::LayerNorm ln_post_;
  nn::Linear proj_;
  at::Tensor positions_;
  std::unique_ptr<FeatureExtractor> features_;
};

}  // namespace

ModelParts build_qwen2_5_omni(const ModelConfig& config, WeightStore& weights) {
  const bool full_model = config.model_type() == "qwen2_5_omni";
  const ModelConfig thinker = full_model ? config.nested("thinker_config") : config;
  const std::string prefix = full_model ? "thinker." : "";
  if (full_model) {
    // Speech output (talker, token2wav) is out of scope: its weights are left aside.
    weights.ignore_prefix("talker.");
    weights.ignore_prefix("token2wav.");
  }
  weights.ignore_prefix(prefix + "visual.");  // the vision tower: audio and text only here
  const ModelConfig audio_config = thinker.nested("audio_config");
  // Qwen2_5OmniAudioEncoderConfig's defaults (Qwen2.5-Omni-7B's tower).
  const WhisperEncoderShape defaults = WhisperEncoderShape::large_v3();
  WhisperEncoderShape shape = WhisperEncoderShape::from_config(audio_config, defaults);
  shape.learned_positions = false;
  ModelParts parts;
  parts.model_type = config.model_type();
  parts.encoder = std::make_unique<OmniAudioEncoder>(config, audio_config, weights, prefix + "audio_tower", shape);
  const ModelConfig text_config = thinker.nested("text_config");
  parts.language_model = build_qwen2_language_model(text_config, weights, prefix);
  parts.audio_token_id = thinker.integer("audio_token_index", 151646);
  parts.generation = causal_lm_generation_defaults(text_config);
  return parts;
}

InitRecipe qwen2_5_omni_thinker_init_recipe() {
  InitRecipe recipe;
  recipe.sizes = {"small"};
  recipe.tokenizer_hint = "a Qwen tokenizer folder (.cache/tokenizers/qwen3)";
  recipe.needs_tokenizer = true;
  recipe.added_tokens = {"<|audio_bos|>", "<|AUDIO|>", "<|audio_eos|>"};
  recipe.chat_template = chatml_template(
      "You are Qwen, a virtual human developed by the Qwen Team, Alibaba Group, capable of perceiving auditory "
      "and visual inputs, as well as generating text and speech.",
      "<|audio_bos|><|AUDIO|><|audio_eos|>");
  recipe.config = [](const std::string&, const InitTokens& tokens) {
    nlohmann::json text = qwen2_text_config({tokens.vocab_size, 128, 2, 4, 2, 384, 8192, false}, tokens);
    text["model_type"] = "qwen2_5_omni_text";
    text["rope_scaling"] = {{"type", "default"}, {"rope_type", "default"}, {"mrope_section", {4, 6, 6}}};
    return nlohmann::json{
        {"architectures", {"Qwen2_5OmniThinkerForConditionalGeneration"}}, {"model_type", "qwen2_5_omni_thinker"},
        {"audio_token_index", tokens.id("<|AUDIO|>", -1)}, {"audio_start_token_id", tokens.id("<|audio_bos|>", -1)},
        {"audio_end_token_id", tokens.id("<|audio_eos|>", -1)},
        {"audio_config", {{"model_type", "qwen2_5_omni_audio_encoder"}, {"num_mel_bins", 128}, {"d_model", 128},
                          {"encoder_layers", 2}, {"encoder_attention_heads", 4}, {"encoder_ffn_dim", 512},
                          {"max_source_positions", 1500}, {"n_window", 100}, {"output_dim", 128}}},
        {"text_config", text}};
  };
  recipe.preprocessor_config = [](const nlohmann::json&) {
    // The hub folders' WhisperFeatureExtractor: 300 s (Qwen2_5OmniProcessor pads every clip to
    // n_samples and truncates past it; the encoder's n_window chunks take any length up to it).
    nlohmann::json features = whisper_preprocessor_config(128);
    features["chunk_length"] = 300;
    features["n_samples"] = 4800000;
    features["nb_max_frames"] = 30000;
    return features;
  };
  return recipe;
}

}  // namespace almkit
