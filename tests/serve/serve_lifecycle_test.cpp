// almkit serve under pressure: a full queue answers 429, a client that leaves mid-stream or before
// a whole answer cancels its generation, SIGTERM stops the CLI gracefully, and a burst of
// requests leaves no trace.
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "serve_fixture.h"

extern char** environ;

namespace almkit::test {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

json long_chat(int max_tokens, bool stream = false) {
  return {{"messages", {{{"role", "user"}, {"content", "Tell me a long story."}}}},
          {"max_tokens", max_tokens},
          {"temperature", 0},
          {"stream", stream}};
}

template <typename Predicate>
bool eventually(Predicate predicate, double seconds) {
  const auto deadline = Clock::now() + std::chrono::duration<double>(seconds);
  while (Clock::now() < deadline) {
    if (predicate()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return predicate();
}

TEST(ServeLifecycle, FullQueueAnswers429) {
  serve::ServeOptions options = test_serve_options();
  options.max_concurrency = 1;
  options.max_batch = 1;
  options.max_queue = 1;
  auto server = start_server(options);
  // One request runs, one waits, the other four are refused at once.
  std::vector<std::thread> threads;
  std::vector<int> statuses(6, 0);
  for (size_t i = 0; i < statuses.size(); ++i) {
    threads.emplace_back([&, i] {
      auto client = client_for(*server);
      int status = 0;
      const json reply = post_json(*client, "/v1/chat/completions", long_chat(100), status);
      statuses[i] = status;
      if (status == 429) {
        EXPECT_EQ(reply["error"]["code"], "queue_full");
        EXPECT_EQ(reply["error"]["type"], "rate_limit_error");
      }
    });
  }
  for (auto& t : threads) t.join();
  const auto count = [&](int status) {
    return std::count(statuses.begin(), statuses.end(), status);
  };
  EXPECT_GE(count(200), 2);
  EXPECT_GE(count(429), 1);
  EXPECT_EQ(count(200) + count(429), 6);
  EXPECT_EQ(server->scheduler_stats().rejected, static_cast<uint64_t>(count(429)));
  EXPECT_TRUE(healthy(*server));
  auto client = client_for(*server);
  int status = 0;
  post_json(*client, "/v1/chat/completions", long_chat(2), status);
  EXPECT_EQ(status, 200);  // the queue drained
}

TEST(ServeLifecycle, ClientLeavingMidStreamCancelsItsGeneration) {
  auto server = start_server();
  auto client = client_for(*server);
  const auto start = Clock::now();
  // 4000 tokens would take far longer than this test waits; read three events, then hang up.
  const StreamResult partial =
      post_stream(*client, "/v1/chat/completions", long_chat(4000, true), 3);
  EXPECT_EQ(partial.status, 200);
  EXPECT_EQ(partial.events.size(), 3u);
  EXPECT_TRUE(eventually([&] { return server->scheduler_stats().cancelled == 1; }, 10.0))
      << "cancelled: " << server->scheduler_stats().cancelled;
  EXPECT_EQ(server->http_stats().streams_disconnected, 1u);
  EXPECT_EQ(server->scheduler_stats().running, 0);
  EXPECT_LT(std::chrono::duration<double>(Clock::now() - start).count(), 10.0);
  EXPECT_TRUE(healthy(*server));
}

TEST(ServeLifecycle, ClientLeavingBeforeAWholeAnswerCancelsItsGeneration) {
  auto server = start_server();
  const auto start = Clock::now();
  {
    // 4000 tokens, not streamed: the client gives up after half a second and hangs up.
    httplib::Client impatient("127.0.0.1", server->port());
    impatient.set_read_timeout(0, 500000);
    int status = 0;
    post_json(impatient, "/v1/chat/completions", long_chat(4000), status);
    EXPECT_EQ(status, -1);
  }
  EXPECT_TRUE(eventually([&] { return server->scheduler_stats().cancelled == 1; }, 10.0))
      << "cancelled: " << server->scheduler_stats().cancelled;
  EXPECT_EQ(server->http_stats().clients_disconnected, 1u);
  EXPECT_EQ(server->scheduler_stats().running, 0);
  EXPECT_LT(std::chrono::duration<double>(Clock::now() - start).count(), 10.0);
  // A client that waits is answered in full, and nothing more is cancelled.
  auto client = client_for(*server);
  int status = 0;
  const json reply = post_json(*client, "/v1/completions",
                               {{"prompt", "Once"}, {"max_tokens", 40}, {"temperature", 0}},
                               status);
  EXPECT_EQ(status, 200);
  EXPECT_EQ(reply["choices"][0]["finish_reason"], "length");
  EXPECT_EQ(server->http_stats().clients_disconnected, 1u);
  EXPECT_EQ(server->scheduler_stats().cancelled, 1u);
  EXPECT_TRUE(healthy(*server));
}

TEST(ServeLifecycle, StopFinishesInFlightRequests) {
  auto server = start_server();
  std::atomic<int> status{0};
  std::thread request([&] {
    auto client = client_for(*server);
    int s = 0;
    post_json(*client, "/v1/chat/completions", long_chat(60), s);
    status = s;
  });
  ASSERT_TRUE(eventually([&] { return server->scheduler_stats().running == 1; }, 10.0));
  server->stop();  // waits for the running request (grace 5 s)
  request.join();
  EXPECT_EQ(status.load(), 200);
  EXPECT_EQ(server->scheduler_stats().completed, 1u);
  httplib::Client late("127.0.0.1", server->port());
  late.set_connection_timeout(1, 0);
  EXPECT_FALSE(late.Get("/health"));  // no longer listening
}

// Spawns `almkit serve` on a free port and returns its pid; `port` is read from its first line.
pid_t spawn_cli_server(const std::string& model, int& port, int& output_fd) {
  int pipe_fds[2];
  EXPECT_EQ(pipe(pipe_fds), 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, pipe_fds[0]);
  std::vector<std::string> args = {ALMKIT_CLI, "serve", "--model",          model,
                                   "--port",   "0",     "--shutdown-grace", "5"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  EXPECT_EQ(posix_spawn(&pid, ALMKIT_CLI, &actions, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&actions);
  close(pipe_fds[1]);
  output_fd = pipe_fds[0];
  std::string line;
  char c;
  while (read(output_fd, &c, 1) == 1 && c != '\n') line += c;
  const size_t colon = line.rfind(':');
  port = colon == std::string::npos ? -1 : std::atoi(line.c_str() + colon + 1);
  return pid;
}

TEST(ServeLifecycle, SigtermStopsTheCliGracefullyWithExitZero) {
  int port = 0, output = -1;
  const pid_t pid = spawn_cli_server(serve_world().qwen_dir, port, output);
  ASSERT_GT(port, 0);
  std::atomic<int> status{0};
  std::thread request([&] {
    httplib::Client client("127.0.0.1", port);
    client.set_read_timeout(30, 0);
    auto result = client.Post("/v1/chat/completions", long_chat(60).dump(), "application/json");
    status = result ? result->status : -1;
  });
  // The request is in flight once the server has accepted it (a fixed pause was not enough on a
  // loaded machine: the signal could come before the request did).
  httplib::Client stats("127.0.0.1", port);
  EXPECT_TRUE(eventually(
      [&] {
        auto result = stats.Get("/stats");
        return result && result->status == 200 &&
               json::parse(result->body)["scheduler"]["accepted"].get<int>() >= 1;
      },
      15.0));
  ASSERT_EQ(kill(pid, SIGTERM), 0);
  int wait_status = 0;
  bool exited = eventually([&] { return waitpid(pid, &wait_status, WNOHANG) == pid; }, 15.0);
  if (!exited) kill(pid, SIGKILL);
  request.join();
  ASSERT_TRUE(exited);
  ASSERT_TRUE(WIFEXITED(wait_status));
  EXPECT_EQ(WEXITSTATUS(wait_status), 0);
  EXPECT_EQ(status.load(), 200);  // finished, not dropped
  std::string rest;
  char buffer[256];
  for (ssize_t n; (n = read(output, buffer, sizeof(buffer))) > 0;)
    rest.append(buffer, static_cast<size_t>(n));
  close(output);
  EXPECT_NE(rest.find("SIGTERM received"), std::string::npos) << rest;
  EXPECT_NE(rest.find("1 completed"), std::string::npos) << rest;
}

// 500 requests from 32 clients at once: every answer is a 200 or an intended 429, and memory
// returns to where it was.
TEST(ServeLifecycle, BurstOf500RequestsLeavesNoTrace) {
  serve::ServeOptions options = test_serve_options();
  options.max_queue = 16;
  options.max_batch = 8;
  auto server = start_server(options);
  const json body = {
      {"messages", {{{"role", "user"}, {"content", "Hi"}}}}, {"max_tokens", 2}, {"temperature", 0}};
  auto burst = [&](int total, int concurrency) {
    std::atomic<int> next{0}, ok{0}, busy{0}, other{0};
    std::vector<std::thread> clients;
    for (int c = 0; c < concurrency; ++c) {
      clients.emplace_back([&] {
        auto client = client_for(*server);
        while (next++ < total) {
          auto result = client->Post("/v1/chat/completions", body.dump(), "application/json");
          const int status = result ? result->status : -1;
          if (status != 200 && status != 429) {
            std::printf("[ serve ] unexpected answer: status %d, %s\n", status,
                        result ? result->body.c_str() : httplib::to_string(result.error()).c_str());
          }
          (status == 200 ? ok : status == 429 ? busy : other)++;
          // A polite client backs off after a 429 (the server says Retry-After: 1; 20 ms here).
          if (status == 429) std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
      });
    }
    for (auto& t : clients) t.join();
    return std::array<int, 3>{ok.load(), busy.load(), other.load()};
  };
  burst(40, 8);  // warm up: threads, allocator arenas, caches
  const uint64_t completed_before = server->scheduler_stats().completed;
  malloc_trim(0);
  const size_t baseline = resident_bytes();
  const auto start = Clock::now();
  const auto [ok, busy, other] = burst(500, 32);
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  malloc_trim(0);
  const size_t after = resident_bytes();
  std::printf(
      "[ serve ] 500 requests, 32 clients: %d ok, %d x 429, %d other in %.1f s (%.0f req/s); "
      "RSS %.1f -> %.1f MB\n",
      ok, busy, other, seconds, 500 / seconds, baseline / 1e6, after / 1e6);
  const serve::HttpStats http = server->http_stats();
  std::printf("[ serve ] server saw %llu requests: %llu 2xx, %llu 4xx, %llu 5xx\n",
              static_cast<unsigned long long>(http.requests), static_cast<unsigned long long>(http.status_2xx),
              static_cast<unsigned long long>(http.status_4xx), static_cast<unsigned long long>(http.status_5xx));
  EXPECT_EQ(other, 0);
  EXPECT_EQ(ok + busy, 500);
  EXPECT_GE(ok, 50);  // how many fit depends on the machine's speed; most do
  EXPECT_LT(static_cast<double>(after), static_cast<double>(baseline) + 48e6);
  EXPECT_TRUE(healthy(*server));
  const serve::SchedulerStats stats = server->scheduler_stats();
  EXPECT_EQ(stats.completed - completed_before, static_cast<uint64_t>(ok));  // each 200 ran once
  EXPECT_EQ(stats.queued, 0);
  EXPECT_EQ(stats.running, 0);
  EXPECT_EQ(stats.failed, 0u);
}

}  // namespace
}  // namespace almkit::test
