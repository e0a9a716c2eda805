// The runner's own cost per unit through the OpenAI-compatible backend (issue 9's goal: < 1 ms,
// so that the serving engine, not almkit, is the bottleneck): `almkit eval --backend openai` on
// the perception suite against a server in this process that answers at once. Each iteration is
// a fresh run folder (plan, WAV + base64 of every clip, JSON, HTTP on loopback, parsing, SQLite
// commit per unit, reports). The server runs in a child process, so that cpu_ms_per_unit counts
// the runner alone (ms_per_unit is wall time, the server's work and the machine's load included).
#include <benchmark/benchmark.h>
#include <httplib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "almkit/eval.h"
#include "almkit/synth.h"

namespace {

// The instant server, in a child process; its port comes back through a pipe.
struct InstantServer {
  int port = 0;
  pid_t child = -1;
  InstantServer() {
    int fds[2];
    if (pipe(fds) != 0) std::abort();
    child = fork();
    if (child == 0) {
      httplib::Server server;
      server.new_task_queue = [] { return new httplib::ThreadPool(16); };
      server.set_keep_alive_timeout(1);
      server.set_tcp_nodelay(true);  // no Nagle stall between the header and body writes
      server.Get("/v1/models", [](const httplib::Request&, httplib::Response& response) {
        response.set_content(R"({"object": "list", "data": [{"id": "instant"}]})",
                             "application/json");
      });
      // The answer does not depend on the request: the server does not parse the audio.
      server.Post("/v1/chat/completions", [](const httplib::Request&, httplib::Response& response) {
        response.set_content(
            R"({"id": "x", "object": "chat.completion", "choices": [{"index": 0, "message": )"
            R"({"role": "assistant", "content": "A"}, "finish_reason": "stop"}], )"
            R"("usage": {"prompt_tokens": 10, "completion_tokens": 1}})",
            "application/json");
      });
      const int bound = server.bind_to_any_port("127.0.0.1");
      if (write(fds[1], &bound, sizeof(bound)) != sizeof(bound)) _exit(1);
      server.listen_after_bind();
      _exit(0);
    }
    if (read(fds[0], &port, sizeof(port)) != sizeof(port)) std::abort();
    close(fds[0]);
    close(fds[1]);
  }
  ~InstantServer() {
    kill(child, SIGKILL);
    waitpid(child, nullptr, 0);
  }
};

const std::string& suite_file() {
  static const std::string path = [] {
    const std::string dir = "/tmp/almkit-remote-bench-" + std::to_string(::getpid());
    almkit::PerceptionSuiteOptions options;
    for (const auto& task : almkit::perception_task_names()) {
      if (task.find("spoken") == std::string::npos && task.find("speech") == std::string::npos)
        options.tasks.push_back(task);
    }
    options.n = 100;
    options.seed = 1;
    options.output_dir = dir;
    almkit::generate_perception_suite(options);
    return dir + "/perception.json";
  }();
  return path;
}

double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
         1e-6 * (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec);
}

void BM_RemoteEvalPerUnit(benchmark::State& state) {
  InstantServer server;
  const std::string data = suite_file();
  int64_t units = 0, run = 0;
  const double cpu_start = cpu_seconds();
  double wall = 0.0;
  for (auto _ : state) {
    almkit::bench::EvalOptions options;
    options.backend = "openai";
    options.endpoints = {"http://127.0.0.1:" + std::to_string(server.port) + "/v1"};
    options.served_model = "instant";
    options.concurrency = static_cast<int>(state.range(0));
    options.bench = "perception";
    options.data_path = data;
    options.out_dir = "/tmp/almkit-remote-bench-run-" + std::to_string(::getpid()) + "-" +
                      std::to_string(run++);
    options.quiet = true;
    const auto start = std::chrono::steady_clock::now();
    const auto outcome = almkit::bench::run_eval(options);
    wall += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    units += outcome.units;
    state.PauseTiming();
    std::filesystem::remove_all(options.out_dir);
    state.ResumeTiming();
  }
  state.counters["units"] = benchmark::Counter(double(units));
  state.counters["ms_per_unit"] = benchmark::Counter(wall * 1e3 / double(std::max<int64_t>(1, units)));
  state.counters["cpu_ms_per_unit"] =
      benchmark::Counter((cpu_seconds() - cpu_start) * 1e3 / double(std::max<int64_t>(1, units)));
}
BENCHMARK(BM_RemoteEvalPerUnit)->Arg(1)->Arg(8)->Unit(benchmark::kMillisecond)->UseRealTime()
    ->MinTime(3.0);

// The per-run part of the cost: a rerun that finds every unit in the cache (load and check the
// data, hash every clip for the keys, read the cache, write results and reports) sends nothing.
void BM_RemoteEvalCachedRerun(benchmark::State& state) {
  InstantServer server;
  almkit::bench::EvalOptions options;
  options.backend = "openai";
  options.endpoints = {"http://127.0.0.1:" + std::to_string(server.port) + "/v1"};
  options.served_model = "instant";
  options.bench = "perception";
  options.data_path = suite_file();
  options.out_dir = "/tmp/almkit-remote-bench-rerun-" + std::to_string(::getpid());
  options.quiet = true;
  const int64_t units = almkit::bench::run_eval(options).units;
  for (auto _ : state) benchmark::DoNotOptimize(almkit::bench::run_eval(options).reused);
  state.counters["units"] = benchmark::Counter(double(units));
  std::filesystem::remove_all(options.out_dir);
}
BENCHMARK(BM_RemoteEvalCachedRerun)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);

}  // namespace

BENCHMARK_MAIN();
