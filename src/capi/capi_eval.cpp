// almkit.h: the benchmark runner (almkit::bench::run_eval) with a progress callback that can
// stop the run, and its outcome with summary.json's content.
#include "almkit/eval.h"
#include "capi/capi_internal.h"

struct almkit_eval_result {
  almkit::bench::EvalOutcome outcome;
};

using almkit::capi::guarded;

extern "C" {

almkit_eval_params almkit_eval_default_params(void) {
  const almkit::bench::EvalOptions d;
  almkit_eval_params p{};
  p.struct_size = sizeof p;
  p.model_dir = nullptr;
  p.bench = "perception";
  p.data_path = nullptr;
  p.audio_root = nullptr;
  p.out_dir = nullptr;
  p.limit = d.limit;
  p.shard_index = d.shard_index;
  p.shard_count = d.shard_count;
  p.threads = d.threads;
  p.batch = d.batch;
  p.mode = ALMKIT_EVAL_GENERATE;
  p.permutations = d.permutations;
  p.seed = d.seed;
  p.max_new_tokens = d.max_new_tokens;
  p.temperature = d.temperature;
  p.top_k = d.top_k;
  p.top_p = d.top_p;
  p.prompt_template_path = nullptr;
  p.silent_baseline = d.silent_baseline;
  p.device = "cpu";
  p.dtype = "float32";
  p.quiet = true;
  p.on_progress = nullptr;
  p.user_data = nullptr;
  return p;
}

almkit_status almkit_eval_run(const almkit_eval_params* params, almkit_eval_result** out) {
  const char* const fn = __func__;
  return guarded(fn, [&] {
    ALMKIT_CAPI_REQUIRE(fn, out);
    *out = nullptr;
    ALMKIT_CAPI_REQUIRE(fn, params);
    const almkit_eval_params p =
        almkit::capi::read_struct("params", params, almkit_eval_default_params());
    if (p.model_dir == nullptr) return almkit::capi::null_argument(fn, "params->model_dir");
    if (p.out_dir == nullptr) return almkit::capi::null_argument(fn, "params->out_dir");
    auto text = [](const char* value, const std::string& fallback) {
      return value != nullptr ? std::string(value) : fallback;
    };
    almkit::bench::EvalOptions options;
    options.model_dir = p.model_dir;
    options.bench = text(p.bench, "perception");
    options.data_path = text(p.data_path, "");
    options.audio_root = text(p.audio_root, "");
    options.out_dir = p.out_dir;
    options.limit = p.limit;
    options.shard_index = p.shard_index;
    options.shard_count = p.shard_count;
    options.threads = p.threads;
    options.batch = p.batch;
    switch (p.mode) {
      case ALMKIT_EVAL_GENERATE:
        options.mode = "generate";
        break;
      case ALMKIT_EVAL_LOGLIK:
        options.mode = "loglik";
        break;
      default:
        return almkit::capi::fail(ALMKIT_ERR_INVALID_ARGUMENT, fn,
                                  "params->mode " + std::to_string(static_cast<int>(p.mode)) +
                                      " is not an almkit_eval_mode (0: generate, 1: loglik)");
    }
    options.permutations = p.permutations;
    options.seed = p.seed;
    options.max_new_tokens = p.max_new_tokens;
    options.temperature = p.temperature;
    options.top_k = p.top_k;
    options.top_p = p.top_p;
    options.prompt_template_path = text(p.prompt_template_path, "");
    options.silent_baseline = p.silent_baseline;
    options.device = text(p.device, options.device);
    options.dtype = text(p.dtype, options.dtype);
    options.quiet = p.quiet;
    if (p.on_progress != nullptr) {
      const almkit_progress_callback callback = p.on_progress;
      void* const user_data = p.user_data;
      options.on_progress = [callback, user_data](int64_t done, int64_t total) {
        return callback(done, total, user_data);
      };
    }
    auto handle = std::make_unique<almkit_eval_result>();
    handle->outcome = almkit::bench::run_eval(options);
    *out = handle.release();
    return ALMKIT_OK;
  });
}

const char* almkit_eval_result_summary_json(const almkit_eval_result* result) {
  return result ? result->outcome.summary_json.c_str() : "";
}
const char* almkit_eval_result_out_dir(const almkit_eval_result* result) {
  return result ? result->outcome.out_dir.c_str() : "";
}
int64_t almkit_eval_result_units(const almkit_eval_result* result) {
  return result ? result->outcome.units : 0;
}
int64_t almkit_eval_result_reused(const almkit_eval_result* result) {
  return result ? result->outcome.reused : 0;
}
int64_t almkit_eval_result_computed(const almkit_eval_result* result) {
  return result ? result->outcome.computed : 0;
}
int64_t almkit_eval_result_failed(const almkit_eval_result* result) {
  return result ? result->outcome.failed : 0;
}
bool almkit_eval_result_complete(const almkit_eval_result* result) {
  return result && result->outcome.complete;
}
double almkit_eval_result_seconds(const almkit_eval_result* result) {
  return result ? result->outcome.seconds : 0.0;
}
void almkit_eval_result_free(almkit_eval_result* result) {
  delete result;
}

}  // extern "C"
