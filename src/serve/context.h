// What every endpoint handler shares: the model, the parsed limits, the scheduler and counters.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <string>

#include "almkit/model.h"
#include "serve/requests.h"
#include "serve/scheduler.h"
#include "serve/server.h"

namespace httplib {
struct Request;
struct Response;
}  // namespace httplib

namespace almkit::serve {

struct ServerContext {
  std::shared_ptr<const Model> model;
  ServeOptions options;
  ModelInfo info;
  std::unique_ptr<Scheduler> scheduler;
  std::atomic<bool> draining{false};
  int64_t created = 0;  // unix time the server started (the model's "created")

  std::atomic<uint64_t> requests{0}, status_2xx{0}, status_4xx{0}, status_5xx{0};
  std::atomic<uint64_t> unauthorized{0}, too_many{0}, streams_started{0}, streams_disconnected{0};
  std::atomic<uint64_t> clients_disconnected{0};  // left before a whole (non-streamed) answer

  // "chatcmpl-1f3a..." : unique per response.
  std::string new_id(const std::string& prefix);
  // A seed for sampled requests that gave none.
  uint64_t random_seed();

 private:
  std::mutex random_mutex_;
  std::mt19937_64 random_{std::random_device{}()};
};

// Serialises JSON for the wire; invalid UTF-8 (from a client's text) becomes U+FFFD.
std::string dump_json(const nlohmann::json& json);

// Endpoint handlers (throw ApiError; the HTTP layer turns exceptions into responses).
void handle_chat_completions(ServerContext& context, const httplib::Request& request,
                             httplib::Response& response);
void handle_completions(ServerContext& context, const httplib::Request& request,
                        httplib::Response& response);
void handle_transcriptions(ServerContext& context, const httplib::Request& request,
                           httplib::Response& response);

}  // namespace almkit::serve
