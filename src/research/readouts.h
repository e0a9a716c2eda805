// Read-outs of one forward pass: hidden states of chosen layers (encoder and language model),
// attention weights of chosen layers and heads, the attention share on audio positions per layer
// and head, and the logit lens. Names and layouts are transformers' (output_hidden_states /
// output_attentions), as the reference fixture `interventions.safetensors` stores them:
//   hidden_states_L{i}          [B, S, hidden]  i = 0 (embeddings after the audio merge) .. n
//                                               (L{n} = final norm of the last layer's output)
//   lm_last_layer_output        [B, S, hidden]  the last layer's output before the final norm
//   encoder_hidden_states_L{i}  [clips, T, d]   i = 0 (stem + positions) .. m (the encoder's
//   output) encoder_last_layer_output   [clips, T, d] attentions_L{i}             [B, heads, S, S]
//   (chosen heads only when heads are given) audio_attention_share       [B, n, heads]   attention
//   from the last prompt position to audio logit_lens                  [B, n + 1, vocab]
//   logits(final_norm(r_i[:, S - 1])) audio_position_mask         [B, S] int64, logits [B, S,
//   vocab] head_outputs_L{i}  [B, S, heads, head_dim]  layer i's heads before o_proj
#pragma once

#include <ATen/ATen.h>

#include <map>
#include <string>
#include <vector>

#include "generate/pipeline.h"
#include "research/interventions.h"

namespace almkit::research {

// One batch as the pipeline takes it.
struct PromptTensors {
  at::Tensor features, feature_lengths;  // [clips, bins, frames], [clips]; undefined: no audio
  at::Tensor ids, attention_mask;        // [B, T]
  std::vector<int64_t> clips_per_row;    // empty: inferred from the placeholders
};

struct ReadoutOptions {
  // hidden_states indices to keep (0 .. layers); empty: none. all_layers() lists every one.
  std::vector<int> encoder_layers, decoder_layers;
  bool attention = false;  // attentions_L{i} of attention_layers (empty: every layer)
  std::vector<int> attention_layers;
  std::vector<int> heads;  // empty: every head
  bool audio_attention_share = false;
  bool logit_lens = false;
  bool layer_outputs = false;  // also the raw outputs of every decoder layer (patch sources)
  // head_outputs_L{i} [B, S, heads, head_dim]: decoder layer i's heads before o_proj (after any
  // head ablation), e.g. the means a mean ablation replaces heads with.
  std::vector<int> head_output_layers;
};

std::vector<int> all_layers(int64_t layers);  // 0 .. layers

struct ForwardResult {
  EncodedAudio encoded, projected;
  DecoderInput input;                         // the prompt pass (audio merged)
  at::Tensor logits;                          // [B, S, vocab]
  std::map<std::string, at::Tensor> tensors;  // the read-outs by the names above
  std::map<int, at::Tensor> decoder_outputs;  // layer -> raw output (ReadoutOptions::layer_outputs)
};

// Encodes, projects, merges and runs the decoder once with `interventions` applied, collecting
// what `options` asks for (read-outs see the interventions' effect).
ForwardResult run_forward(const Pipeline& pipeline, const PromptTensors& prompt,
                          const ReadoutOptions& options,
                          const Interventions* interventions = nullptr);

// The decoder's input, merged audio included, for a batch (no forward pass).
DecoderInput prepare_prompt(const Pipeline& pipeline, const PromptTensors& prompt,
                            nn::KvCache& cache, const LayerHook* encoder_hook = nullptr,
                            EncodedAudio* encoded = nullptr, EncodedAudio* projected = nullptr);

}  // namespace almkit::research
