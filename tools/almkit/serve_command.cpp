// `almkit serve`: the OpenAI-compatible server (src/serve) from the command line. SIGTERM and
// SIGINT stop it gracefully (in-flight requests finish or are cancelled) and it exits 0.
#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>

#include "almkit/error.h"
#include "commands.h"
#include "serve/server.h"

namespace almkit::cli {
namespace {

struct ServeArgs {
  serve::ServeOptions options;
  std::string api_key_env;
};

void run(ServeArgs args) {
  if (!args.api_key_env.empty()) {
    const char* key = std::getenv(args.api_key_env.c_str());
    if (!key || !*key) {
      throw Error(ErrorCode::kInvalidArgument, "--api-key-env: the environment variable " +
                                                   args.api_key_env + " is not set or empty");
    }
    args.options.api_key = key;
  }
  // Signals are taken by sigwait below, never by a handler on an arbitrary thread: block them
  // before any thread starts so that every thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);  // a client that hangs up is a failed write, not a dead server

  serve::Server server(args.options);
  server.start();
  std::printf("almkit serve: listening on http://%s:%d%s\n", args.options.host.c_str(),
              server.port(), args.options.api_key.empty() ? "" : " (API key required)");
  std::fflush(stdout);
  int received = 0;
  sigwait(&signals, &received);
  std::printf("almkit serve: %s received, stopping\n", received == SIGTERM ? "SIGTERM" : "SIGINT");
  std::fflush(stdout);
  server.stop();
  const serve::SchedulerStats stats = server.scheduler_stats();
  std::printf("almkit serve: stopped (%llu completed, %llu cancelled, %llu refused)\n",
              static_cast<unsigned long long>(stats.completed),
              static_cast<unsigned long long>(stats.cancelled),
              static_cast<unsigned long long>(stats.rejected));
}

void register_serve(CLI::App& app) {
  auto args = std::make_shared<ServeArgs>();
  serve::ServeOptions& o = args->options;
  auto* command = app.add_subcommand("serve", "OpenAI-compatible HTTP server on the native engine");
  command->add_option("--model", o.model_dir, "HF checkpoint folder")->required();
  command->add_option("--host", o.host, "address to bind (default 127.0.0.1: loopback only)");
  command->add_option("--port", o.port, "port (default 8000; 0 = any free port)");
  command->add_option("--api-key-env", args->api_key_env,
                      "environment variable holding the API key clients must send");
  command->add_option("--served-model-name", o.served_model_name,
                      "model id clients use (default: folder name)");
  command->add_option("--max-concurrency", o.max_concurrency,
                      "engine workers running at once (default 1)");
  command->add_option("--max-batch", o.max_batch,
                      "greedy non-streaming requests batched per step (default 4)");
  command->add_option("--max-queue", o.max_queue, "requests waiting before 429 (default 32)");
  command->add_option("--max-audio-seconds", o.max_audio_seconds,
                      "longest clip accepted (default: the model's window)");
  command->add_option("--max-body-mb", o.max_body_mb, "largest request body in MB (default 32)");
  command->add_option("--default-max-tokens", o.default_max_tokens,
                      "new tokens when a request names none (128)");
  command->add_option("--shutdown-grace", o.shutdown_grace_seconds,
                      "seconds in-flight work may finish on SIGTERM (10)");
  command->add_option("--threads", o.threads, "intra-op threads (0 = libtorch default)");
  command->add_option("--dtype", o.dtype, "float32, bfloat16 or int8 (int8 Linear weights)");
  command->callback([args] { run(*args); });
}

ALMKIT_REGISTER_COMMAND(register_serve);

}  // namespace
}  // namespace almkit::cli
