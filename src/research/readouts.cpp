#include "research/readouts.h"

#include "almkit/error.h"

namespace almkit::research {

std::vector<int> all_layers(int64_t layers) {
  std::vector<int> out;
  for (int i = 0; i <= layers; ++i) out.push_back(i);
  return out;
}

DecoderInput prepare_prompt(const Pipeline& pipeline, const PromptTensors& prompt,
                            nn::KvCache& cache, const LayerHook* encoder_hook,
                            EncodedAudio* encoded, EncodedAudio* projected) {
  EncodedAudio enc, proj;
  const bool audio = prompt.features.defined();
  if (audio) {
    enc = pipeline.encode(prompt.features, prompt.feature_lengths, encoder_hook);
    proj = pipeline.project(enc, encoder_hook);
  }
  DecoderInput input = pipeline.prepare(prompt.ids, prompt.attention_mask, audio ? &proj : nullptr,
                                        cache, prompt.clips_per_row);
  if (encoded) *encoded = enc;
  if (projected) *projected = proj;
  return input;
}

namespace {

bool contains(const std::vector<int>& list, int value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

// Collects what the hook sees; layer indices are transformers' hidden_states indices.
struct Capture {
  std::map<int, at::Tensor> encoder, decoder, attention, heads;
  int encoder_layers = 0, decoder_layers = 0;
};

}  // namespace

ForwardResult run_forward(const Pipeline& pipeline, const PromptTensors& prompt,
                          const ReadoutOptions& options, const Interventions* interventions) {
  const LanguageModel& lm = pipeline.language_model();
  auto capture = std::make_shared<Capture>();
  const bool want_encoder = !options.encoder_layers.empty();
  const bool want_decoder =
      !options.decoder_layers.empty() || options.logit_lens || options.layer_outputs;
  const bool want_attention = options.attention || options.audio_attention_share;
  LayerHook reader;
  reader.want_input = want_encoder;
  reader.want_attention = want_attention;
  reader.callback = [capture, want_encoder, want_decoder, want_attention](
                        const std::string& stack, int layer, at::Tensor& hidden,
                        const at::Tensor& attention) {
    if (stack == "encoder" && want_encoder) {
      capture->encoder[layer + 1] = hidden;
      capture->encoder_layers = std::max(capture->encoder_layers, layer + 1);
    } else if (stack == "decoder") {
      if (want_decoder && layer >= 0) capture->decoder[layer + 1] = hidden;
      if (want_attention && layer >= 0 && attention.defined())
        capture->attention[layer] = attention;
      capture->decoder_layers = std::max(capture->decoder_layers, layer + 1);
    }
  };
  if (!options.head_output_layers.empty()) {
    reader.heads = [capture, layers = options.head_output_layers](const std::string& stack, int layer,
                                                                   at::Tensor& per_head) {
      if (stack == "decoder" && contains(layers, layer)) capture->heads[layer] = per_head;
    };
  }
  ForwardResult result;
  // The encoder pass: interventions on the encoder see every position.
  const LayerHook encoder_interventions =
      interventions ? interventions->hook(DecoderInput{}) : LayerHook{};
  const LayerHook encoder_hook = compose({encoder_interventions, reader});
  nn::KvCache cache = lm.new_cache();
  result.input =
      prepare_prompt(pipeline, prompt, cache, active_hook(encoder_hook),
                     &result.encoded, &result.projected);
  const LayerHook decoder_interventions =
      interventions ? interventions->hook(result.input) : LayerHook{};
  const LayerHook decoder_hook = compose({decoder_interventions, reader});
  const at::Tensor hidden =
      lm.forward(result.input, cache, active_hook(decoder_hook));
  result.logits = lm.logits(hidden);
  auto& out = result.tensors;
  out["logits"] = result.logits;
  const int64_t rows = result.input.embeddings.size(0), length = result.input.embeddings.size(1);
  out["audio_position_mask"] =
      result.input.audio_mask.defined()
          ? result.input.audio_mask.to(at::kLong)
          : at::zeros({rows, length}, at::TensorOptions().dtype(at::kLong));
  const int n = capture->decoder_layers;
  // The decoder's input as the hook may have changed it is what layer 0 saw; without an input
  // intervention it is the prepared embeddings.
  capture->decoder[0] = result.input.embeddings;
  if (want_decoder && n > 0) {
    out["lm_last_layer_output"] = capture->decoder[n];
    for (int i : options.decoder_layers) {
      if (i < 0 || i > n)
        throw Error(ErrorCode::kInvalidArgument,
                    "decoder layer " + std::to_string(i) + " is outside 0.." + std::to_string(n));
      out["hidden_states_L" + std::to_string(i)] = i == n ? hidden : capture->decoder[i];
    }
    if (options.layer_outputs) {
      for (int i = 0; i < n; ++i) result.decoder_outputs[i] = capture->decoder[i + 1];
    }
  }
  for (int i : options.head_output_layers) {
    const auto found = capture->heads.find(i);
    if (found == capture->heads.end()) {
      throw Error(ErrorCode::kInvalidArgument, "decoder layer " + std::to_string(i) + " is outside 0.." +
                                                   std::to_string(n - 1) + " (head outputs)");
    }
    out["head_outputs_L" + std::to_string(i)] = found->second;
  }
  if (options.logit_lens) {
    std::vector<at::Tensor> lens;
    for (int i = 0; i <= n; ++i)
      lens.push_back(lm.logits(lm.final_norm(capture->decoder[i].select(1, length - 1))));
    out["logit_lens"] = at::stack(lens, 1);
  }
  if (want_encoder) {
    const int m = capture->encoder_layers;
    if (m > 0) out["encoder_last_layer_output"] = capture->encoder[m];
    for (int i : options.encoder_layers) {
      if (i < 0 || i > m)
        throw Error(ErrorCode::kInvalidArgument,
                    "encoder layer " + std::to_string(i) + " is outside 0.." + std::to_string(m));
      // L{m} is the encoder's output (its final norm / pooling), as transformers' last hidden state
      out["encoder_hidden_states_L" + std::to_string(i)] =
          i == m ? result.encoded.hidden : capture->encoder[i];
    }
  }
  if (want_attention) {
    const std::vector<int> layers =
        options.attention_layers.empty() ? all_layers(n - 1) : options.attention_layers;
    std::vector<at::Tensor> shares;
    for (int i = 0; i < n; ++i) {
      const auto found = capture->attention.find(i);
      if (found == capture->attention.end()) continue;
      at::Tensor weights = found->second;  // [B, heads, S, S]
      if (options.audio_attention_share) {
        const at::Tensor last = weights.select(2, length - 1);  // [B, heads, S]
        const at::Tensor audio =
            out["audio_position_mask"].to(last.device()).to(last.scalar_type()).unsqueeze(1);
        shares.push_back((last * audio).sum(-1));
      }
      if (options.attention && contains(layers, i)) {
        if (!options.heads.empty()) {
          const std::vector<int64_t> heads(options.heads.begin(), options.heads.end());
          weights = weights.index_select(
              1, at::tensor(heads, at::TensorOptions().dtype(at::kLong)).to(weights.device()));
        }
        out["attentions_L" + std::to_string(i)] = weights;
      }
    }
    if (options.audio_attention_share && !shares.empty())
      out["audio_attention_share"] = at::stack(shares, 1);
  }
  return result;
}

}  // namespace almkit::research
