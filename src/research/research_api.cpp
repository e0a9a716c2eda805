// include/almkit/research.h on top of the tensor-level tools in src/research.
#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <sstream>

#include <nlohmann/json.hpp>

#include "almkit/error.h"
#include "almkit/research.h"
#include "almkit/safetensors.h"
#include "core/threads.h"
#include "research/attack.h"
#include "research/gradients.h"
#include "research/readouts.h"
#include "runtime/model_access.h"

namespace almkit::research {
namespace {

NamedArray to_array(const std::string& name, const at::Tensor& tensor) {
  NamedArray array;
  array.name = name;
  const at::Tensor t = tensor.detach().to(at::kCPU).contiguous();
  array.shape = t.sizes().vec();
  if (t.scalar_type() == at::kLong || t.scalar_type() == at::kBool || t.scalar_type() == at::kInt) {
    const at::Tensor l = t.to(at::kLong).contiguous();
    array.integers.assign(l.data_ptr<int64_t>(), l.data_ptr<int64_t>() + l.numel());
  } else {
    const at::Tensor f = t.to(at::kFloat).contiguous();
    array.values.assign(f.data_ptr<float>(), f.data_ptr<float>() + f.numel());
  }
  return array;
}

// One HeadAblation per (layer, scale).
std::vector<HeadAblation> head_ablations(const std::vector<HeadScale>& scales) {
  std::vector<HeadAblation> out;
  for (const HeadScale& h : scales) {
    auto same = std::find_if(out.begin(), out.end(),
                             [&](const HeadAblation& a) { return a.layer == h.layer && a.scale == h.scale; });
    if (same == out.end()) {
      out.push_back(HeadAblation{"decoder", h.layer, {h.head}, h.scale, at::Tensor()});
    } else {
      same->heads.push_back(h.head);
    }
  }
  return out;
}

PromptTensors prompt_of(const RequestTensors& r) {
  return {r.features, r.feature_lengths, r.ids, r.attention_mask, r.clips_per_row};
}

}  // namespace

std::vector<HeadScale> parse_head_scales(const std::string& text) {
  std::vector<HeadScale> out;
  std::stringstream items(text);
  std::string item;
  while (std::getline(items, item, ',')) {
    if (item.empty()) continue;
    HeadScale h;
    char colon = 0, star = 0;
    std::istringstream in(item);
    const bool ok = (in >> h.layer >> colon >> h.head) && colon == ':' && h.layer >= 0 && h.head >= 0 &&
                    (!(in >> star) || (star == '*' && (in >> h.scale))) && (in >> std::ws).eof();
    if (!ok) {
      throw Error(ErrorCode::kInvalidArgument,
                  "head '" + item + "': expected LAYER:HEAD or LAYER:HEAD*SCALE (e.g. 3:0,7:1*0.5)");
    }
    out.push_back(h);
  }
  if (out.empty()) throw Error(ErrorCode::kInvalidArgument, "heads '" + text + "': none named");
  return out;
}

void save_arrays(const std::string& path, const std::vector<NamedArray>& arrays,
                 const std::map<std::string, std::string>& metadata) {
  SafetensorsWriter writer;
  for (const auto& a : arrays) {
    if (!a.integers.empty() || a.values.empty()) {
      writer.add_i64(a.name, a.shape, a.integers);
    } else {
      writer.add_f32(a.name, a.shape, a.values);
    }
  }
  for (const auto& [key, value] : metadata) writer.set_metadata(key, value);
  writer.write(path);
}

std::vector<NamedArray> inspect(const Model& model, const Request& request,
                                const InspectOptions& options) {
  c10::InferenceMode inference;
  const ComputeThreadsScope threads(ModelAccess::num_threads(model));
  const Pipeline& pipeline = ModelAccess::pipeline(model);
  const RequestTensors tensors = ModelAccess::request_tensors(model, request);
  ReadoutOptions readouts;
  readouts.encoder_layers = options.encoder_layers;
  readouts.decoder_layers = options.decoder_layers;
  readouts.attention = options.attention;
  readouts.attention_layers = options.attention_layers;
  readouts.heads = options.heads;
  readouts.audio_attention_share = options.audio_attention_share && tensors.features.defined();
  readouts.logit_lens = options.logit_lens;
  if (options.all_layers) {
    // a first pass learns the stacks' depths (hooks count the layers)
    ReadoutOptions count;
    count.layer_outputs = true;
    const ForwardResult probe = run_forward(pipeline, prompt_of(tensors), count);
    readouts.decoder_layers = all_layers(static_cast<int64_t>(probe.decoder_outputs.size()));
    if (tensors.features.defined()) {
      int encoder_layers = 0;
      LayerHook counter;
      counter.callback = [&](const std::string& stack, int layer, at::Tensor&, const at::Tensor&) {
        if (stack == "encoder") encoder_layers = std::max(encoder_layers, layer + 1);
      };
      pipeline.encode(tensors.features, tensors.feature_lengths, &counter);
      readouts.encoder_layers = all_layers(encoder_layers);
    }
  }
  readouts.head_output_layers = options.head_output_layers;
  Interventions ablations;
  for (HeadAblation& a : head_ablations(options.ablate_heads)) ablations.add(std::move(a));
  const ForwardResult result = run_forward(pipeline, prompt_of(tensors), readouts, &ablations);
  std::vector<NamedArray> arrays;
  for (const auto& [name, tensor] : result.tensors) {
    if (name == "logits") continue;
    arrays.push_back(to_array(name, tensor));  // encoder arrays keep every position
  }
  arrays.push_back(to_array("logits", result.logits.select(1, result.logits.size(1) - 1)));
  arrays.push_back(to_array("input_ids", tensors.ids));
  return arrays;
}

SteeringVector SteeringVector::load(const std::string& path) {
  const auto file = SafetensorsFile::open(path);
  if (!file->contains("steer_vector")) {
    throw Error(ErrorCode::kInvalidFormat,
                path + ": no 'steer_vector' tensor (expected a file from almkit steer build)");
  }
  SteeringVector vector;
  vector.values = file->to_float("steer_vector");
  if (file->contains("steer_layer"))
    vector.layer = static_cast<int>(file->to_float("steer_layer").at(0));
  const auto found = file->metadata().find("provenance");
  if (found != file->metadata().end()) vector.provenance = found->second;
  return vector;
}

void SteeringVector::save(const std::string& path) const {
  SafetensorsWriter writer;
  writer.add_f32("steer_vector", {static_cast<int64_t>(values.size())}, values);
  writer.add_i64("steer_layer", {1}, {layer});
  writer.set_metadata("provenance", provenance);
  writer.write(path);
}

SteeringVector build_steering_vector(const Model& model, const std::vector<Request>& positive,
                                     const std::vector<Request>& negative, int layer,
                                     const std::string& pooling) {
  if (positive.empty() || negative.empty()) {
    throw Error(ErrorCode::kInvalidArgument,
                "a steering vector needs positive and negative prompts");
  }
  if (pooling != "last" && pooling != "mean") {
    throw Error(ErrorCode::kInvalidArgument, "pooling '" + pooling + "': expected last or mean");
  }
  c10::InferenceMode inference;
  const ComputeThreadsScope threads(ModelAccess::num_threads(model));
  const Pipeline& pipeline = ModelAccess::pipeline(model);
  const auto mean_of = [&](const std::vector<Request>& requests) {
    at::Tensor sum;
    for (const auto& request : requests) {
      ReadoutOptions outputs;
      outputs.layer_outputs = true;
      const ForwardResult result =
          run_forward(pipeline, prompt_of(ModelAccess::request_tensors(model, request)), outputs);
      const auto found = result.decoder_outputs.find(layer);
      if (found == result.decoder_outputs.end()) {
        throw Error(ErrorCode::kInvalidArgument,
                    "decoder layer " + std::to_string(layer) + " is outside 0.." +
                        std::to_string(result.decoder_outputs.size() - 1));
      }
      const at::Tensor h = found->second[0].to(at::kFloat);  // [T, hidden]
      const at::Tensor pooled = pooling == "last" ? h[h.size(0) - 1] : h.mean(0);
      sum = sum.defined() ? sum + pooled : pooled.clone();
    }
    return sum / static_cast<double>(requests.size());
  };
  const at::Tensor direction = (mean_of(positive) - mean_of(negative)).contiguous().cpu();
  SteeringVector vector;
  vector.layer = layer;
  vector.values.assign(direction.data_ptr<float>(),
                       direction.data_ptr<float>() + direction.numel());
  vector.provenance = nlohmann::json{{"method", "mean difference"},
                                     {"model", model.folder()},
                                     {"model_type", model.model_type()},
                                     {"layer", layer},
                                     {"pooling", pooling},
                                     {"positive", positive.size()},
                                     {"negative", negative.size()},
                                     {"norm", direction.norm().item<double>()}}
                          .dump();
  return vector;
}

LayerHooks steering_hooks(const SteeringVector& vector, double alpha,
                          const std::string& positions) {
  const Positions where = parse_positions(positions);
  if (where == Positions::kAudio || where == Positions::kText) {
    throw Error(ErrorCode::kInvalidArgument,
                "steering_hooks takes positions all or last (audio / text need the "
                "prompt layout: research::Interventions)");
  }
  LayerHooks hooks;
  hooks.callback = [values = vector.values, layer = vector.layer, alpha, where](LayerState& state) {
    if (state.stack != "decoder" || state.layer != layer) return;
    const int64_t hidden = state.shape.back();
    if (hidden != static_cast<int64_t>(values.size())) {
      throw Error(ErrorCode::kShapeMismatch, "steering vector of " + std::to_string(values.size()) +
                                                 " values for a hidden size of " +
                                                 std::to_string(hidden));
    }
    const int64_t rows = state.shape[0], length = state.shape[1];
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t t = where == Positions::kLast ? length - 1 : 0; t < length; ++t) {
        float* h = state.hidden + (r * length + t) * hidden;
        for (int64_t i = 0; i < hidden; ++i) h[i] += static_cast<float>(alpha * values[i]);
      }
    }
  };
  return hooks;
}

Saliency saliency(const Model& model, const Request& request,
                  const std::vector<int32_t>& target_ids, bool waveform) {
  if (target_ids.empty())
    throw Error(ErrorCode::kInvalidArgument, "saliency needs a non-empty target");
  const ComputeThreadsScope threads(ModelAccess::num_threads(model));
  const Pipeline& pipeline = ModelAccess::pipeline(model);
  const RequestTensors tensors = ModelAccess::request_tensors(model, request);
  if (!tensors.features.defined())
    throw Error(ErrorCode::kInvalidArgument, "saliency needs a request with audio");
  const std::vector<int64_t> wide(target_ids.begin(), target_ids.end());
  const at::Tensor targets =
      at::tensor(wide, at::TensorOptions().dtype(at::kLong)).view({1, -1}).to(tensors.ids.device());
  TargetScore score;
  const at::Tensor grad = feature_gradient(pipeline, prompt_of(tensors), targets, &score);
  Saliency out;
  const at::Tensor features = tensors.features.to(at::kCPU).contiguous();
  const at::Tensor g = grad.to(at::kCPU).to(at::kFloat).contiguous();
  out.feature_shape = features.sizes().vec();
  out.features.assign(features.data_ptr<float>(), features.data_ptr<float>() + features.numel());
  out.feature_gradient.assign(g.data_ptr<float>(), g.data_ptr<float>() + g.numel());
  out.target_ids = target_ids;
  const at::Tensor logprobs = score.logprobs.to(at::kDouble).cpu().contiguous();
  out.target_logprobs.assign(logprobs.data_ptr<double>(),
                             logprobs.data_ptr<double>() + logprobs.numel());
  out.target_logprob_sum = score.sum.item<double>();
  if (waveform) {
    WhisperMelOptions mel;
    mel.feature_size = static_cast<int>(features.size(1));
    mel.pad_to_chunk = features.size(2) == 3000;
    int64_t longest = 0;
    for (const auto& clip : tensors.samples)
      longest = std::max<int64_t>(longest, static_cast<int64_t>(clip.size()));
    at::Tensor samples = at::zeros({static_cast<int64_t>(tensors.samples.size()), longest});
    std::vector<int64_t> lengths;
    for (size_t c = 0; c < tensors.samples.size(); ++c) {
      const auto& clip = tensors.samples[c];
      lengths.push_back(static_cast<int64_t>(clip.size()));
      samples[static_cast<int64_t>(c)]
          .narrow(0, 0, lengths.back())
          .copy_(at::from_blob(const_cast<float*>(clip.data()), {lengths.back()},
                               at::TensorOptions().dtype(at::kFloat)));
    }
    const at::Tensor wave_grad =
        waveform_gradient(pipeline, prompt_of(tensors), samples,
                          at::tensor(lengths, at::TensorOptions().dtype(at::kLong)), targets, mel);
    for (size_t c = 0; c < lengths.size(); ++c) {
      const at::Tensor row =
          wave_grad[static_cast<int64_t>(c)].narrow(0, 0, lengths[c]).contiguous();
      out.waveform_gradient.emplace_back(row.data_ptr<float>(),
                                         row.data_ptr<float>() + row.numel());
    }
  }
  return out;
}

AttackResult attack(const Model& model, const Request& request,
                    const std::vector<int32_t>& target_ids, const AttackOptions& options) {
  if (target_ids.empty())
    throw Error(ErrorCode::kInvalidArgument, "an attack needs a non-empty target");
  const ComputeThreadsScope threads(ModelAccess::num_threads(model));
  const Pipeline& pipeline = ModelAccess::pipeline(model);
  const RequestTensors tensors = ModelAccess::request_tensors(model, request);
  if (!tensors.features.defined())
    throw Error(ErrorCode::kInvalidArgument, "an attack needs a request with audio");
  const std::vector<int64_t> wide(target_ids.begin(), target_ids.end());
  const at::Tensor targets =
      at::tensor(wide, at::TensorOptions().dtype(at::kLong)).view({1, -1}).to(tensors.ids.device());
  PgdOptions pgd;
  pgd.waveform = options.waveform;
  pgd.epsilon = options.epsilon;
  pgd.snr_db = options.snr_db;
  pgd.steps = options.steps;
  pgd.step_size = options.step_size;
  pgd.targeted = options.targeted;
  pgd.seed = options.seed;
  at::Tensor samples, lengths;
  WhisperMelOptions mel;
  std::vector<int64_t> clip_lengths;
  if (options.waveform) {
    mel.feature_size = static_cast<int>(tensors.features.size(1));
    mel.pad_to_chunk = tensors.features.size(2) == 3000;
    int64_t longest = 0;
    for (const auto& clip : tensors.samples)
      longest = std::max<int64_t>(longest, static_cast<int64_t>(clip.size()));
    samples = at::zeros({static_cast<int64_t>(tensors.samples.size()), longest});
    for (size_t c = 0; c < tensors.samples.size(); ++c) {
      clip_lengths.push_back(static_cast<int64_t>(tensors.samples[c].size()));
      samples[static_cast<int64_t>(c)]
          .narrow(0, 0, clip_lengths.back())
          .copy_(at::from_blob(const_cast<float*>(tensors.samples[c].data()), {clip_lengths.back()},
                               at::TensorOptions().dtype(at::kFloat)));
    }
    lengths = at::tensor(clip_lengths, at::TensorOptions().dtype(at::kLong));
  }
  const PgdResult pgd_result =
      projected_gradient_attack(pipeline, prompt_of(tensors), targets, pgd, samples, lengths, mel);
  AttackResult out;
  out.clean_logprob = pgd_result.clean_score.sum().item<double>();
  out.attacked_logprob = pgd_result.final_score.sum().item<double>();
  const at::Tensor perturbed = pgd_result.perturbed.detach().to(at::kCPU).contiguous();
  if (options.waveform) {
    const int rate = model.audio_sampling_rate();
    for (size_t c = 0; c < clip_lengths.size(); ++c) {
      const at::Tensor row =
          perturbed[static_cast<int64_t>(c)].narrow(0, 0, clip_lengths[c]).contiguous();
      out.perturbed_audio.push_back(AudioBuffer{
          rate, 1, std::vector<float>(row.data_ptr<float>(), row.data_ptr<float>() + row.numel())});
    }
  } else {
    out.feature_shape = perturbed.sizes().vec();
    out.perturbed_features.assign(perturbed.data_ptr<float>(),
                                  perturbed.data_ptr<float>() + perturbed.numel());
  }
  return out;
}

std::vector<NamedArray> saliency_arrays(const Saliency& s) {
  std::vector<NamedArray> arrays;
  arrays.push_back({"input_features", s.feature_shape, s.features, {}});
  arrays.push_back({"grad_input_features", s.feature_shape, s.feature_gradient, {}});
  for (size_t c = 0; c < s.waveform_gradient.size(); ++c) {
    arrays.push_back({"grad_waveform_" + std::to_string(c),
                      {static_cast<int64_t>(s.waveform_gradient[c].size())},
                      s.waveform_gradient[c],
                      {}});
  }
  arrays.push_back({"target_ids",
                    {1, static_cast<int64_t>(s.target_ids.size())},
                    {},
                    std::vector<int64_t>(s.target_ids.begin(), s.target_ids.end())});
  std::vector<float> logprobs(s.target_logprobs.begin(), s.target_logprobs.end());
  arrays.push_back({"target_logprobs", {1, static_cast<int64_t>(logprobs.size())}, logprobs, {}});
  return arrays;
}

}  // namespace almkit::research
