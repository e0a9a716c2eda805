// What answers the runner's units: the model in this process (local_backend.cpp) or
// OpenAI-compatible servers such as vLLM, SGLang or `almkit serve` (src/remote/openai_backend.cpp).
// The runner plans the units, caches, parses and reports; a backend turns one unit into text or
// into a log-likelihood per shown choice, and says what its answers depend on (the cache key).
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "almkit/bench.h"
#include "almkit/error.h"
#include "almkit/eval.h"
#include "almkit/model.h"

namespace almkit::bench {

struct UnitPlan;

struct UnitInput {
  const EvalOptions& options;
  const BenchItem& item;
  const UnitPlan& plan;
};

// Fields every answer carries into results.jsonl; `details` adds backend-specific ones
// (the endpoint that answered, attempts).
struct BackendAnswer {
  std::string text;                            // generate: the raw response
  std::vector<OptionScore> scores;             // loglik: one per shown choice
  nlohmann::ordered_json prompt_tokens = nullptr;  // null when unknown
  int64_t new_tokens = 0;
  std::string stop_reason;
  double audio_seconds = 0.0;
  int64_t audio_parts = 0;
  nlohmann::ordered_json details = nlohmann::ordered_json::object();
};

// The unit could not be answered for reasons outside the model (a server down, overloaded or
// answering garbage after every retry): recorded as unavailable, never scored, never cached.
class UnitUnavailable : public Error {
 public:
  explicit UnitUnavailable(const std::string& message) : Error(ErrorCode::kIo, message) {}
};

// A mistake that every unit would repeat (a refused API key, an unknown served model, a server
// that cannot return log-probabilities): stops the run.
class BackendFatal : public Error {
 public:
  BackendFatal(ErrorCode code, const std::string& message) : Error(code, message) {}
};

class EvalBackend {
 public:
  virtual ~EvalBackend() = default;

  // What the answers depend on besides the unit (the cache key and run_id use it in place of a
  // local model fingerprint): the checkpoint's fingerprint, or the served model and settings.
  virtual std::string identity() const = 0;
  // run.json's "backend" object (never secrets).
  virtual nlohmann::ordered_json describe() const = 0;
  // config.json's almkit_note (random weights) where known.
  virtual std::string model_note() const { return ""; }
  // Units in flight at once (worker threads of the run).
  virtual int units_in_flight() const = 0;
  // Audio parts one clip becomes in the prompt (windows of a long clip for the local model).
  virtual int audio_parts(const std::string& audio_path) const = 0;
  // The prompt stored with the result and hashed into the cache key, from the rendered chat
  // messages (one {"type": "audio"} part per audio part, clips in item order).
  virtual std::string prompt(const std::string& messages_json, const BenchItem& item,
                             const std::vector<std::string>& audio_hashes) const = 0;
  // Throws Error for a unit the model refuses, UnitUnavailable, or BackendFatal.
  virtual BackendAnswer generate(const UnitInput& unit) const = 0;
  virtual BackendAnswer score(const UnitInput& unit) const = 0;
  // A line for the log once the run is over (per-endpoint counts); "" for none.
  virtual std::string usage_report() const { return ""; }
  // One vector per text from an embedding model (MMAU-Pro's closed-ended matcher: the OpenAI
  // /embeddings call); kUnsupported for backends without one.
  virtual std::vector<std::vector<double>> embed(const std::vector<std::string>& /*texts*/) const {
    throw Error(ErrorCode::kUnsupported, "this backend has no embeddings");
  }
};

// A helper model behind OpenAI-compatible servers (a judge, an embedder): the eval's remote
// backend settings, so its calls get the same retries, breaker and concurrency.
inline EvalOptions helper_model_options(const std::string& purpose,
                                        const std::vector<std::string>& endpoints,
                                        const std::string& served_model,
                                        const std::string& api_key_env, int concurrency,
                                        double timeout_seconds, int max_retries) {
  EvalOptions remote;
  remote.backend = "openai";
  remote.bench = purpose;
  remote.endpoints = endpoints;
  remote.served_model = served_model;
  remote.api_key_env = api_key_env;
  remote.concurrency = concurrency;
  remote.timeout_seconds = timeout_seconds;
  remote.max_retries = max_retries;
  return remote;
}

// The backend options.backend names ("local": loads options.model_dir).
std::unique_ptr<EvalBackend> make_eval_backend(const EvalOptions& options);
std::unique_ptr<EvalBackend> make_local_backend(const EvalOptions& options);
std::unique_ptr<EvalBackend> make_openai_backend(const EvalOptions& options);

}  // namespace almkit::bench
