// Looking inside an audio-language model without forking its code: read-outs (hidden states,
// attention, audio attention share, logit lens), steering vectors (built from two sets of prompts,
// applied to generate / score / eval), and saliency (the gradient of a continuation's
// log-probability with respect to the input features or waveform). Names and layouts follow
// transformers (output_hidden_states, output_attentions); docs/research.md has the experiments.
//
//   auto model = almkit::Model::load("Qwen2-Audio-7B-Instruct");
//   almkit::research::InspectOptions what;
//   what.decoder_layers = {0, 8, 16};
//   what.logit_lens = true;
//   auto arrays = almkit::research::inspect(*model, request, what);
//   almkit::research::save_arrays("inspect.safetensors", arrays);
//
//   auto vector = almkit::research::SteeringVector::load("calm.safetensors");
//   almkit::GenerateOptions options;
//   options.hooks = almkit::research::steering_hooks(vector, 4.0);
//   model->generate(request, options);
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "almkit/export.h"
#include "almkit/model.h"

namespace almkit::research {

// A named array (float32, or int64 values held exactly in `integers`).
struct NamedArray {
  std::string name;
  std::vector<int64_t> shape;
  std::vector<float> values;      // float arrays
  std::vector<int64_t> integers;  // integer arrays (masks, ids); values is then empty
};

// Writes arrays to one safetensors file (integers as I64), with string metadata.
ALMKIT_API void save_arrays(const std::string& path, const std::vector<NamedArray>& arrays,
                            const std::map<std::string, std::string>& metadata = {});

// A head of a decoder self-attention layer whose output (before the output projection) is
// multiplied by `scale` in every pass: 0 zeroes it (head ablation).
struct HeadScale {
  int layer = 0;
  int head = 0;
  double scale = 0.0;
};

// Comma-separated LAYER:HEAD or LAYER:HEAD*SCALE items: "3:0,3:5,7:1*0.5".
ALMKIT_API std::vector<HeadScale> parse_head_scales(const std::string& text);

struct InspectOptions {
  // transformers' hidden_states indices: 0 = the stack's input (embeddings after the audio merge;
  // the encoder's stem + positions), i = output of layer i - 1, the last = after the final norm.
  std::vector<int> encoder_layers, decoder_layers;
  bool all_layers = false;            // every index of both stacks
  bool attention = false;             // attentions_L{i} [1, heads, S, S] ...
  std::vector<int> attention_layers;  // ... of these decoder layers (empty: all)
  std::vector<int> heads;             // ... and heads (empty: all)
  bool audio_attention_share = true;  // audio_attention_share [1, layers, heads]
  bool logit_lens = false;            // logit_lens [1, layers + 1, vocab]
  std::vector<int> head_output_layers;  // head_outputs_L{i} [1, S, heads, head_dim] (before o_proj)
  std::vector<HeadScale> ablate_heads;  // applied before every read-out (logits included)
};

// One forward pass of the request (prompt + its audio). Arrays: hidden_states_L{i},
// lm_last_layer_output, encoder_hidden_states_L{i}, encoder_last_layer_output, attentions_L{i},
// audio_attention_share, logit_lens, head_outputs_L{i}, audio_position_mask, logits (last
// position, [1, vocab]), input_ids.
ALMKIT_API std::vector<NamedArray> inspect(const Model& model, const Request& request,
                                           const InspectOptions& options);

// A direction in the residual stream after decoder layer `layer`, with where it came from.
struct SteeringVector {
  int layer = 0;
  std::vector<float> values;  // [hidden]
  std::string provenance;     // JSON: model, layer, pooling, prompt counts
  // File layout: steer_vector [hidden] F32, steer_layer [1] I64, metadata "provenance".
  static SteeringVector load(const std::string& path);
  void save(const std::string& path) const;
};

// Mean of layer `layer`'s output over the positive requests minus the mean over the negative
// ones; each request pooled over its positions by `pooling`: "last" (the last prompt position)
// or "mean" (every position).
ALMKIT_API SteeringVector build_steering_vector(const Model& model,
                                                const std::vector<Request>& positive,
                                                const std::vector<Request>& negative, int layer,
                                                const std::string& pooling = "last");

// Hooks adding alpha * v to the output of the vector's layer at `positions` ("all": every
// position of every pass, as a transformers forward hook; "last": the newest position of each
// pass), for GenerateOptions::hooks and Model::score. Audio- or text-only positions need the
// prompt's layout: use the C++ library (src/research) or `almkit inspect`.
ALMKIT_API LayerHooks steering_hooks(const SteeringVector& vector, double alpha,
                                     const std::string& positions = "all");

struct Saliency {
  std::vector<int64_t> feature_shape;                 // [clips, bins, frames]
  std::vector<float> features;                        // the input features
  std::vector<float> feature_gradient;                // d sum log P(target) / d features
  std::vector<std::vector<float>> waveform_gradient;  // per clip, d / d samples (when asked)
  std::vector<int32_t> target_ids;
  std::vector<double> target_logprobs;  // per target token
  double target_logprob_sum = 0.0;
};

// The gradient of the target's teacher-forced log-probability after the request (weights
// frozen, float32). `waveform` also differentiates through transformers' torch log-mel (Whisper
// features only).
ALMKIT_API Saliency saliency(const Model& model, const Request& request,
                             const std::vector<int32_t>& target_ids, bool waveform = false);

// Saliency as named arrays (features, grad_input_features, grad_waveform_{c}, target_ids,
// target_logprobs), for save_arrays.
ALMKIT_API std::vector<NamedArray> saliency_arrays(const Saliency& saliency);

// Projected gradient descent on the input (weights frozen): lowers log P(target) (untargeted:
// the reference answer) or raises it (targeted), on the log-mel features under an L-infinity
// budget `epsilon`, or on the waveform (Whisper log-mel) under `epsilon` (sample units) and/or an
// SNR budget |delta| <= |x| / 10^(snr_db / 20). The best iterate is returned, not the last.
struct AttackOptions {
  bool waveform = false;
  double epsilon = 0.0;
  double snr_db = 0.0;
  int steps = 10;
  double step_size = 0.0;  // 0: 2.5 x budget / steps
  bool targeted = false;
  uint64_t seed = 0;  // random start inside the budget; 0: the clean input
};

struct AttackResult {
  double clean_logprob = 0.0;          // sum log P(target) on the clean input
  double attacked_logprob = 0.0;       // on the perturbed one
  std::vector<int64_t> feature_shape;  // features attack: [clips, bins, frames]
  std::vector<float> perturbed_features;
  std::vector<AudioBuffer> perturbed_audio;  // waveform attack: each clip at the encoder's rate
};

ALMKIT_API AttackResult attack(const Model& model, const Request& request,
                               const std::vector<int32_t>& target_ids,
                               const AttackOptions& options);

}  // namespace almkit::research
