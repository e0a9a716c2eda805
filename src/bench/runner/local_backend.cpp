// The in-process backend: the checkpoint loaded with Model, each unit decoded on its own (the
// numbers are those of the runner before backends existed), and make_eval_backend's dispatch.
#include <algorithm>
#include <fstream>
#include <thread>

#include "almkit/research.h"
#include "bench/runner/audio_windows.h"
#include "bench/runner/backend.h"
#include "bench/runner/hashing.h"
#include "bench/runner/unit.h"

namespace almkit::bench {
namespace {

using ojson = nlohmann::ordered_json;

std::string config_note(const std::string& folder) {
  std::ifstream in(folder + "/config.json");
  if (!in) return "";
  try {
    const auto config = nlohmann::json::parse(in);
    const auto note = config.find("almkit_note");
    return note != config.end() && note->is_string() ? note->get<std::string>() : "";
  } catch (const std::exception&) {
    return "";  // Model::load reports a malformed config with its own message
  }
}

class LocalBackend : public EvalBackend {
 public:
  explicit LocalBackend(const EvalOptions& options)
      : options_(options), fingerprint_(model_fingerprint(options.model_dir)) {
    ModelOptions model_options;
    model_options.device = options.device;
    model_options.dtype = options.dtype;
    // `batch` items run at once, each on threads / batch compute threads.
    const int threads = options.threads > 0
                            ? options.threads
                            : int(std::max(1u, std::thread::hardware_concurrency()));
    model_options.num_threads = std::max(1, threads / options.batch);
    model_ = Model::load(options.model_dir, model_options);
    if (!options.steer_path.empty()) {
      hooks_ = research::steering_hooks(research::SteeringVector::load(options.steer_path), options.steer_alpha,
                                        options.steer_positions);
    }
    if (!model_->has_tokenizer()) {
      throw Error(ErrorCode::kUnsupported,
                  options.model_dir + ": eval needs a checkpoint with tokenizer files");
    }
  }

  std::string identity() const override { return fingerprint_; }
  ojson describe() const override { return {{"kind", "local"}, {"model_dir", options_.model_dir}}; }
  std::string model_note() const override { return config_note(options_.model_dir); }
  int units_in_flight() const override { return options_.batch; }
  int audio_parts(const std::string& path) const override {
    if (options_.long_audio == "truncate" || options_.long_audio == "refuse") return 1;
    return window_count(audio_file_seconds(path), window_seconds());
  }
  std::string prompt(const std::string& messages_json, const BenchItem&,
                     const std::vector<std::string>&) const override {
    return model_->chat_prompt(messages_json, true);
  }

  BackendAnswer generate(const UnitInput& unit) const override {
    BackendAnswer answer;
    const Request request = make_request(unit, answer);
    GenerateOptions generation;
    generation.max_new_tokens = unit.options.max_new_tokens;
    generation.temperature = unit.options.temperature;
    generation.top_k = unit.options.top_k;
    generation.top_p = unit.options.top_p;
    generation.seed = unit.plan.seed;
    generation.min_new_tokens = std::min(unit.plan.min_new_tokens, generation.max_new_tokens);
    generation.hooks = hooks_;
    const GenerateResult result = model_->generate(request, generation);
    answer.text = result.text;
    answer.prompt_tokens = result.prompt_tokens;
    answer.new_tokens = static_cast<int64_t>(result.tokens.size());
    answer.stop_reason = result.stop_reason;
    return answer;
  }

  BackendAnswer score(const UnitInput& unit) const override {
    BackendAnswer answer;
    const Request request = make_request(unit, answer);
    answer.scores = model_->score(request, unit.plan.shown_choices, hooks_);
    answer.stop_reason = "scored";
    return answer;
  }

 private:
  // The clips of a unit at the model's rate, silenced if asked, long ones split into windows.
  Request make_request(const UnitInput& unit, BackendAnswer& answer) const {
    AudioLoadOptions load;
    load.target_sample_rate = model_->audio_sampling_rate();
    load.mono = true;
    Request request;
    request.prompt = unit.plan.prompt;
    for (const auto& path : unit.item.audio_paths) {
      if (unit.plan.text_only) break;  // --modality text: the transcript is in the prompt
      AudioBuffer clip = load_audio(path, load);
      answer.audio_seconds += clip.duration_seconds();
      // Silence of the same length: exact zeros (the mel front end floors the log).
      if (unit.plan.silent) std::fill(clip.samples.begin(), clip.samples.end(), 0.0f);
      for (auto& part :
           apply_long_audio_policy(std::move(clip), path, options_.long_audio, window_seconds())) {
        request.audio.push_back(std::move(part));
      }
    }
    answer.audio_parts = static_cast<int64_t>(request.audio.size());
    return request;
  }

  double window_seconds() const {
    return options_.max_audio_seconds > 0 ? options_.max_audio_seconds
                                          : model_->max_audio_seconds();
  }

  const EvalOptions& options_;
  std::string fingerprint_;
  std::unique_ptr<Model> model_;
  LayerHooks hooks_;  // --steer (empty: none)
};

}  // namespace

std::unique_ptr<EvalBackend> make_local_backend(const EvalOptions& options) {
  return std::make_unique<LocalBackend>(options);
}

std::unique_ptr<EvalBackend> make_eval_backend(const EvalOptions& options) {
  if (options.backend == "openai") return make_openai_backend(options);
  return make_local_backend(options);
}

}  // namespace almkit::bench
