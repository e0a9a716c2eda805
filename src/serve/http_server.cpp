// The HTTP wiring of almkit::serve::Server: routes, API-key check, OpenAI-style error bodies for
// everything (including the library's own 404 / 413), and graceful start / stop.
#include <httplib.h>
#include <sys/socket.h>

#include <chrono>
#include <ctime>
#include <optional>
#include <thread>

#include "almkit/error.h"
#include "core/log.h"
#include "serve/api_error.h"
#include "serve/auth.h"
#include "serve/context.h"
#include "serve/server.h"

namespace almkit::serve {
namespace {

using nlohmann::json;
using Handler = void (*)(ServerContext&, const httplib::Request&, httplib::Response&);

std::string base_name(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

void send_error(httplib::Response& response, const ApiError& error) {
  response.status = error.status();
  if (error.status() == 429) response.set_header("Retry-After", "1");
  response.set_content(error.body(), "application/json");
}

ModelInfo describe(const Model& model, const ServeOptions& options) {
  ModelInfo info;
  info.served_name = options.served_model_name.empty()
                         ? base_name(options.model_dir.empty() ? model.folder() : options.model_dir)
                         : options.served_model_name;
  info.accepts_audio = model.accepts_audio();
  info.audio.sample_rate = model.audio_sampling_rate();
  const double window = model.max_audio_seconds();
  info.audio.max_seconds =
      options.max_audio_seconds > 0.0 ? std::min(options.max_audio_seconds, window) : window;
  info.default_max_tokens = options.default_max_tokens;
  info.max_positions = model.max_positions();
  return info;
}

}  // namespace

struct Server::Impl {
  ServerContext context;
  httplib::Server http;
  std::thread listener;
  int port = -1;
  int listen_socket = -1;
  std::mutex stop_mutex;
  bool started = false, stopped = false;

  Impl(std::shared_ptr<const Model> model, const ServeOptions& options) {
    if (options.max_concurrency < 1 || options.max_batch < 1 || options.max_queue < 0) {
      throw Error(ErrorCode::kInvalidArgument,
                  "serve: max-concurrency and max-batch must be >= 1, max-queue >= 0");
    }
    if (!(options.max_body_mb > 0.0))
      throw Error(ErrorCode::kInvalidArgument, "serve: max-body-mb must be > 0");
    context.model = std::move(model);
    context.options = options;
    context.info = describe(*context.model, options);
    context.created = static_cast<int64_t>(std::time(nullptr));
    SchedulerOptions scheduler;
    scheduler.workers = options.max_concurrency;
    scheduler.max_batch = options.max_batch;
    scheduler.max_queue = options.max_queue;
    context.scheduler = std::make_unique<Scheduler>(*context.model, scheduler);
    routes();
  }

  httplib::Server::Handler guarded(Handler handler) {
    return [this, handler](const httplib::Request& request, httplib::Response& response) {
      try {
        handler(context, request, response);
      } catch (const ApiError& error) {
        send_error(response, error);
      } catch (const Error& error) {
        const bool client = error.code() == ErrorCode::kInvalidArgument ||
                            error.code() == ErrorCode::kInvalidFormat;
        send_error(response, ApiError(client ? 400 : 500, error.what(),
                                      client ? "invalid_request_error" : "server_error"));
      } catch (const std::exception& error) {
        send_error(response,
                   ApiError(500, std::string("internal error: ") + error.what(), "server_error"));
      }
    };
  }

  void routes() {
    const ServeOptions& options = context.options;
    http.set_payload_max_length(static_cast<size_t>(options.max_body_mb * 1024.0 * 1024.0));
    http.set_tcp_nodelay(true);
    // The library listens with a backlog of 5: under a burst of new connections the kernel then
    // drops handshakes and clients see failed reads. Keep the socket to widen it after bind
    // (listen() again on a listening socket only changes the backlog).
    http.set_socket_options([this](int socket) {
      const int yes = 1;
      setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
      listen_socket = socket;
    });
    // Every waiting request holds a connection thread, so the pool is sized to the queue: beyond
    // it the scheduler answers 429 rather than connections piling up unseen in the pool.
    const size_t threads =
        static_cast<size_t>(options.max_queue + options.max_concurrency * options.max_batch + 8);
    http.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };

    // Runs before the body is read, so refused requests cost no upload. Their unread body would
    // be taken for the next request on a kept-alive connection: ask the client to close it.
    http.set_pre_routing_handler([this](const httplib::Request& request,
                                        httplib::Response& response) {
      ++context.requests;
      if (request.path == "/health") return httplib::Server::HandlerResponse::Unhandled;
      std::optional<ApiError> refusal;
      if (context.draining) {
        refusal.emplace(503, "the server is shutting down", "server_error", "", "shutting_down");
      } else if (!context.options.api_key.empty() &&
                 !authorized(request.get_header_value("Authorization"), context.options.api_key)) {
        ++context.unauthorized;
        refusal.emplace(401, "invalid or missing API key (Authorization: Bearer <key>)",
                        "authentication_error", "", "invalid_api_key");
      }
      if (!refusal) return httplib::Server::HandlerResponse::Unhandled;
      send_error(response, *refusal);
      response.set_header("Connection", "close");
      return httplib::Server::HandlerResponse::Handled;
    });

    http.set_error_handler(httplib::Server::HandlerWithResponse(
        [this](const httplib::Request& request, httplib::Response& response) {
          if (!response.body.empty() || response.has_header("Content-Type")) {
            return httplib::Server::HandlerResponse::Unhandled;
          }
          if (response.status == 413) {
            response.set_content(error_body(413,
                                            "the request body is over this server's limit of " +
                                                std::to_string(context.options.max_body_mb) + " MB",
                                            "invalid_request_error", "", "request_too_large"),
                                 "application/json");
          } else if (response.status == 404) {
            response.set_content(error_body(404, "no route " + request.method + " " + request.path,
                                            "invalid_request_error", "", "not_found"),
                                 "application/json");
          } else {
            response.set_content(
                error_body(response.status,
                           "the request could not be processed (HTTP " +
                               std::to_string(response.status) + ")",
                           response.status >= 500 ? "server_error" : "invalid_request_error"),
                "application/json");
          }
          return httplib::Server::HandlerResponse::Handled;
        }));

    http.set_exception_handler(
        [](const httplib::Request&, httplib::Response& response, std::exception_ptr error) {
          std::string message = "internal error";
          try {
            if (error) std::rethrow_exception(error);
          } catch (const std::exception& e) {
            message += std::string(": ") + e.what();
          } catch (...) {
          }
          send_error(response, ApiError(500, message, "server_error"));
        });

    // Method, path and status only: never headers (they carry the API key) or bodies.
    http.set_logger([this](const httplib::Request& request, const httplib::Response& response) {
      if (response.status >= 500) {
        ++context.status_5xx;
      } else if (response.status >= 400) {
        ++context.status_4xx;
      } else {
        ++context.status_2xx;
      }
      logger().info("serve: {} {} {}", request.method, request.path, response.status);
    });

    http.Get("/health", [this](const httplib::Request&, httplib::Response& response) {
      const bool ok = !context.draining;
      response.status = ok ? 200 : 503;
      response.set_content(dump_json({{"status", ok ? "ok" : "shutting_down"}}),
                           "application/json");
    });
    http.Get("/v1/models", [this](const httplib::Request&, httplib::Response& response) {
      const json model = {
          {"id", context.info.served_name},  {"object", "model"},
          {"created", context.created},      {"owned_by", "almkit"},
          {"root", context.model->folder()}, {"max_model_len", context.info.max_positions}};
      response.set_content(dump_json({{"object", "list"}, {"data", json::array({model})}}),
                           "application/json");
    });
    http.Get("/stats", [this](const httplib::Request&, httplib::Response& response) {
      const SchedulerStats s = context.scheduler->stats();
      const json body = {{"scheduler",
                          {{"accepted", s.accepted},
                           {"rejected", s.rejected},
                           {"completed", s.completed},
                           {"failed", s.failed},
                           {"cancelled", s.cancelled},
                           {"batches", s.batches},
                           {"batched_jobs", s.batched_jobs},
                           {"largest_batch", s.largest_batch},
                           {"queued", s.queued},
                           {"running", s.running}}},
                         {"http",
                          {{"requests", context.requests.load()},
                           {"2xx", context.status_2xx.load()},
                           {"4xx", context.status_4xx.load()},
                           {"5xx", context.status_5xx.load()},
                           {"unauthorized", context.unauthorized.load()},
                           {"too_many", context.too_many.load()},
                           {"streams_started", context.streams_started.load()},
                           {"streams_disconnected", context.streams_disconnected.load()},
                           {"clients_disconnected", context.clients_disconnected.load()}}}};
      response.set_content(dump_json(body), "application/json");
    });
    http.Post("/v1/chat/completions", guarded(&handle_chat_completions));
    http.Post("/v1/completions", guarded(&handle_completions));
    http.Post("/v1/audio/transcriptions", guarded(&handle_transcriptions));
  }

  void start() {
    std::lock_guard<std::mutex> lock(stop_mutex);
    if (started) throw Error(ErrorCode::kInvalidArgument, "serve: the server was already started");
    const ServeOptions& options = context.options;
    port = options.port == 0 ? http.bind_to_any_port(options.host)
                             : (http.bind_to_port(options.host, options.port) ? options.port : -1);
    if (port < 0) {
      throw Error(ErrorCode::kIo, "serve: cannot listen on " + options.host + ":" +
                                      std::to_string(options.port) +
                                      " (address in use, or not an address of this machine)");
    }
    if (listen_socket >= 0) ::listen(listen_socket, 512);
    started = true;
    listener = std::thread([this] { http.listen_after_bind(); });
    // stop() only acts on a running server: wait until the accept loop is up.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!http.is_running() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    logger().info("serve: {} on http://{}:{}", context.info.served_name, options.host, port);
  }

  void stop() {
    std::lock_guard<std::mutex> lock(stop_mutex);
    if (stopped) return;
    stopped = true;
    context.draining = true;
    if (started) http.stop();  // no new connections; idle keep-alive connections close
    const auto grace = std::chrono::milliseconds(
        static_cast<int64_t>(context.options.shutdown_grace_seconds * 1000));
    context.scheduler->shutdown(grace);        // in-flight work finishes or is cancelled
    if (listener.joinable()) listener.join();  // connection threads end with their responses
  }
};

Server::Server(const ServeOptions& options) {
  ModelOptions model_options;
  model_options.dtype = options.dtype;
  model_options.num_threads = options.threads;
  std::shared_ptr<const Model> model = Model::load(options.model_dir, model_options);
  impl_ = std::make_unique<Impl>(std::move(model), options);
}

Server::Server(std::shared_ptr<const Model> model, const ServeOptions& options)
    : impl_(std::make_unique<Impl>(std::move(model), options)) {}

Server::~Server() {
  stop();
}

void Server::start() {
  impl_->start();
}
int Server::port() const {
  return impl_->port;
}
void Server::stop() {
  impl_->stop();
}
bool Server::running() const {
  return impl_->started && !impl_->stopped;
}
SchedulerStats Server::scheduler_stats() const {
  return impl_->context.scheduler->stats();
}

HttpStats Server::http_stats() const {
  const ServerContext& c = impl_->context;
  HttpStats stats;
  stats.requests = c.requests;
  stats.status_2xx = c.status_2xx;
  stats.status_4xx = c.status_4xx;
  stats.status_5xx = c.status_5xx;
  stats.unauthorized = c.unauthorized;
  stats.too_many = c.too_many;
  stats.streams_started = c.streams_started;
  stats.streams_disconnected = c.streams_disconnected;
  stats.clients_disconnected = c.clients_disconnected;
  return stats;
}

}  // namespace almkit::serve
