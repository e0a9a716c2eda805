#include "research/interventions_reference_check.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <map>
#include <set>

#include "almkit/error.h"
#include "almkit/safetensors.h"
#include "core/cpu_allocator.h"
#include "core/threads.h"
#include "models/registry.h"
#include "research/gradients.h"
#include "research/readouts.h"
#include "runtime/reference_comparer.h"

namespace almkit {
namespace {

using research::Interventions;
using research::PromptTensors;

// Inputs of the interventions fixture (beside io.safetensors' own inputs).
const std::set<std::string> kInputs = {"input_features",  "feature_attention_mask", "input_ids",
                                       "attention_mask",  "steer_vector",           "steer_layer",
                                       "steer_alpha",     "patch_source_features",  "waveform",
                                       "waveform_lengths"};

std::string directory_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

// Rows [clips, T] (1 = real frame) for clips of `lengths` real frames.
at::Tensor frame_rows(const at::Tensor& lengths, int64_t frames) {
  return at::arange(frames, at::TensorOptions().dtype(at::kLong)).unsqueeze(0) <
         lengths.to(at::kCPU).to(at::kLong).unsqueeze(1);
}

}  // namespace

bool is_interventions_file(const SafetensorsFile& io) {
  return io.contains("steer_vector") || io.contains("hidden_states_L0");
}

ReferenceReport run_interventions_reference_check(const std::string& model_dir,
                                                  const std::string& io_path,
                                                  const ReferenceCheckOptions& options) {
  install_caching_cpu_allocator();
  const ComputeThreadsScope threads(options.threads);
  const auto file = SafetensorsFile::open(io_path);
  const std::string inputs_path = directory_of(io_path) + "/io.safetensors";
  std::shared_ptr<SafetensorsFile> inputs_file;
  const auto input = [&](const std::string& name) {
    if (file->contains(name)) return read_reference(*file, name);
    if (!inputs_file) inputs_file = SafetensorsFile::open(inputs_path);
    if (!inputs_file->contains(name)) {
      throw Error(ErrorCode::kInvalidFormat,
                  io_path + ": input '" + name + "' is neither here nor in " + inputs_path);
    }
    return read_reference(*inputs_file, name);
  };
  const auto has_input = [&](const std::string& name) {
    if (file->contains(name)) return true;
    if (!inputs_file) inputs_file = SafetensorsFile::open(inputs_path);
    return inputs_file->contains(name);
  };

  Pipeline pipeline(load_model_parts(model_dir, WeightOptions{}));
  const LanguageModel& lm = pipeline.language_model();
  ReferenceComparer check(*file, options, kInputs);

  PromptTensors prompt;
  prompt.ids = input("input_ids");
  prompt.attention_mask =
      has_input("attention_mask") ? input("attention_mask") : at::ones_like(prompt.ids);
  if (has_input("input_features")) {
    prompt.features = input("input_features");
    prompt.feature_lengths =
        has_input("feature_attention_mask")
            ? input("feature_attention_mask").sum(-1)
            : at::full({prompt.features.size(0)}, prompt.features.size(2), at::kLong);
  }

  at::NoGradGuard no_grad;  // forward passes; the gradients below turn it back on
  // Read-outs of the plain forward.
  research::ReadoutOptions readouts;
  int64_t n = 0;
  while (check.has("hidden_states_L" + std::to_string(n + 1))) ++n;
  readouts.decoder_layers = research::all_layers(n);
  int64_t m = 0;
  while (check.has("encoder_hidden_states_L" + std::to_string(m + 1))) ++m;
  if (prompt.features.defined()) readouts.encoder_layers = research::all_layers(m);
  readouts.attention = readouts.audio_attention_share = readouts.logit_lens = true;
  const research::ForwardResult plain = research::run_forward(pipeline, prompt, readouts);
  const at::Tensor real = plain.input.attention_mask;  // [B, S] merged
  for (const auto& [name, tensor] : plain.tensors) {
    if (name.rfind("hidden_states_L", 0) == 0 || name == "lm_last_layer_output")
      check.compare(name, tensor, real);
  }
  check.compare("audio_position_mask", plain.tensors.at("audio_position_mask"));
  if (plain.tensors.count("audio_attention_share"))
    check.compare("audio_attention_share", plain.tensors.at("audio_attention_share"));
  check.compare("logit_lens", plain.tensors.at("logit_lens"));
  for (int64_t i = 0; i < n; ++i) {
    const std::string name = "attentions_L" + std::to_string(i);
    if (!plain.tensors.count(name)) continue;
    const at::Tensor row0 = plain.tensors.at(name).narrow(0, 0, 1);  // batch row 0, as stored
    const at::Tensor queries =
        real.narrow(0, 0, 1).unsqueeze(1).expand({1, row0.size(1), row0.size(2)});
    check.compare(name, row0, queries);
  }
  if (prompt.features.defined()) {
    // The encoder's positions: conv stem frames (len - 1) / 2 + 1 per clip; the last hidden state
    // has the encoder's own output lengths. Only the longest clip's frames are stored.
    const at::Tensor conv_lengths =
        at::floor_divide(prompt.feature_lengths.to(at::kLong) - 1, 2) + 1;
    for (const auto& [name, tensor] : plain.tensors) {
      if (name.rfind("encoder_", 0) != 0) continue;
      const bool last = name == "encoder_hidden_states_L" + std::to_string(m);
      const at::Tensor lengths = last ? plain.encoded.output_lengths : conv_lengths;
      const int64_t frames = std::min<int64_t>(lengths.max().item<int64_t>(), tensor.size(1));
      check.compare(name, tensor.narrow(1, 0, frames), frame_rows(lengths, frames));
    }
  }

  // Plain greedy continuation: the gradient's targets.
  const int64_t new_tokens =
      check.has("target_ids")
          ? check.reference("target_ids").size(1)
          : check.reference("steered_generate_ids").size(1) - prompt.ids.size(1);
  const auto generate = [&](const Interventions* interventions) {
    nn::KvCache cache = lm.new_cache();
    const DecoderInput in = research::prepare_prompt(pipeline, prompt, cache);
    const LayerHook hook = interventions ? interventions->hook(in) : LayerHook{};
    SamplingOptions sampling;
    sampling.max_new_tokens = new_tokens;
    sampling.stop_at_eos = false;  // eos_token_id=None
    const Generation generation =
        pipeline.generate(in, cache, sampling, active_hook(hook));
    at::Tensor ids = at::full({prompt.ids.size(0), new_tokens},
                              std::max<int64_t>(pipeline.parts().generation.pad_token_id, 0),
                              at::TensorOptions().dtype(at::kLong));
    for (int64_t r = 0; r < ids.size(0); ++r) {
      for (size_t i = 0; i < generation.tokens[r].size(); ++i) ids[r][i] = generation.tokens[r][i];
    }
    return ids;
  };
  const at::Tensor greedy = generate(nullptr);
  check.compare("target_ids", greedy);

  // Steering: alpha * v after decoder layer k at every position, prompt and each new token.
  const int steer_layer = static_cast<int>(input("steer_layer").item<int64_t>());
  if (has_input("steer_vector")) {
    Interventions steering;
    steering.add(research::Steering{"decoder", steer_layer, input("steer_vector"),
                                    input("steer_alpha").item<double>(),
                                    research::Positions::kAll});
    const research::ForwardResult steered = research::run_forward(pipeline, prompt, {}, &steering);
    check.compare("steered_logits", steered.logits, real);
    check.compare("steered_generate_ids", at::cat({prompt.ids, generate(&steering)}, 1));
  }

  // Patching: layer k's output at the audio positions from a run on silent audio.
  if (has_input("patch_source_features")) {
    PromptTensors source = prompt;
    source.features = input("patch_source_features");
    research::ReadoutOptions outputs;
    outputs.layer_outputs = true;
    const research::ForwardResult source_run = research::run_forward(pipeline, source, outputs);
    check.compare("patch_source_logits", source_run.logits, real);
    Interventions patch;
    patch.add(research::Patch{"decoder", steer_layer, source_run.decoder_outputs.at(steer_layer),
                              research::Positions::kAudio});
    check.compare("patched_logits", research::run_forward(pipeline, prompt, {}, &patch).logits,
                  real);
  }

  // Gradients of the reference continuation's log-probability.
  const at::Tensor targets = check.has("target_ids") ? check.reference("target_ids") : greedy;
  if (prompt.features.defined()) {
    research::TargetScore score;
    const at::Tensor grad = research::feature_gradient(pipeline, prompt, targets, &score);
    check.compare("target_logprobs", score.logprobs);
    check.compare("target_logprob_sum", score.sum);
    check.compare_gradient("grad_input_features", grad);
  }
  if (has_input("waveform") && check.has("grad_waveform")) {
    WhisperMelOptions mel;
    mel.feature_size = static_cast<int>(prompt.features.size(1));
    const at::Tensor grad = research::waveform_gradient(pipeline, prompt, input("waveform"),
                                                        input("waveform_lengths"), targets, mel);
    check.compare_gradient("grad_waveform", grad);
  }
  return check.finish();
}

}  // namespace almkit
