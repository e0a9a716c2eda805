// The runner's OpenAI-compatible backend (docs/scale-out.md): every unit becomes a request to
// vLLM / SGLang / `almkit serve`, spread over the --endpoint servers (EndpointPool), retried on
// 429, 5xx, timeouts, dropped connections and garbled answers with exponential backoff and
// jitter; a unit that still fails is UnitUnavailable (recorded, never scored or cached).
#include <chrono>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <thread>

#include "almkit/chat_template.h"
#include "almkit/tokenizer.h"
#include "bench/runner/audio_windows.h"
#include "bench/runner/backend.h"
#include "bench/runner/hashing.h"
#include "bench/runner/unit.h"
#include "core/log.h"
#include "remote/base64.h"
#include "remote/endpoint_pool.h"
#include "remote/http_client.h"
#include "remote/openai_protocol.h"
#include "remote/wav_payload.h"

namespace almkit::bench {
namespace {

using json = nlohmann::json;
using ojson = nlohmann::ordered_json;
using remote::ProtocolError;

// Marks where a clip's base64 goes in a request's JSON text: the payload is spliced into the
// dumped text instead of going through the JSON writer's per-character escaping.
std::string audio_marker(size_t clip) {
  return "almkit-audio-payload-" + std::to_string(clip) + "-9f27c1";
}

std::string excerpt(const std::string& text, size_t limit = 300) {
  return text.size() <= limit ? text : text.substr(0, limit) + "...";
}

struct Payload {
  std::string base64;  // of a 16-bit mono WAV
  double seconds = 0.0;
};

// Base64 WAV of recent clips: each presentation of an item (and its silent twin) reuses them.
class PayloadCache {
 public:
  std::shared_ptr<const Payload> get(const std::string& path, int rate, bool silent) {
    const std::string key = std::string(silent ? "s:" : "a:") + path;
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      const auto found = entries_.find(key);
      if (found != entries_.end()) return found->second;
    }
    const std::string wav = remote::wav_payload(path, rate, silent);
    auto payload = std::make_shared<const Payload>(
        Payload{remote::base64_encode(wav), double(wav.size() - std::min<size_t>(44, wav.size())) /
                                                 2.0 / rate});
    const std::lock_guard<std::mutex> lock(mutex_);
    if (entries_.emplace(key, payload).second) {
      order_.push_back(key);
      bytes_ += payload->base64.size();
      while (bytes_ > kMaxBytes && order_.size() > 1) {
        bytes_ -= entries_[order_.front()]->base64.size();
        entries_.erase(order_.front());
        order_.pop_front();
      }
    }
    return payload;
  }

 private:
  static constexpr size_t kMaxBytes = size_t(256) << 20;
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<const Payload>> entries_;
  std::deque<std::string> order_;
  size_t bytes_ = 0;
};

struct CallResult {
  json body;
  std::string endpoint;
  int attempts = 0;
};

class OpenAiBackend : public EvalBackend {
 public:
  explicit OpenAiBackend(const EvalOptions& options) : options_(options) {
    check_options();
    std::vector<remote::EndpointConfig> endpoints;
    for (const auto& text : options_.endpoints) {
      const remote::EndpointSpec spec = remote::parse_endpoint(text);
      endpoints.push_back(
          {spec.base_url, spec.concurrency > 0 ? spec.concurrency : options_.concurrency});
    }
    pool_ = std::make_unique<remote::EndpointPool>(
        endpoints, remote::BreakerPolicy{options_.breaker_failures, options_.breaker_seconds});
    if (!options_.api_key_env.empty()) {
      const char* key = std::getenv(options_.api_key_env.c_str());
      if (key == nullptr || *key == '\0') {
        throw Error(ErrorCode::kInvalidArgument,
                    "--api-key-env " + options_.api_key_env + ": the variable is not set");
      }
      headers_.push_back(std::string("Authorization: Bearer ") + key);
    }
    if (scores_by_completions()) {
      if (options_.tokenizer_dir.empty()) {
        throw Error(ErrorCode::kInvalidArgument,
                    "--mode loglik --loglik-api completions needs --tokenizer DIR (a folder with "
                    "the served model's tokenizer and chat template) to write the prompt text");
      }
      tokenizer_ = Tokenizer::from_folder(options_.tokenizer_dir);
      tokenizer_hash_ = model_fingerprint(options_.tokenizer_dir);
    }
    preflight();
  }

  std::string identity() const override {
    Sha256 id;
    for (const std::string& field :
         {std::string("openai"), options_.served_model, std::to_string(options_.audio_sample_rate),
          ojson(options_.stop).dump(),
          options_.mode == "loglik" ? options_.loglik_api : std::string(), tokenizer_hash_}) {
      id.update_field(field);
    }
    return id.hex_digest();
  }

  ojson describe() const override {
    ojson endpoints = ojson::array();
    for (const auto& stats : pool_->stats()) {
      endpoints.push_back(
          {{"url", remote::redact_url(stats.base_url)}, {"concurrency", stats.concurrency}});
    }
    ojson out = {{"kind", "openai"},
                 {"endpoints", endpoints},
                 {"served_model", options_.served_model},
                 // The variable's name only: the key itself is never written anywhere.
                 {"api_key_env", options_.api_key_env.empty() ? ojson(nullptr)
                                                              : ojson(options_.api_key_env)},
                 {"timeout_s", options_.timeout_seconds},
                 {"max_retries", options_.max_retries},
                 {"retry_base_s", options_.retry_base_seconds},
                 {"breaker", {{"failures", options_.breaker_failures},
                              {"seconds", options_.breaker_seconds}}},
                 {"audio_sample_rate", options_.audio_sample_rate},
                 {"stop", options_.stop}};
    if (options_.mode == "loglik") {
      out["loglik_api"] = options_.loglik_api;
      out["tokenizer_dir"] = options_.tokenizer_dir;
    }
    return out;
  }

  int units_in_flight() const override { return pool_->total_concurrency(); }
  // Without --long-audio the server's processor handles long clips: one audio part per clip;
  // --long-audio windows sends each window as its own clip.
  int audio_parts(const std::string& path) const override {
    if (options_.long_audio != "windows") return 1;
    return bench::window_count(bench::audio_file_seconds(path), long_audio_seconds());
  }
  double long_audio_seconds() const {
    return options_.max_audio_seconds > 0 ? options_.max_audio_seconds : 30.0;
  }

  std::string prompt(const std::string& messages_json, const BenchItem& item,
                     const std::vector<std::string>& audio_hashes) const override {
    if (scores_by_completions()) {
      if (!item.audio_paths.empty()) {
        throw Error(ErrorCode::kUnsupported,
                    "--loglik-api completions: item '" + item.id +
                        "' has audio, and /v1/completions carries no audio (the scores would "
                        "ignore it); use --loglik-api chat (vLLM's prompt_logprobs)");
      }
      return apply_chat_template(*tokenizer_, messages_json, true);
    }
    // The exact request messages, with each clip named by file and SHA-256 instead of its bytes.
    json messages = json::parse(messages_json);
    size_t clip = 0;
    int window = 0, windows = -1;  // a clip's windows (--long-audio windows) are consecutive parts
    for (auto& message : messages) {
      auto content = message.find("content");
      if (content == message.end() || !content->is_array()) continue;
      for (auto& part : *content) {
        if (part.value("type", "") != "audio") continue;
        if (clip >= item.audio_paths.size()) {
          throw Error(ErrorCode::kInvalidArgument,
                      "item '" + item.id + "': the prompt has more audio parts than clips");
        }
        if (windows < 0) windows = audio_parts(item.audio_paths[clip]);
        part = {{"type", "input_audio"},
                {"input_audio",
                 {{"format", "wav"},
                  {"file", std::filesystem::path(item.audio_paths[clip]).filename().string()},
                  {"sha256", audio_hashes[clip]}}}};
        if (windows > 1) part["input_audio"]["window"] = window;
        if (++window == windows) {
          ++clip;
          window = 0;
          windows = -1;
        }
      }
    }
    return messages.dump();
  }

  BackendAnswer generate(const UnitInput& unit) const override {
    BackendAnswer answer;
    json request = {{"model", options_.served_model},
                    {"messages", json::parse(unit.plan.prompt)},
                    {"max_tokens", options_.max_new_tokens},
                    {"temperature", options_.temperature},
                    {"top_p", options_.top_p},
                    // OpenAI's seed is a signed 64-bit integer.
                    {"seed", int64_t(unit.plan.seed & 0x7fffffffffffffffULL)}};
    if (options_.top_k > 0) request["top_k"] = options_.top_k;  // vLLM / SGLang extension
    if (unit.plan.min_new_tokens > 0) {  // vLLM's name for a minimum answer length
      request["min_tokens"] = std::min(unit.plan.min_new_tokens, options_.max_new_tokens);
    }
    if (!options_.stop.empty()) request["stop"] = options_.stop;
    const CallResult call = post("/chat/completions", with_audio(request, unit, answer),
                                 [](const json& body) { remote::parse_chat_answer(body); });
    const remote::ChatAnswer chat = remote::parse_chat_answer(call.body);
    answer.text = chat.text;
    answer.prompt_tokens = chat.prompt_tokens >= 0 ? ojson(chat.prompt_tokens) : ojson(nullptr);
    answer.new_tokens = std::max<int64_t>(0, chat.completion_tokens);
    answer.stop_reason = chat.finish_reason;
    answer.details = {{"endpoint", remote::redact_url(call.endpoint)}, {"attempts", call.attempts}};
    return answer;
  }

  BackendAnswer score(const UnitInput& unit) const override {
    BackendAnswer answer;
    int attempts = 0;
    std::string endpoint;
    for (const auto& choice : unit.plan.shown_choices) {
      const remote::ContinuationScore continuation = scores_by_completions()
                                                         ? score_by_completions(unit, choice, endpoint, attempts)
                                                         : score_by_chat(unit, choice, answer, endpoint, attempts);
      OptionScore score;
      score.sum_logprob = continuation.sum_logprob;
      score.tokens = continuation.tokens;
      score.mean_logprob = continuation.sum_logprob / double(std::max<int64_t>(1, continuation.tokens));
      answer.scores.push_back(score);
    }
    answer.stop_reason = "scored";
    answer.details = {{"endpoint", remote::redact_url(endpoint)}, {"attempts", attempts}};
    return answer;
  }

  std::string usage_report() const override {
    std::string report;
    for (const auto& stats : pool_->stats()) {
      report += (report.empty() ? "" : "; ") + remote::redact_url(stats.base_url) + ": " +
                std::to_string(stats.requests) + " requests, " + std::to_string(stats.failures) +
                " failed attempts, set aside " + std::to_string(stats.set_aside) + " times";
    }
    return report;
  }

 private:
  bool scores_by_completions() const {
    return options_.mode == "loglik" && options_.loglik_api == "completions";
  }

  void check_options() const {
    auto bad = [](const std::string& message) {
      throw Error(ErrorCode::kInvalidArgument, message);
    };
    if (options_.endpoints.empty()) bad("--backend openai needs at least one --endpoint URL");
    if (options_.served_model.empty())
      bad("--backend openai needs --served-model (the model name the server serves)");
    if (options_.concurrency < 1) bad("--concurrency must be >= 1");
    if (!(options_.timeout_seconds > 0)) bad("--timeout must be > 0 seconds");
    if (options_.max_retries < 0) bad("--max-retries must be >= 0");
    if (options_.breaker_failures < 1) bad("--breaker-failures must be >= 1");
    if (options_.audio_sample_rate < 1000) bad("--audio-rate must be a sample rate in Hz");
    if (options_.loglik_api != "chat" && options_.loglik_api != "completions")
      bad("--loglik-api must be chat or completions, not '" + options_.loglik_api + "'");
  }

  // GET /models at every endpoint: a refused key or a model the server does not serve stops the
  // run before any unit; an endpoint that does not answer yet is left to the retries.
  void preflight() const {
    for (size_t e = 0; e < pool_->size(); ++e) {
      const std::string url = pool_->base_url(e) + "/models";
      const remote::HttpResponse response =
          remote::thread_http_client().get(url, headers_, std::min(options_.timeout_seconds, 10.0));
      if (response.status == 401 || response.status == 403) {
        throw BackendFatal(ErrorCode::kInvalidArgument,
                           remote::redact_url(url) + " answered " + std::to_string(response.status) +
                               ": the API key was refused (--api-key-env)");
      }
      if (response.status != 200) {
        logger().warn("eval: {} did not list its models ({}); going on",
                      remote::redact_url(url),
                      response.status ? "HTTP " + std::to_string(response.status)
                                      : response.transport_error);
        continue;
      }
      const json models = json::parse(response.body, nullptr, false);
      if (!models.is_object() || !models.contains("data") || !models["data"].is_array()) continue;
      std::string served;
      for (const auto& model : models["data"]) {
        const std::string id = model.value("id", "");
        if (id == options_.served_model) return;
        served += (served.empty() ? "" : ", ") + id;
      }
      throw BackendFatal(ErrorCode::kNotFound,
                         "--served-model '" + options_.served_model + "' is not served at " +
                             remote::redact_url(pool_->base_url(e)) + " (it serves: " + served + ")");
    }
  }

  // The request's text with each input_audio part's base64 WAV.
  std::string with_audio(json request, const UnitInput& unit, BackendAnswer& answer) const {
    std::vector<std::shared_ptr<const Payload>> payloads, policy_parts;
    if (!options_.long_audio.empty() && !unit.plan.text_only) {  // every clip's parts, in order
      for (const auto& path : unit.item.audio_paths) {
        for (const auto& wav :
             remote::wav_payload_parts(path, options_.audio_sample_rate, unit.plan.silent,
                                       options_.long_audio, long_audio_seconds())) {
          policy_parts.push_back(std::make_shared<const Payload>(
              Payload{remote::base64_encode(wav),
                      double(wav.size() - std::min<size_t>(44, wav.size())) / 2.0 /
                          options_.audio_sample_rate}));
        }
      }
    }
    for (auto& message : request["messages"]) {
      auto content = message.find("content");
      if (content == message.end() || !content->is_array()) continue;
      for (auto& part : *content) {
        if (part.value("type", "") != "input_audio") continue;
        const size_t clip = payloads.size();
        if (!options_.long_audio.empty()) {
          if (clip >= policy_parts.size())
            throw Error(ErrorCode::kInternal, "more audio parts than clip windows");
          payloads.push_back(policy_parts[clip]);
        } else {
          const std::string& path = unit.item.audio_paths.at(clip);
          payloads.push_back(
              payload_cache_.get(path, options_.audio_sample_rate, unit.plan.silent));
        }
        answer.audio_seconds += payloads.back()->seconds;  // header bytes aside, 2 per sample
        part["input_audio"] = {{"data", audio_marker(clip)}, {"format", "wav"}};
      }
    }
    answer.audio_parts = static_cast<int64_t>(payloads.size());
    std::string text = request.dump();
    for (size_t clip = 0; clip < payloads.size(); ++clip) {
      const std::string quoted = "\"" + audio_marker(clip) + "\"";
      const size_t at = text.find(quoted);
      if (at == std::string::npos) throw Error(ErrorCode::kInternal, "audio marker lost");
      text.replace(at + 1, quoted.size() - 2, payloads[clip]->base64);
    }
    return text;
  }

  remote::ContinuationScore score_by_chat(const UnitInput& unit, const std::string& choice,
                                          BackendAnswer& answer, std::string& endpoint,
                                          int& attempts) const {
    json messages = json::parse(unit.plan.prompt);
    messages.push_back({{"role", "assistant"}, {"content", choice}});
    json request = {{"model", options_.served_model},
                    {"messages", messages},
                    {"max_tokens", 1},
                    {"temperature", 0.0},
                    // vLLM extensions: the log-probability of every prompt token, and the
                    // assistant turn left open so that the choice is the prompt's end.
                    {"prompt_logprobs", 0},
                    {"add_generation_prompt", false},
                    {"continue_final_message", true}};
    BackendAnswer audio;  // counted once per unit, not per choice
    const CallResult call = post("/chat/completions", with_audio(request, unit, audio),
                                 [](const json& body) { remote::parse_chat_answer(body); });
    answer.audio_seconds = audio.audio_seconds;
    answer.audio_parts = audio.audio_parts;
    endpoint = call.endpoint;
    attempts += call.attempts;
    const auto found = call.body.find("prompt_logprobs");
    if (found == call.body.end() || found->is_null()) {
      throw BackendFatal(ErrorCode::kUnsupported,
                         remote::redact_url(call.endpoint) +
                             "/chat/completions returned no prompt_logprobs: this server cannot "
                             "score choices (vLLM does; use --mode generate elsewhere)");
    }
    try {
      return remote::continuation_from_prompt_logprobs(*found, choice);
    } catch (const ProtocolError& error) {
      throw Error(ErrorCode::kInvalidFormat, std::string("loglik: ") + error.what());
    }
  }

  // POST /embeddings {"model", "input": [texts]}: data[].embedding in data[].index order.
  std::vector<std::vector<double>> embed(const std::vector<std::string>& texts) const override {
    const json request = {{"model", options_.served_model}, {"input", texts}};
    const CallResult call = post("/embeddings", request.dump(), [&](const json& body) {
      if (!body.is_object() || !body.contains("data") || !body["data"].is_array() ||
          body["data"].size() != texts.size())
        throw ProtocolError("the answer has no data[] of one embedding per input");
      for (const auto& row : body["data"])
        if (!row.is_object() || !row.contains("embedding") || !row["embedding"].is_array() ||
            row["embedding"].empty() || !row["embedding"][0].is_number())
          throw ProtocolError("data[] holds a row without an embedding of numbers");
    });
    std::vector<std::vector<double>> vectors(texts.size());
    for (size_t i = 0; i < texts.size(); ++i) {
      const json& row = call.body["data"][i];
      const size_t at = row.value("index", int64_t(i)) >= 0 ? size_t(row.value("index", int64_t(i)))
                                                             : texts.size();
      if (at >= texts.size() || !vectors[at].empty())
        throw Error(ErrorCode::kInvalidFormat, remote::redact_url(call.endpoint) +
                                                   "/embeddings: data[].index out of order");
      vectors[at] = row["embedding"].get<std::vector<double>>();
    }
    return vectors;
  }

  remote::ContinuationScore score_by_completions(const UnitInput& unit, const std::string& choice,
                                                 std::string& endpoint, int& attempts) const {
    const std::string& prompt_text = unit.plan.prompt;
    const std::string full = prompt_text + choice;
    const json request = {{"model", options_.served_model},
                          {"prompt", full},
                          {"max_tokens", 1},
                          {"temperature", 0.0},
                          {"echo", true},
                          {"logprobs", 1}};
    const CallResult call = post("/completions", request.dump(), [](const json& body) {
      if (!body.is_object() || !body.contains("choices") || !body["choices"].is_array() ||
          body["choices"].empty() || !body["choices"][0].is_object()) {
        throw ProtocolError("the answer has no choices[]");
      }
    });
    endpoint = call.endpoint;
    attempts += call.attempts;
    const json& first = call.body["choices"][0];
    try {
      if (first.contains("logprobs") && first["logprobs"].is_object() &&
          first["logprobs"].contains("token_logprobs")) {
        return remote::continuation_from_echo_logprobs(
            first["logprobs"], remote::code_points(prompt_text), remote::code_points(full));
      }
      if (first.contains("prompt_logprobs") && first["prompt_logprobs"].is_array()) {
        return remote::continuation_from_prompt_logprobs(first["prompt_logprobs"], choice);
      }
    } catch (const ProtocolError& error) {
      throw Error(ErrorCode::kInvalidFormat, std::string("loglik: ") + error.what());
    }
    throw BackendFatal(ErrorCode::kUnsupported,
                       remote::redact_url(call.endpoint) +
                           "/completions returned no prompt log-probabilities (neither "
                           "choices[0].logprobs for echo: true nor vLLM's prompt_logprobs): this "
                           "server cannot score choices");
  }

  double backoff_seconds(int attempt, double retry_after) const {
    thread_local std::mt19937_64 random(std::random_device{}());
    const double ceiling = std::min(30.0, options_.retry_base_seconds * double(1 << std::min(attempt - 1, 16)));
    // Half fixed, half random: retries of many workers spread out instead of arriving together.
    const double delay =
        ceiling / 2 + std::uniform_real_distribution<double>(0.0, ceiling / 2)(random);
    return std::max(delay, std::min(retry_after, 60.0));
  }

  // POSTs `body` to `path` at an endpoint of the pool until a well-formed answer arrives or the
  // retries run out. `validate` throws ProtocolError for a 200 answer without the promised fields.
  CallResult post(const std::string& path, const std::string& body,
                  const std::function<void(const json&)>& validate) const {
    std::string last_error;
    double retry_after = -1.0;
    for (int attempt = 0; attempt <= options_.max_retries; ++attempt) {
      if (attempt > 0) {
        std::this_thread::sleep_for(
            std::chrono::duration<double>(backoff_seconds(attempt, retry_after)));
      }
      const size_t endpoint = pool_->acquire();
      const std::string url = pool_->base_url(endpoint) + path;
      const remote::HttpResponse response =
          remote::thread_http_client().post_json(url, body, headers_, options_.timeout_seconds);
      retry_after = response.retry_after_seconds;
      const std::string where = remote::redact_url(url);
      if (response.status == 0) {
        pool_->release(endpoint, false);
        last_error = where + ": " + response.transport_error;
        continue;
      }
      if (response.status == 401 || response.status == 403 || response.status == 404) {
        pool_->release(endpoint, true);
        throw BackendFatal(
            response.status == 404 ? ErrorCode::kNotFound : ErrorCode::kInvalidArgument,
            where + " answered HTTP " + std::to_string(response.status) +
                (response.status == 404 ? " (wrong URL or --served-model?)"
                                        : " (the API key was refused; --api-key-env)") +
                ": " + excerpt(response.body));
      }
      if (response.status == 429 || response.status >= 500) {
        pool_->release(endpoint, false);
        last_error = where + ": HTTP " + std::to_string(response.status) + ": " +
                     excerpt(response.body);
        continue;
      }
      if (response.status != 200) {
        // The server refuses this request (too long a prompt, bad audio): the model's answer.
        pool_->release(endpoint, true);
        throw Error(ErrorCode::kInvalidArgument, where + " refused the request: HTTP " +
                                                     std::to_string(response.status) + ": " +
                                                     excerpt(response.body));
      }
      CallResult result;
      try {
        result.body = json::parse(response.body);
        validate(result.body);
      } catch (const std::exception& error) {
        pool_->release(endpoint, false);
        last_error = where + ": malformed answer: " + error.what() + ": " + excerpt(response.body, 120);
        continue;
      }
      pool_->release(endpoint, true);
      result.endpoint = pool_->base_url(endpoint);
      result.attempts = attempt + 1;
      return result;
    }
    throw UnitUnavailable("gave up after " + std::to_string(options_.max_retries + 1) +
                          " attempts; last: " + last_error);
  }

  const EvalOptions options_;
  std::unique_ptr<remote::EndpointPool> pool_;
  std::vector<std::string> headers_;
  std::unique_ptr<Tokenizer> tokenizer_;
  std::string tokenizer_hash_;
  mutable PayloadCache payload_cache_;
};

}  // namespace

std::unique_ptr<EvalBackend> make_openai_backend(const EvalOptions& options) {
  return std::make_unique<OpenAiBackend>(options);
}

}  // namespace almkit::bench
