// almkit.Model (include/almkit/model.h): load, chat prompts, generate (whole or as a streaming
// iterator with per-step log-probabilities), score / score_ids with alternatives, layer hooks.
// Every model call releases the GIL; a Model serves several Python threads at once.
#include "almkit/model.h"

#include <pybind11/stl/filesystem.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "almkit/tokenizer.h"
#include "bindings.h"

namespace almkit::python {
namespace {

// What a hook sees: views of the model's buffers, valid only during the call (writes to
// `hidden` go back into the model).
struct PythonLayerState {
  std::string stack;
  int layer = 0;
  py::array hidden;
  py::object attention;
};

py::array view(float* data, const std::vector<int64_t>& shape, bool writable) {
  py::capsule no_owner(data, [](void*) {});
  py::array_t<float> array(std::vector<py::ssize_t>(shape.begin(), shape.end()), data, no_owner);
  if (!writable)
    py::detail::array_proxy(array.ptr())->flags &= ~py::detail::npy_api::NPY_ARRAY_WRITEABLE_;
  return std::move(array);
}

LayerHooks make_hooks(const py::object& callback, bool want_attention) {
  LayerHooks hooks;
  if (callback.is_none()) return hooks;
  if (!PyCallable_Check(callback.ptr()))
    throw Error(ErrorCode::kInvalidArgument, "hooks must be a callable");
  auto function = std::make_shared<PythonCallable>(callback);
  hooks.want_attention = want_attention;
  hooks.callback = [function](LayerState& state) {
    py::gil_scoped_acquire acquire;
    PythonLayerState python_state;
    python_state.stack = state.stack;
    python_state.layer = state.layer;
    python_state.hidden = view(state.hidden, state.shape, true);
    python_state.attention =
        state.attention != nullptr
            ? py::object(view(const_cast<float*>(state.attention), state.attention_shape, false))
            : py::none();
    function->function(py::cast(python_state, py::return_value_policy::reference));
  };
  return hooks;
}

py::object as_float_array(py::object value) {
  if (py::hasattr(value, "detach") && py::hasattr(value, "cpu"))
    value = value.attr("detach")().attr("cpu")().attr("numpy")();
  return value;
}

// Clips from None, a path, an array (at the model's rate), (array, sample_rate), or a list of
// those.
void append_audio(const py::handle& item, int model_rate, std::vector<AudioBuffer>& out) {
  if (py::isinstance<py::str>(item) || py::hasattr(item, "__fspath__")) {
    const std::string path = py::str(py::module_::import("os").attr("fspath")(item));
    AudioLoadOptions options;
    options.target_sample_rate = model_rate;
    py::gil_scoped_release release;
    out.push_back(load_audio(path, options));
    return;
  }
  if (py::isinstance<py::tuple>(item) && py::len(item) == 2 &&
      py::isinstance<py::int_>(item[py::int_(1)])) {
    const py::tuple pair = py::reinterpret_borrow<py::tuple>(item);
    out.push_back(numpy_to_audio(as_float_array(pair[0]).cast<FloatArray>(), pair[1].cast<int>(),
                                 "audio clip"));
    return;
  }
  out.push_back(
      numpy_to_audio(as_float_array(py::reinterpret_borrow<py::object>(item)).cast<FloatArray>(),
                     model_rate, "audio clip"));
}

std::vector<AudioBuffer> audio_list(const py::object& audio, int model_rate) {
  std::vector<AudioBuffer> out;
  if (audio.is_none()) return out;
  if (py::isinstance<py::list>(audio)) {
    for (const py::handle item : audio) append_audio(item, model_rate, out);
  } else {
    append_audio(audio, model_rate, out);
  }
  return out;
}

Request make_request(const Model& model, const py::object& prompt, const py::object& audio) {
  Request request;
  if (py::isinstance<py::str>(prompt)) {
    request.prompt = prompt.cast<std::string>();
  } else if (!prompt.is_none()) {
    request.prompt_ids = prompt.cast<std::vector<int32_t>>();
  }
  if (request.prompt.empty() && request.prompt_ids.empty()) {
    throw Error(ErrorCode::kInvalidArgument,
                "a prompt is needed: text (through chat_prompt) or a list of ids");
  }
  request.audio = audio_list(audio, model.audio_sampling_rate());
  return request;
}

struct GenerateArgs {
  int max_new_tokens = 64;
  double temperature = 0.0;
  int top_k = 0;
  double top_p = 1.0;
  uint64_t seed = 0;
  std::vector<int32_t> stop_token_ids;
  int min_new_tokens = 0;
  std::optional<int> logprobs;
};

GenerateOptions make_options(const GenerateArgs& args, const py::object& hooks,
                             bool hook_attention) {
  GenerateOptions options;
  options.max_new_tokens = args.max_new_tokens;
  options.temperature = args.temperature;
  options.top_k = args.top_k;
  options.top_p = args.top_p;
  options.seed = args.seed;
  options.stop_token_ids = args.stop_token_ids;
  options.min_new_tokens = args.min_new_tokens;
  options.logprobs = args.logprobs.value_or(-1);
  options.hooks = make_hooks(hooks, hook_attention);
  return options;
}

// One generated token as the iterator yields it.
struct GeneratedToken {
  size_t row = 0;
  int32_t id = 0;
  std::string piece;
  std::optional<StepLogprobs> step;  // with logprobs=N
};

// GenerateResult plus the per-step log-probabilities when asked for.
struct Generation {
  GenerateResult result;
  std::vector<StepLogprobs> logprobs;
};

// Runs one generate() on its own thread and hands its tokens to Python one at a time; dropping
// the iterator (or close()) cancels the generation.
class GenerationStream {
 public:
  GenerationStream(std::shared_ptr<const Model> model, Request request, GenerateOptions options)
      : model_(std::move(model)) {
    const bool want_logprobs = options.logprobs >= 0;
    options.on_logprobs = [this](size_t, const StepLogprobs& step) { pending_step_ = step; };
    options.on_token = [this, want_logprobs](size_t row, int32_t token, const std::string& piece) {
      GeneratedToken event{row, token, piece, std::nullopt};
      if (want_logprobs) event.step = pending_step_;
      std::unique_lock<std::mutex> lock(mutex_);
      queue_.push_back(std::move(event));
      ready_.notify_all();
      // At most kAhead tokens beyond what Python has read: leaving the loop early then cancels
      // the generation instead of finding it already finished (and memory stays bounded).
      ready_.wait(lock, [&] { return queue_.size() <= kAhead || cancel_ || !throttled_; });
      return !cancel_;
    };
    if (!want_logprobs) options.on_logprobs = nullptr;
    worker_ = std::thread([this, request = std::move(request), options = std::move(options)] {
      std::exception_ptr error;
      GenerateResult result;
      try {
        result = model_->generate(request, options);
      } catch (...) {
        error = std::current_exception();
      }
      std::lock_guard<std::mutex> lock(mutex_);
      result_ = std::move(result);
      error_ = error;
      done_ = true;
      ready_.notify_all();
    });
  }
  ~GenerationStream() { close(); }

  py::object next() {
    std::optional<GeneratedToken> event;
    {
      py::gil_scoped_release release;
      std::unique_lock<std::mutex> lock(mutex_);
      ready_.wait(lock, [&] { return !queue_.empty() || done_; });
      if (!queue_.empty()) {
        event = std::move(queue_.front());
        queue_.pop_front();
        ready_.notify_all();  // the worker may wait for room
      }
    }
    if (event) return py::cast(std::move(*event));
    join();
    if (error_ && !raised_) {
      raised_ = true;
      std::rethrow_exception(error_);
    }
    throw py::stop_iteration();
  }

  // Stops the generation (if running) and waits for its thread.
  void close() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      cancel_ = true;
    }
    ready_.notify_all();
    if (!worker_.joinable()) return;
    if (PyGILState_Check()) {
      py::gil_scoped_release release;  // a hook of the worker may be waiting for the GIL
      worker_.join();
    } else {
      worker_.join();
    }
  }

  // The finished result (waits for the end; raises the generation's error).
  GenerateResult result() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      throttled_ = false;  // nobody may read the rest: let the generation run to its end
    }
    ready_.notify_all();
    join();
    if (error_) std::rethrow_exception(error_);
    return result_;
  }

 private:
  void join() {
    if (!worker_.joinable()) return;
    py::gil_scoped_release release;
    worker_.join();
  }

  std::shared_ptr<const Model> model_;
  std::thread worker_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<GeneratedToken> queue_;
  StepLogprobs pending_step_;  // set by on_logprobs just before on_token, on the worker thread
  static constexpr size_t kAhead = 2;
  std::atomic<bool> cancel_{false};
  bool throttled_ = true;  // the worker waits while kAhead tokens are unread
  bool done_ = false, raised_ = false;
  std::exception_ptr error_;
  GenerateResult result_;
};

py::list top_list(const std::vector<TokenLogprob>& top) {
  py::list out;
  for (const TokenLogprob& entry : top) out.append(py::make_tuple(entry.id, entry.logprob));
  return out;
}

}  // namespace

void register_model(py::module_& m) {
  py::class_<PythonLayerState>(
      m, "LayerState",
      "What a layer hook sees after each transformer layer. The arrays are views "
      "of the model's buffers, valid only during the call; writing into "
      "`hidden` changes the model's state (steering, ablation).")
      .def_readonly("stack", &PythonLayerState::stack, "'encoder' or 'decoder'")
      .def_readonly("layer", &PythonLayerState::layer)
      .def_readonly("hidden", &PythonLayerState::hidden,
                    "float32 [batch, positions, hidden], writable")
      .def_readonly("attention", &PythonLayerState::attention,
                    "float32 [batch, heads, queries, keys] (hook_attention=True), else None");

  py::class_<StepLogprobs>(m, "StepLogprobs",
                           "A generated token's log-probability, rank and alternatives.")
      .def_readonly("token", &StepLogprobs::token)
      .def_readonly("logprob", &StepLogprobs::logprob)
      .def_readonly("rank", &StepLogprobs::rank)
      .def_property_readonly(
          "top", [](const StepLogprobs& s) { return top_list(s.top); },
          "[(id, logprob)], most likely first")
      .def("__repr__", [](const StepLogprobs& s) {
        return "StepLogprobs(token=" + std::to_string(s.token) +
               ", logprob=" + std::to_string(s.logprob) + ", rank=" + std::to_string(s.rank) + ")";
      });

  py::class_<GeneratedToken>(m, "GeneratedToken", "One token of a streamed generation.")
      .def_readonly("row", &GeneratedToken::row)
      .def_readonly("id", &GeneratedToken::id)
      .def_property_readonly(
          "piece",
          [](const GeneratedToken& t) {
            return py::bytes(t.piece).attr("decode")("utf-8", "replace");
          },
          "the text this token adds ('' inside a multi-byte character)")
      .def_property_readonly("logprob",
                             [](const GeneratedToken& t) -> py::object {
                               return t.step ? py::cast(t.step->logprob) : py::none();
                             })
      .def_property_readonly("rank",
                             [](const GeneratedToken& t) -> py::object {
                               return t.step ? py::cast(t.step->rank) : py::none();
                             })
      .def_property_readonly("top",
                             [](const GeneratedToken& t) -> py::object {
                               return t.step ? py::object(top_list(t.step->top)) : py::none();
                             })
      .def("__repr__", [](const GeneratedToken& t) {
        return "GeneratedToken(id=" + std::to_string(t.id) +
               ", piece=" + py::repr(py::str(t.piece)).cast<std::string>() + ")";
      });

  py::class_<GenerateResult>(m, "GenerateResult")
      .def_readonly("text", &GenerateResult::text, "decoded without special tokens")
      .def_readonly("tokens", &GenerateResult::tokens, "new tokens, stop token included")
      .def_readonly("stop_reason", &GenerateResult::stop_reason, "'stop', 'length' or 'cancelled'")
      .def_readonly("prompt_tokens", &GenerateResult::prompt_tokens)
      .def_property_readonly(
          "error",
          [](const GenerateResult& r) -> py::object {
            if (!r.error) return py::none();
            return py::module_::import("almkit._errors")
                .attr("from_code")(static_cast<int>(r.error->code()), r.error->what());
          },
          "generate_batch: the almkit.Error that refused this request alone, else None")
      .def("__repr__", [](const GenerateResult& r) {
        return "GenerateResult(text=" + py::repr(py::str(r.text)).cast<std::string>() +
               ", stop_reason='" + r.stop_reason + "')";
      });

  py::class_<Generation>(m, "Generation",
                         "A finished generation: GenerateResult plus per-step logprobs.")
      .def_property_readonly("text", [](const Generation& g) { return g.result.text; })
      .def_property_readonly("tokens", [](const Generation& g) { return g.result.tokens; })
      .def_property_readonly("stop_reason",
                             [](const Generation& g) { return g.result.stop_reason; })
      .def_property_readonly("prompt_tokens",
                             [](const Generation& g) { return g.result.prompt_tokens; })
      .def_readonly("logprobs", &Generation::logprobs,
                    "StepLogprobs per token (logprobs=N), else []")
      .def("__repr__", [](const Generation& g) {
        return "Generation(text=" + py::repr(py::str(g.result.text)).cast<std::string>() +
               ", stop_reason='" + g.result.stop_reason + "')";
      });

  py::class_<GenerationStream>(
      m, "GenerationStream",
      "Iterator over the tokens of one generation (GeneratedToken); closing or "
      "dropping it cancels the generation. `result` waits for the end.")
      .def("__iter__", [](py::object self) { return self; })
      .def("__next__", &GenerationStream::next)
      .def("close", &GenerationStream::close)
      .def_property_readonly("result", &GenerationStream::result)
      .def("__enter__", [](py::object self) { return self; })
      .def("__exit__", [](GenerationStream& s, py::args) { s.close(); });

  py::class_<OptionScore>(m, "OptionScore", "Log-likelihood of one continuation.")
      .def_readonly("sum_logprob", &OptionScore::sum_logprob)
      .def_readonly("mean_logprob", &OptionScore::mean_logprob)
      .def_readonly("tokens", &OptionScore::tokens)
      .def_readonly("token_logprobs", &OptionScore::token_logprobs)
      .def_readonly("token_ranks", &OptionScore::token_ranks)
      .def_property_readonly(
          "top_logprobs",
          [](const OptionScore& s) {
            py::list out;
            for (const auto& top : s.top_logprobs) out.append(top_list(top));
            return out;
          },
          "per token, [(id, logprob)] most likely first (top_logprobs=N)")
      .def("__repr__", [](const OptionScore& s) {
        return "OptionScore(sum_logprob=" + std::to_string(s.sum_logprob) +
               ", tokens=" + std::to_string(s.tokens) + ")";
      });

  py::class_<Model, std::shared_ptr<Model>>(
      m, "Model",
      "An audio-language model loaded from a Hugging Face checkpoint folder. "
      "Immutable after loading: generate() and score() may run from several "
      "threads at once (the GIL is released during model calls).")
      .def(py::init([](const std::filesystem::path& path, const std::string& dtype, int threads,
                       const std::string& device, bool load_tokenizer, int audio_cache_clips) {
             ModelOptions options;
             options.dtype = dtype;
             options.num_threads = threads;
             options.device = device;
             options.load_tokenizer = load_tokenizer;
             options.audio_cache_clips = audio_cache_clips;
             py::gil_scoped_release release;
             return std::shared_ptr<Model>(Model::load(path.string(), options));
           }),
           py::arg("path"), py::arg("dtype") = "float32", py::arg("threads") = 0,
           py::arg("device") = "cpu", py::arg("load_tokenizer") = true,
           py::arg("audio_cache_clips") = 16)
      .def_property_readonly("folder", &Model::folder)
      .def_property_readonly("model_type", &Model::model_type)
      .def_property_readonly("accepts_audio", &Model::accepts_audio)
      .def_property_readonly("audio_sampling_rate", &Model::audio_sampling_rate)
      .def_property_readonly("max_audio_seconds", &Model::max_audio_seconds)
      .def_property_readonly("max_positions", &Model::max_positions)
      .def_property_readonly("audio_token_id", &Model::audio_token_id)
      .def_property_readonly("has_tokenizer", &Model::has_tokenizer)
      .def_property_readonly("tokenizer", &Model::tokenizer,
                             py::return_value_policy::reference_internal)
      .def(
          "chat_prompt",
          [](const Model& model, const py::object& messages, bool add_generation_prompt) {
            const std::string json = to_json_text(messages);
            py::gil_scoped_release release;
            return model.chat_prompt(json, add_generation_prompt);
          },
          py::arg("messages"), py::arg("add_generation_prompt") = true,
          "The checkpoint's chat template applied to messages; {'type': 'audio'} parts become the "
          "audio "
          "placeholder.")
      .def(
          "generate",
          [](const Model& model, const py::object& prompt, const py::object& audio,
             int max_new_tokens, double temperature, int top_k, double top_p, uint64_t seed,
             std::vector<int32_t> stop_token_ids, int min_new_tokens, std::optional<int> logprobs,
             const py::object& hooks, bool hook_attention) {
            const Request request = make_request(model, prompt, audio);
            GenerateOptions options = make_options({max_new_tokens, temperature, top_k, top_p, seed,
                                                    stop_token_ids, min_new_tokens, logprobs},
                                                   hooks, hook_attention);
            Generation generation;
            if (logprobs) {
              options.on_logprobs = [&generation](size_t, const StepLogprobs& step) {
                generation.logprobs.push_back(step);
              };
            }
            {
              py::gil_scoped_release release;
              generation.result = model.generate(request, options);
            }
            return generation;
          },
          py::arg("prompt"), py::arg("audio") = py::none(), py::arg("max_new_tokens") = 64,
          py::arg("temperature") = 0.0, py::arg("top_k") = 0, py::arg("top_p") = 1.0,
          py::arg("seed") = 0, py::arg("stop_token_ids") = std::vector<int32_t>{},
          py::arg("min_new_tokens") = 0, py::arg("logprobs") = py::none(),
          py::arg("hooks") = py::none(), py::arg("hook_attention") = false)
      .def(
          "stream",
          [](const std::shared_ptr<Model>& model, const py::object& prompt, const py::object& audio,
             int max_new_tokens, double temperature, int top_k, double top_p, uint64_t seed,
             std::vector<int32_t> stop_token_ids, int min_new_tokens, std::optional<int> logprobs,
             const py::object& hooks, bool hook_attention) {
            Request request = make_request(*model, prompt, audio);
            GenerateOptions options = make_options({max_new_tokens, temperature, top_k, top_p, seed,
                                                    stop_token_ids, min_new_tokens, logprobs},
                                                   hooks, hook_attention);
            return std::make_unique<GenerationStream>(model, std::move(request),
                                                      std::move(options));
          },
          py::arg("prompt"), py::arg("audio") = py::none(), py::arg("max_new_tokens") = 64,
          py::arg("temperature") = 0.0, py::arg("top_k") = 0, py::arg("top_p") = 1.0,
          py::arg("seed") = 0, py::arg("stop_token_ids") = std::vector<int32_t>{},
          py::arg("min_new_tokens") = 0, py::arg("logprobs") = py::none(),
          py::arg("hooks") = py::none(), py::arg("hook_attention") = false)
      .def(
          "generate_batch",
          [](const Model& model, const py::list& prompts, const py::object& audio,
             int max_new_tokens, double temperature, int top_k, double top_p, uint64_t seed,
             std::vector<int32_t> stop_token_ids, int min_new_tokens) {
            std::vector<Request> requests;
            for (size_t i = 0; i < prompts.size(); ++i) {
              const py::object clips =
                  audio.is_none() ? py::none() : py::object(audio[py::int_(i)]);
              requests.push_back(make_request(model, prompts[i], clips));
            }
            GenerateOptions options = make_options({max_new_tokens, temperature, top_k, top_p, seed,
                                                    stop_token_ids, min_new_tokens, std::nullopt},
                                                   py::none(), false);
            py::gil_scoped_release release;
            return model.generate_batch(requests, options);
          },
          py::arg("prompts"), py::arg("audio") = py::none(), py::arg("max_new_tokens") = 64,
          py::arg("temperature") = 0.0, py::arg("top_k") = 0, py::arg("top_p") = 1.0,
          py::arg("seed") = 0, py::arg("stop_token_ids") = std::vector<int32_t>{},
          py::arg("min_new_tokens") = 0)
      .def(
          "score",
          [](const Model& model, const py::object& prompt,
             const std::vector<std::string>& continuations, const py::object& audio,
             const py::object& hooks, bool hook_attention) {
            const Request request = make_request(model, prompt, audio);
            const LayerHooks layer_hooks = make_hooks(hooks, hook_attention);
            py::gil_scoped_release release;
            return model.score(request, continuations, layer_hooks);
          },
          py::arg("prompt"), py::arg("continuations"), py::arg("audio") = py::none(),
          py::arg("hooks") = py::none(), py::arg("hook_attention") = false)
      .def(
          "score_ids",
          [](const Model& model, const py::object& prompt,
             const std::vector<std::vector<int32_t>>& continuations, const py::object& audio,
             int top_logprobs, const py::object& hooks, bool hook_attention) {
            const Request request = make_request(model, prompt, audio);
            const LayerHooks layer_hooks = make_hooks(hooks, hook_attention);
            py::gil_scoped_release release;
            return model.score_ids(request, continuations, layer_hooks, top_logprobs);
          },
          py::arg("prompt"), py::arg("continuations"), py::arg("audio") = py::none(),
          py::arg("top_logprobs") = 0, py::arg("hooks") = py::none(),
          py::arg("hook_attention") = false);
}

}  // namespace almkit::python
