// An OpenAI-compatible server inside the test process (cpp-httplib on an ephemeral loopback
// port) whose answers a test scripts: good chat answers, or faults (5xx, 429, hangs, connections
// closed mid-answer, malformed JSON, answers without choices). It counts what it received.
#pragma once

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "almkit/eval.h"

namespace almkit::test {

enum class Fault { kNone, k500, k503, k429, kHang, kDrop, kMalformed, kNoChoices };

struct MockReply {
  MockReply(Fault fault_ = Fault::kNone, std::string content_ = "A", double delay = 0.0)
      : fault(fault_), content(std::move(content_)), delay_seconds(delay) {}
  Fault fault = Fault::kNone;
  std::string content = "A";  // the assistant's answer when there is no fault
  double delay_seconds = 0.0;
  nlohmann::json extra;  // merged into a good answer (e.g. prompt_logprobs)
};

class MockOpenAiServer {
 public:
  // request: the parsed body; attempt: how many times this exact body came before (0 first).
  using Script = std::function<MockReply(const nlohmann::json& request, int attempt)>;

  explicit MockOpenAiServer(Script script = {}, std::string required_key = "",
                            std::string model = "mock-audio-llm")
      : script_(std::move(script)), required_key_(std::move(required_key)), model_(model) {
    server_.new_task_queue = [] { return new httplib::ThreadPool(32); };
    // stop() waits for idle kept-alive connections (a run's calling thread keeps its own).
    server_.set_keep_alive_timeout(1);
    server_.set_tcp_nodelay(true);
    server_.Get("/v1/models", [this](const httplib::Request& request, httplib::Response& response) {
      if (!authorized(request, response)) return;
      response.set_content(
          nlohmann::json{{"object", "list"}, {"data", {{{"id", model_}, {"object", "model"}}}}}
              .dump(),
          "application/json");
    });
    auto handle = [this](const httplib::Request& request, httplib::Response& response) {
      serve(request, response);
    };
    server_.Post("/v1/chat/completions", handle);
    server_.Post("/v1/completions", handle);
    port_ = server_.bind_to_any_port("127.0.0.1");
    // The socket listens from bind on: connections wait in its backlog until accept starts.
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~MockOpenAiServer() {
    server_.stop();
    thread_.join();
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }
  void set_script(Script script) {
    const std::lock_guard<std::mutex> lock(mutex_);
    script_ = std::move(script);
  }

  int requests() const { return requests_; }
  int answered() const { return answered_; }  // good answers sent
  // Good answers per distinct request body: more than one means a unit was asked twice.
  int max_answers_per_body() const {
    const std::lock_guard<std::mutex> lock(mutex_);
    int most = 0;
    for (const auto& [body, count] : answers_per_body_) most = std::max(most, count);
    return most;
  }
  std::vector<std::string> authorization_headers() const {
    const std::lock_guard<std::mutex> lock(mutex_);
    return authorizations_;
  }
  std::vector<nlohmann::json> bodies() const {
    const std::lock_guard<std::mutex> lock(mutex_);
    return bodies_;
  }

 private:
  bool authorized(const httplib::Request& request, httplib::Response& response) {
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      authorizations_.push_back(request.get_header_value("Authorization"));
    }
    if (required_key_.empty() || request.get_header_value("Authorization") == "Bearer " + required_key_)
      return true;
    response.status = 401;
    response.set_content(R"({"error": {"message": "bad key", "type": "invalid_request_error"}})",
                         "application/json");
    return false;
  }

  void serve(const httplib::Request& request, httplib::Response& response) {
    ++requests_;
    if (!authorized(request, response)) return;
    const nlohmann::json body = nlohmann::json::parse(request.body);
    int attempt = 0;
    Script script;
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      attempt = attempts_per_body_[request.body]++;
      bodies_.push_back(body);
      script = script_;
    }
    const MockReply reply = script ? script(body, attempt) : MockReply{};
    if (reply.delay_seconds > 0)
      std::this_thread::sleep_for(std::chrono::duration<double>(reply.delay_seconds));
    switch (reply.fault) {
      case Fault::k500:
      case Fault::k503:
        response.status = reply.fault == Fault::k500 ? 500 : 503;
        response.set_content(R"({"error": {"message": "overloaded"}})", "application/json");
        return;
      case Fault::k429:
        response.status = 429;
        response.set_header("Retry-After", "0");
        response.set_content(R"({"error": {"message": "rate limited"}})", "application/json");
        return;
      case Fault::kHang:
        std::this_thread::sleep_for(std::chrono::milliseconds(1500));
        response.set_content("{}", "application/json");
        return;
      case Fault::kDrop:
        // Promises 1000 bytes, sends 12, then closes the connection.
        response.set_content_provider(
            1000, "application/json", [](size_t, size_t, httplib::DataSink& sink) {
              sink.write("{\"choices\": ", 12);
              return false;
            });
        return;
      case Fault::kMalformed:
        response.set_content("{\"choices\": [{\"message\": ", "application/json");
        return;
      case Fault::kNoChoices:
        response.set_content(R"({"id": "x", "object": "chat.completion", "choices": []})",
                             "application/json");
        return;
      case Fault::kNone:
        break;
    }
    nlohmann::json answer = {
        {"id", "chatcmpl-mock"},
        {"object", request.path == "/v1/completions" ? "text_completion" : "chat.completion"},
        {"model", model_},
        {"choices",
         {{{"index", 0},
           {"message", {{"role", "assistant"}, {"content", reply.content}}},
           {"finish_reason", "stop"}}}},
        {"usage", {{"prompt_tokens", 42}, {"completion_tokens", 1}, {"total_tokens", 43}}}};
    if (reply.extra.is_object()) answer.update(reply.extra);
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      ++answers_per_body_[request.body];
    }
    ++answered_;
    response.set_content(answer.dump(), "application/json");
  }

  httplib::Server server_;
  Script script_;
  std::string required_key_, model_;
  int port_ = 0;
  std::thread thread_;
  std::atomic<int> requests_{0}, answered_{0};
  mutable std::mutex mutex_;
  std::map<std::string, int> attempts_per_body_, answers_per_body_;
  std::vector<std::string> authorizations_;
  std::vector<nlohmann::json> bodies_;
};

// Options for a run of `data` through the openai backend at `url` (also what an end-to-end test
// against `almkit serve` needs: its base URL and served model name).
inline bench::EvalOptions remote_options(const std::string& data, const std::string& out_dir,
                                         const std::string& url,
                                         const std::string& served_model = "mock-audio-llm") {
  bench::EvalOptions options;
  options.backend = "openai";
  options.endpoints = {url};
  options.served_model = served_model;
  options.bench = "perception";
  options.data_path = data;
  options.out_dir = out_dir;
  options.max_new_tokens = 4;
  options.quiet = true;
  options.concurrency = 4;
  options.timeout_seconds = 5.0;
  options.retry_base_seconds = 0.01;
  options.breaker_seconds = 0.2;
  return options;
}

}  // namespace almkit::test
