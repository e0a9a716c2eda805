// `almkit serve`: an OpenAI-compatible HTTP server (cpp-httplib) on the native engine.
// Endpoints: /v1/chat/completions (text + audio parts, SSE streaming), /v1/completions (with
// prompt log-probabilities for log-likelihood scoring), /v1/audio/transcriptions (Whisper),
// /v1/models, /health and /stats. See docs/scale-out.md for what each accepts.
//
//   ServeOptions options;
//   options.model_dir = "Qwen2-Audio-7B-Instruct";
//   options.port = 0;                      // any free port (tests)
//   Server server(options);
//   server.start();                        // serves on background threads
//   ... http://127.0.0.1:<server.port()>/v1/chat/completions ...
//   server.stop();                         // graceful: finish or cancel in-flight work
#pragma once

#include <memory>
#include <string>

#include "almkit/model.h"
#include "serve/scheduler.h"

namespace almkit::serve {

struct ServeOptions {
  std::string model_dir;
  std::string host = "127.0.0.1";        // loopback unless asked otherwise
  int port = 8000;                       // 0: any free port (see Server::port())
  std::string api_key;                   // "" = no authentication; never logged
  std::string served_model_name;         // the id clients name; default: the folder's base name
  int max_concurrency = 1;               // engine workers
  int max_batch = 4;                     // greedy non-streaming requests per generate_batch call
  int max_queue = 32;                    // waiting requests before 429
  double max_audio_seconds = 0.0;        // per clip; 0 = the model's encoder window
  double max_body_mb = 32.0;             // larger bodies get 413
  int default_max_tokens = 128;          // chat and transcription requests without max_tokens
  double shutdown_grace_seconds = 10.0;  // in-flight work allowed to finish on stop()
  int threads = 0;                       // intra-op threads of the engine (0: libtorch's default)
  std::string dtype = "float32";
};

// Counters the HTTP side keeps (the scheduler keeps its own).
struct HttpStats {
  uint64_t requests = 0;
  uint64_t status_2xx = 0, status_4xx = 0, status_5xx = 0;
  uint64_t unauthorized = 0, too_many = 0;
  uint64_t streams_started = 0, streams_disconnected = 0;
  uint64_t clients_disconnected = 0;  // left before a whole (non-streamed) answer: cancelled
};

class Server {
 public:
  // Loads options.model_dir.
  explicit Server(const ServeOptions& options);
  // Serves an already loaded model (tests share one between servers).
  Server(std::shared_ptr<const Model> model, const ServeOptions& options);
  ~Server();  // stop()
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds host:port and serves on background threads; returns once connections are accepted.
  // Throws Error(kIo) when the address cannot be bound.
  void start();
  int port() const;
  // Graceful: refuses new work, lets in-flight requests finish for shutdown_grace_seconds, cancels
  // the rest, joins every thread. Idempotent.
  void stop();
  bool running() const;

  SchedulerStats scheduler_stats() const;
  HttpStats http_stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace almkit::serve
