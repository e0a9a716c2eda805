// almkit serve throughput and latency: requests/s and p50 / p99 latency at several client
// concurrencies, over real loopback HTTP. By default the server runs in this process on the
// model given (so the figure includes HTTP, JSON, audio decoding, queueing and the engine);
// --url measures a server that is already running instead.
//
//   almkit_bench_serve --model .cache/models/qwen2-audio-small-random [--max-tokens 8]
//       [--audio-seconds 1] [--requests 64] [--concurrency 1,8,32] [--max-batch 4]
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "almkit/audio.h"
#include "serve/audio_parts.h"
#include "serve/server.h"

namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

struct Args {
  std::string model, host = "127.0.0.1";
  int port = 0;
  int max_tokens = 8, requests = 64, max_batch = 4, workers = 1;
  double audio_seconds = 0.0;
  std::vector<int> concurrency = {1, 8, 32};
};

std::string request_body(const Args& args) {
  json content = json::array();
  if (args.audio_seconds > 0) {
    almkit::AudioBuffer audio;
    audio.sample_rate = 16000;
    audio.channels = 1;
    audio.samples.resize(static_cast<size_t>(args.audio_seconds * 16000));
    for (size_t i = 0; i < audio.samples.size(); ++i)
      audio.samples[i] = 0.3f * std::sin(0.17f * static_cast<float>(i));
    const auto wav = almkit::encode_wav(audio);
    content.push_back(
        {{"type", "input_audio"},
         {"input_audio",
          {{"data", almkit::serve::encode_base64(wav.data(), wav.size())}, {"format", "wav"}}}});
  }
  content.push_back({{"type", "text"}, {"text", "What do you hear?"}});
  return json({{"messages", {{{"role", "user"}, {"content", content}}}},
               {"max_tokens", args.max_tokens},
               {"temperature", 0}})
      .dump();
}

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0.0;
  std::sort(values.begin(), values.end());
  const size_t index =
      std::min(values.size() - 1, static_cast<size_t>(std::ceil(p * values.size())) - 1);
  return values[index];
}

void run_level(const Args& args, const std::string& body, int concurrency, bool report = true) {
  const int total = report ? std::max(args.requests, concurrency * 4) : 8;
  std::atomic<int> next{0}, refused{0}, failed{0};
  std::vector<std::vector<double>> latencies(static_cast<size_t>(concurrency));
  const auto start = Clock::now();
  std::vector<std::thread> clients;
  for (int c = 0; c < concurrency; ++c) {
    clients.emplace_back([&, c] {
      httplib::Client client(args.host, args.port);
      client.set_read_timeout(300, 0);
      while (next++ < total) {
        const auto sent = Clock::now();
        auto result = client.Post("/v1/chat/completions", body, "application/json");
        const double ms = std::chrono::duration<double, std::milli>(Clock::now() - sent).count();
        if (result && result->status == 200) {
          latencies[static_cast<size_t>(c)].push_back(ms);
        } else if (result && result->status == 429) {
          ++refused;
        } else {
          ++failed;
        }
      }
    });
  }
  for (auto& t : clients) t.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<double> all;
  for (const auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  if (!report) return;
  std::printf(
      "concurrency %2d: %4zu ok, %3d x 429, %d failed in %6.2f s: %7.1f req/s, p50 %7.1f ms, p99 "
      "%7.1f ms\n",
      concurrency, all.size(), refused.load(), failed.load(), seconds, all.size() / seconds,
      percentile(all, 0.50), percentile(all, 0.99));
  std::fflush(stdout);
}

std::vector<int> parse_list(const std::string& text) {
  std::vector<int> values;
  std::stringstream stream(text);
  for (std::string item; std::getline(stream, item, ',');) values.push_back(std::stoi(item));
  return values;
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  std::string url;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--model")
      args.model = value;
    else if (flag == "--url")
      url = value;
    else if (flag == "--max-tokens")
      args.max_tokens = std::stoi(value);
    else if (flag == "--requests")
      args.requests = std::stoi(value);
    else if (flag == "--audio-seconds")
      args.audio_seconds = std::stod(value);
    else if (flag == "--concurrency")
      args.concurrency = parse_list(value);
    else if (flag == "--max-batch")
      args.max_batch = std::stoi(value);
    else if (flag == "--workers")
      args.workers = std::stoi(value);
    else {
      std::fprintf(stderr, "unknown option %s\n", flag.c_str());
      return 2;
    }
  }
  std::unique_ptr<almkit::serve::Server> server;
  if (url.empty()) {
    if (args.model.empty()) {
      std::fprintf(stderr, "usage: %s --model DIR | --url http://host:port [options]\n", argv[0]);
      return 2;
    }
    almkit::serve::ServeOptions options;
    options.model_dir = args.model;
    options.port = 0;
    options.max_batch = args.max_batch;
    options.max_concurrency = args.workers;
    options.max_queue = 64;  // every client's request waits rather than being refused
    server = std::make_unique<almkit::serve::Server>(options);
    server->start();
    args.port = server->port();
  } else {
    const size_t colon = url.rfind(':');
    args.host = url.substr(url.find("//") + 2, colon - url.find("//") - 2);
    args.port = std::stoi(url.substr(colon + 1));
  }
  const std::string body = request_body(args);
  std::printf("almkit serve: %d new tokens (greedy), %.1f s of audio, max batch %d, %d worker(s)\n",
              args.max_tokens, args.audio_seconds, args.max_batch, args.workers);
  run_level(args, body, 1, /*report=*/false);  // warm-up
  for (int concurrency : args.concurrency) run_level(args, body, concurrency);
  if (server) {
    const auto stats = server->scheduler_stats();
    std::printf("scheduler: %llu completed, %llu batches (largest %d)\n",
                static_cast<unsigned long long>(stats.completed),
                static_cast<unsigned long long>(stats.batches), stats.largest_batch);
    server->stop();
  }
  return 0;
}
