// almkit::Model: the public face of the runtime. Turns text and AudioBuffers into tensors,
// runs the Pipeline, and turns tokens back into text.
#include "almkit/model.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <c10/core/InferenceMode.h>
#include <sys/stat.h>

#include <optional>

#include <nlohmann/json.hpp>

#include "almkit/chat_template.h"
#include "almkit/error.h"
#include "core/cpu_allocator.h"
#include "core/threads.h"
#include "almkit/features.h"
#include "almkit/tokenizer.h"
#include "generate/audio_binding.h"
#include "generate/pipeline.h"
#include "models/registry.h"
#include "runtime/audio_cache.h"
#include "runtime/model_access.h"

namespace almkit {
namespace {

bool exists(const std::string& path) {
  struct stat status {};
  return stat(path.c_str(), &status) == 0;
}

// "int8": float32 everywhere except the Linear weights, quantised at load (nn/int8_linear.h).
WeightOptions parse_dtype_option(const std::string& name) {
  WeightOptions weights;
  if (name == "float32" || name == "fp32") return weights;
  if (name == "bfloat16" || name == "bf16") {
    weights.dtype = at::kBFloat16;
    return weights;
  }
  if (name == "int8") {
    weights.int8_linear = true;
    return weights;
  }
  throw Error(ErrorCode::kInvalidArgument, "unknown dtype '" + name + "' (expected float32, bfloat16 or int8)");
}

at::Device parse_device(const std::string& name) {
  try {
    return at::Device(name);
  } catch (const std::exception&) {
    throw Error(ErrorCode::kInvalidArgument, "unknown device '" + name + "' (e.g. cpu, cuda, cuda:1)");
  }
}

// Bridges the public float32 LayerHooks to the tensor-level LayerHook of the pipeline.
LayerHook bridge_hooks(const LayerHooks& hooks) {
  LayerHook hook;
  if (!hooks.callback) return hook;
  hook.want_attention = hooks.want_attention;
  hook.callback = [callback = hooks.callback](const std::string& stack, int layer, at::Tensor& hidden,
                                              const at::Tensor& attention) {
    at::Tensor values = hidden.detach().to(at::kCPU, at::kFloat).contiguous().clone();
    at::Tensor weights;
    LayerState state;
    state.stack = stack;
    state.layer = layer;
    state.shape = values.sizes().vec();
    state.hidden = values.data_ptr<float>();
    if (attention.defined()) {
      weights = attention.detach().to(at::kCPU, at::kFloat).contiguous();
      state.attention_shape = weights.sizes().vec();
      state.attention = weights.data_ptr<float>();
    }
    callback(state);
    hidden = values.to(hidden.device(), hidden.scalar_type());
  };
  return hook;
}

}  // namespace

struct Model::Impl {
  std::string folder;
  ModelOptions options;
  at::Device device = at::kCPU;
  std::unique_ptr<Pipeline> pipeline;
  std::unique_ptr<Tokenizer> tokenizer;
  std::unique_ptr<EncodedAudioCache> audio_cache;

  const ModelParts& parts() const { return pipeline->parts(); }

  std::vector<int64_t> prompt_ids(const Request& request) const {
    std::vector<int64_t> ids;
    if (!request.prompt.empty()) {
      if (!tokenizer) throw Error(ErrorCode::kInvalidArgument, "'" + folder + "' has no tokenizer: pass prompt_ids");
      for (int32_t id : tokenizer->encode(request.prompt, /*add_special_tokens=*/false)) ids.push_back(id);
    } else {
      ids.assign(request.prompt_ids.begin(), request.prompt_ids.end());
    }
    if (ids.empty() && parts().generation.decoder_start_token_id >= 0) {
      ids.push_back(parts().generation.decoder_start_token_id);  // encoder-decoder default prompt
    }
    if (ids.empty()) throw Error(ErrorCode::kInvalidArgument, "the request has an empty prompt");
    const int64_t vocab = parts().language_model->vocab_size();
    for (int64_t id : ids) {
      if (id < 0 || id >= vocab) {
        throw Error(ErrorCode::kInvalidArgument, "prompt token id " + std::to_string(id) +
                                                     " is outside the vocabulary [0, " + std::to_string(vocab) + ")");
      }
    }
    return ids;
  }

  const FeatureExtractor& features() const {
    if (!parts().encoder) throw Error(ErrorCode::kInvalidArgument, "model type '" + parts().model_type + "' takes no audio");
    return parts().encoder->features();
  }

  // One request's clips as mono samples at the encoder's rate; errors name the request and clip.
  std::vector<std::vector<float>> request_clips(const Request& request, const std::string& name) const {
    std::vector<std::vector<float>> clips;
    for (size_t c = 0; c < request.audio.size(); ++c) {
      const AudioBuffer& clip = request.audio[c];
      const std::string clip_name = name + " clip " + std::to_string(c);
      validate_audio(clip, clip_name);
      const FeatureExtractor& extractor = features();
      const int rate = extractor.sampling_rate();
      const AudioBuffer at_rate = clip.sample_rate == rate ? clip : resample(clip, rate);
      if (at_rate.duration_seconds() > extractor.max_seconds() + 1e-9) {
        throw Error(ErrorCode::kInvalidArgument,
                    clip_name + " is " + std::to_string(at_rate.duration_seconds()) + " s; this model takes at most " +
                        std::to_string(extractor.max_seconds()) + " s (split the clip)");
      }
      clips.push_back(at_rate.mono());
    }
    return clips;
  }

  // Projected frames of `clips` as one batch: clips encoded before come from the cache, the
  // others are encoded together.
  EncodedAudio encode_clips(std::vector<std::vector<float>> clips, const LayerHook* hook = nullptr) const {
    const bool use_cache = audio_cache && audio_cache->capacity() > 0 && hook == nullptr;
    if (!use_cache) return run_encoder(clips, hook);
    const int rate = features().sampling_rate();
    std::vector<std::optional<at::Tensor>> frames(clips.size());
    std::vector<std::string> keys(clips.size());
    std::vector<std::vector<float>> missing;
    std::vector<size_t> missing_index;
    for (size_t i = 0; i < clips.size(); ++i) {
      keys[i] = EncodedAudioCache::key(clips[i], rate);
      frames[i] = audio_cache->find(keys[i]);
      if (!frames[i]) {
        missing.push_back(std::move(clips[i]));
        missing_index.push_back(i);
      }
    }
    if (!missing.empty()) {
      const EncodedAudio encoded = run_encoder(missing, hook);
      for (size_t m = 0; m < missing.size(); ++m) {
        const at::Tensor clip_frames = encoded.hidden[m].narrow(0, 0, encoded.output_lengths[m].item<int64_t>()).clone();
        frames[missing_index[m]] = clip_frames;
        audio_cache->insert(keys[missing_index[m]], clip_frames);
      }
    }
    // Reassemble [clips, longest, dim] with zero padding: only each clip's own frames are read.
    int64_t longest = 0;
    std::vector<int64_t> lengths;
    for (const auto& f : frames) {
      lengths.push_back(f->size(0));
      longest = std::max(longest, f->size(0));
    }
    at::Tensor hidden = at::zeros({static_cast<int64_t>(frames.size()), longest, frames[0]->size(1)}, frames[0]->options());
    for (size_t i = 0; i < frames.size(); ++i) hidden[i].narrow(0, 0, lengths[i]).copy_(*frames[i]);
    return {hidden, at::tensor(lengths, at::TensorOptions().dtype(at::kLong))};
  }

  EncodedAudio run_encoder(const std::vector<std::vector<float>>& clips, const LayerHook* hook) const {
    std::vector<AudioBuffer> buffers;
    for (const auto& clip : clips) buffers.push_back(AudioBuffer{features().sampling_rate(), 1, clip});
    const FeatureBatch batch = features().extract(buffers);
    at::Tensor values = at::from_blob(const_cast<float*>(batch.features.values.data()), batch.features.shape,
                                      at::TensorOptions().dtype(at::kFloat)).to(device);
    at::Tensor lengths = at::tensor(batch.valid_frames, at::TensorOptions().dtype(at::kLong));
    return pipeline->project(pipeline->encode(values, lengths, hook), hook);
  }

  // Left-pads prompts into [B, T] ids and mask (decoder-only models read the last position).
  void pad_prompts(const std::vector<std::vector<int64_t>>& prompts, at::Tensor& ids, at::Tensor& mask) const {
    size_t longest = 0;
    for (const auto& p : prompts) longest = std::max(longest, p.size());
    const int64_t pad = std::max<int64_t>(parts().generation.pad_token_id, 0);
    std::vector<int64_t> flat, flat_mask;
    for (const auto& p : prompts) {
      flat.insert(flat.end(), longest - p.size(), pad);
      flat_mask.insert(flat_mask.end(), longest - p.size(), 0);
      flat.insert(flat.end(), p.begin(), p.end());
      flat_mask.insert(flat_mask.end(), p.size(), 1);
    }
    const auto rows = static_cast<int64_t>(prompts.size());
    ids = at::tensor(flat, at::TensorOptions().dtype(at::kLong)).view({rows, static_cast<int64_t>(longest)}).to(device);
    mask = at::tensor(flat_mask, at::TensorOptions().dtype(at::kLong)).view({rows, static_cast<int64_t>(longest)}).to(device);
  }

  std::string decode(const std::vector<int32_t>& tokens) const {
    return tokenizer ? tokenizer->decode(tokens, /*skip_special_tokens=*/true) : std::string();
  }
};

Model::Model(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Model::~Model() = default;

std::unique_ptr<Model> Model::load(const std::string& folder, const ModelOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->folder = folder;
  impl->options = options;
  impl->device = parse_device(options.device);
  if (options.num_threads < 0) throw Error(ErrorCode::kInvalidArgument, "num_threads must be >= 0");
  install_caching_cpu_allocator();
  const ComputeThreadsScope threads(options.num_threads);  // loading computes too (conversions)
  WeightOptions weights = parse_dtype_option(options.dtype);
  weights.device = impl->device;
  impl->pipeline = std::make_unique<Pipeline>(load_model_parts(folder, weights));
  if (!impl->parts().language_model) {
    // An encoder / projector without its language model (a Q-Former bridge, Gemma 3n's audio
    // path): reference-check runs it; generation has nothing to run.
    throw Error(ErrorCode::kUnsupported, "'" + folder + "' (" + impl->parts().model_type +
                                             ") has no language model almkit can run: only `almkit reference-check` "
                                             "takes it");
  }
  if (options.audio_cache_clips < 0) throw Error(ErrorCode::kInvalidArgument, "audio_cache_clips must be >= 0");
  impl->audio_cache = std::make_unique<EncodedAudioCache>(static_cast<size_t>(options.audio_cache_clips));
  const bool has_tokenizer_files = exists(folder + "/tokenizer.json") || exists(folder + "/vocab.json") ||
                                   exists(folder + "/tokenizer.model");
  if (options.load_tokenizer && has_tokenizer_files) impl->tokenizer = Tokenizer::from_folder(folder);
  return std::unique_ptr<Model>(new Model(std::move(impl)));
}

const std::string& Model::folder() const { return impl_->folder; }
const std::string& Model::model_type() const { return impl_->parts().model_type; }
int64_t Model::audio_token_id() const { return impl_->parts().audio_token_id; }
bool Model::accepts_audio() const { return impl_->parts().encoder != nullptr; }
int Model::audio_sampling_rate() const { return accepts_audio() ? impl_->features().sampling_rate() : 16000; }
double Model::max_audio_seconds() const { return accepts_audio() ? impl_->features().max_seconds() : 0.0; }
int64_t Model::max_positions() const { return impl_->parts().language_model->max_positions(); }
bool Model::has_tokenizer() const { return impl_->tokenizer != nullptr; }

const Tokenizer& Model::tokenizer() const {
  if (!impl_->tokenizer) throw Error(ErrorCode::kNotFound, "'" + impl_->folder + "' has no tokenizer files");
  return *impl_->tokenizer;
}

std::string Model::chat_prompt(const std::string& messages_json, bool add_generation_prompt) const {
  nlohmann::json messages;
  try {
    messages = nlohmann::json::parse(messages_json);
  } catch (const nlohmann::json::exception& error) {  // parse errors, numbers beyond a double
    throw Error(ErrorCode::kInvalidFormat, std::string("chat messages are not valid JSON: ") + error.what());
  }
  // Templates test `'audio' in content` or `'audio_url' in content`; give bare audio parts a key.
  nlohmann::json& list = messages.is_object() && messages.contains("messages") ? messages["messages"] : messages;
  int clip = 0;
  for (auto& message : list) {
    if (!message.is_object() || !message.contains("content") || !message["content"].is_array()) continue;
    for (auto& part : message["content"]) {
      if (part.is_object() && part.value("type", "") == "audio" && !part.contains("audio") && !part.contains("audio_url")) {
        part["audio"] = "clip " + std::to_string(++clip);
      }
    }
  }
  return apply_chat_template(tokenizer(), messages.dump(), add_generation_prompt);
}

GenerateResult Model::generate(const Request& request, const GenerateOptions& options) const {
  GenerateResult result = generate_batch({request}, options).front();
  if (result.error) throw *result.error;
  return result;
}

std::vector<GenerateResult> Model::generate_batch(const std::vector<Request>& requests,
                                                  const GenerateOptions& options) const {
  if (requests.empty()) return {};
  if (options.max_new_tokens <= 0) throw Error(ErrorCode::kInvalidArgument, "max_new_tokens must be >= 1");
  if (options.min_new_tokens < 0) throw Error(ErrorCode::kInvalidArgument, "min_new_tokens must be >= 0");
  const Impl& m = *impl_;
  const ComputeThreadsScope threads(m.options.num_threads);
  c10::InferenceMode inference;  // no autograd bookkeeping: ~1,800 small ops per decoded token
  const LayerHook hook = bridge_hooks(options.hooks);
  const LayerHook* hook_pointer = hook.callback ? &hook : nullptr;
  // Each request is checked on its own: one that is refused gets its error in its result, and
  // the others run as a batch without it.
  std::vector<GenerateResult> results(requests.size());
  const auto refuse = [&](size_t r, const Error& error) {
    results[r].error = Error(error.code(), (requests.size() > 1 ? "request " + std::to_string(r) + ": " : "") + error.what());
  };
  std::vector<std::vector<int64_t>> prompts(requests.size());
  std::vector<std::vector<std::vector<float>>> clips(requests.size());
  for (size_t r = 0; r < requests.size(); ++r) {
    try {
      prompts[r] = m.prompt_ids(requests[r]);
      clips[r] = m.request_clips(requests[r], "request " + std::to_string(r));
    } catch (const Error& error) {
      refuse(r, error);
    }
  }
  std::vector<std::vector<float>> all_clips;
  for (size_t r = 0; r < requests.size(); ++r) {
    if (results[r].error) continue;
    for (auto& clip : clips[r]) all_clips.push_back(std::move(clip));
  }
  EncodedAudio audio;
  if (!all_clips.empty()) audio = m.encode_clips(std::move(all_clips), hook_pointer);
  // Rows whose placeholders fit their clips and whose prompt fits the context.
  const LanguageModel& lm = *m.parts().language_model;
  std::vector<size_t> live;            // request index of each batch row
  std::vector<int64_t> clips_per_row;  // of the batch rows
  std::vector<int64_t> live_clips;     // indices into `audio` of the batch rows' clips
  int64_t next_clip = 0;
  for (size_t r = 0; r < requests.size(); ++r) {
    if (results[r].error) continue;
    const auto count = static_cast<int64_t>(requests[r].audio.size());
    try {
      std::vector<int64_t> frames;
      for (int64_t c = 0; c < count; ++c) frames.push_back(audio.output_lengths[next_clip + c].item<int64_t>());
      const std::string name = "request " + std::to_string(r);
      int64_t positions = static_cast<int64_t>(prompts[r].size());
      if (!lm.attends_to_audio() && m.parts().audio_token_id >= 0) {
        const PlaceholderLayout layout =
            check_row_audio(prompts[r].data(), positions, m.parts().audio_token_id, frames, name);
        if (layout == PlaceholderLayout::kOnePerClip) {
          for (int64_t f : frames) positions += f - 1;
        }
      } else if (lm.attends_to_audio() && count != 1) {
        throw Error(ErrorCode::kInvalidArgument, name + " has " + std::to_string(count) +
                                                     " clips; this encoder-decoder model takes exactly one");
      }
      if (positions + options.max_new_tokens > lm.max_positions()) {
        throw Error(ErrorCode::kInvalidArgument,
                    "prompt of " + std::to_string(positions) + " positions (audio frames included) plus " +
                        std::to_string(options.max_new_tokens) + " new tokens exceeds the model's context of " +
                        std::to_string(lm.max_positions()));
      }
      live.push_back(r);
      clips_per_row.push_back(count);
      for (int64_t c = 0; c < count; ++c) live_clips.push_back(next_clip + c);
    } catch (const Error& error) {
      refuse(r, error);
    }
    next_clip += count;
  }
  if (live.empty()) return results;
  std::vector<std::vector<int64_t>> live_prompts;
  for (size_t r : live) live_prompts.push_back(prompts[r]);
  at::Tensor ids, mask;
  m.pad_prompts(live_prompts, ids, mask);
  EncodedAudio live_audio;
  if (!live_clips.empty()) {
    const at::Tensor index = at::tensor(live_clips, at::TensorOptions().dtype(at::kLong));
    live_audio = {audio.hidden.index_select(0, index.to(audio.hidden.device())), audio.output_lengths.index_select(0, index)};
  }
  nn::KvCache cache = lm.new_cache();
  const DecoderInput input =
      m.pipeline->prepare(ids, mask, live_clips.empty() ? nullptr : &live_audio, cache, clips_per_row);
  SamplingOptions sampling;
  sampling.max_new_tokens = options.max_new_tokens;
  sampling.greedy = options.temperature <= 0.0;
  sampling.temperature = sampling.greedy ? 1.0 : options.temperature;
  sampling.top_k = options.top_k;
  sampling.top_p = options.top_p;
  sampling.seed = options.seed;
  sampling.stop_token_ids.assign(options.stop_token_ids.begin(), options.stop_token_ids.end());
  sampling.min_new_tokens = options.min_new_tokens;
  if (options.logprobs >= 0 && options.on_logprobs) {
    sampling.logprobs = options.logprobs;
    sampling.on_logprobs = [&](int64_t row, const StepLogprobs& step) { options.on_logprobs(live[row], step); };
  }
  std::vector<std::vector<int32_t>> so_far(live.size());
  std::vector<std::string> text_so_far(live.size());
  std::vector<bool> cancelled(live.size(), false);
  if (options.on_token) {
    sampling.on_token = [&](int64_t row, int64_t token) {
      so_far[row].push_back(static_cast<int32_t>(token));
      std::string piece;
      if (m.tokenizer) {
        const std::string text = m.decode(so_far[row]);
        // A partial multi-byte character decodes to U+FFFD: hold it back until complete.
        if (text.size() >= text_so_far[row].size() && text.compare(0, text_so_far[row].size(), text_so_far[row]) == 0 &&
            (text.size() < 3 || text.compare(text.size() - 3, 3, "\xEF\xBF\xBD") != 0)) {
          piece = text.substr(text_so_far[row].size());
          text_so_far[row] = text;
        }
      }
      const bool keep_going = options.on_token(live[row], static_cast<int32_t>(token), piece);
      if (!keep_going) cancelled[row] = true;
      return keep_going;
    };
  }
  const Generation generation = m.pipeline->generate(input, cache, sampling, hook_pointer);
  std::vector<int64_t> stops = m.parts().generation.eos_token_ids;
  stops.insert(stops.end(), options.stop_token_ids.begin(), options.stop_token_ids.end());
  for (size_t r = 0; r < live.size(); ++r) {
    GenerateResult& result = results[live[r]];
    result.tokens.assign(generation.tokens[r].begin(), generation.tokens[r].end());
    result.prompt_tokens = input.attention_mask[r].sum().item<int64_t>();
    const bool stopped = !result.tokens.empty() &&
                         std::find(stops.begin(), stops.end(), result.tokens.back()) != stops.end();
    result.stop_reason = cancelled[r] ? "cancelled" : stopped ? "stop" : "length";
    result.text = m.decode(result.tokens);
  }
  return results;
}

std::vector<OptionScore> Model::score(const Request& request, const std::vector<std::string>& continuations,
                                      const LayerHooks& hooks) const {
  std::vector<std::vector<int32_t>> ids;
  for (const auto& text : continuations) ids.push_back(tokenizer().encode(text, /*add_special_tokens=*/false));
  return score_ids(request, ids, hooks);
}

std::vector<OptionScore> Model::score_ids(const Request& request,
                                          const std::vector<std::vector<int32_t>>& continuations,
                                          const LayerHooks& hooks, int top_logprobs) const {
  if (top_logprobs < 0) {
    throw Error(ErrorCode::kInvalidArgument,
                "top_logprobs must be >= 0, got " + std::to_string(top_logprobs));
  }
  const Impl& m = *impl_;
  const ComputeThreadsScope threads(m.options.num_threads);
  c10::InferenceMode inference;  // no autograd bookkeeping: ~1,800 small ops per decoded token
  const LayerHook hook = bridge_hooks(hooks);
  const LayerHook* hook_pointer = hook.callback ? &hook : nullptr;
  const std::vector<int64_t> prompt = m.prompt_ids(request);
  std::vector<std::vector<float>> clips = m.request_clips(request, "the request");
  const bool has_audio = !clips.empty();
  EncodedAudio audio;
  if (has_audio) audio = m.encode_clips(std::move(clips), hook_pointer);
  at::Tensor ids, mask;
  m.pad_prompts({prompt}, ids, mask);
  nn::KvCache cache = m.parts().language_model->new_cache();
  const DecoderInput input = m.pipeline->prepare(ids, mask, has_audio ? &audio : nullptr, cache,
                                                 {static_cast<int64_t>(request.audio.size())});
  std::vector<std::vector<int64_t>> wide;
  const int64_t vocab = m.parts().language_model->vocab_size();
  for (const auto& c : continuations) {
    for (int32_t id : c) {
      if (id < 0 || id >= vocab) throw Error(ErrorCode::kInvalidArgument, "continuation token id " + std::to_string(id) + " is outside the vocabulary");
    }
    wide.emplace_back(c.begin(), c.end());
  }
  return m.pipeline->score(input, cache, wide, hook_pointer, top_logprobs);
}

const Pipeline& ModelAccess::pipeline(const Model& model) { return *model.impl_->pipeline; }

int ModelAccess::num_threads(const Model& model) { return model.impl_->options.num_threads; }

RequestTensors ModelAccess::request_tensors(const Model& model, const Request& request) {
  const Model::Impl& m = *model.impl_;
  RequestTensors out;
  m.pad_prompts({m.prompt_ids(request)}, out.ids, out.attention_mask);
  const std::vector<std::vector<float>> clips = m.request_clips(request, "the request");
  out.clips_per_row = {static_cast<int64_t>(clips.size())};
  if (clips.empty()) return out;
  std::vector<AudioBuffer> buffers;
  for (const auto& clip : clips) buffers.push_back(AudioBuffer{m.features().sampling_rate(), 1, clip});
  const FeatureBatch batch = m.features().extract(buffers);
  out.features = at::from_blob(const_cast<float*>(batch.features.values.data()), batch.features.shape,
                               at::TensorOptions().dtype(at::kFloat)).to(m.device, /*non_blocking=*/false, /*copy=*/true);
  out.feature_lengths = at::tensor(batch.valid_frames, at::TensorOptions().dtype(at::kLong));
  out.samples = clips;
  return out;
}

}  // namespace almkit
