// One request's engine work as the scheduler sees it: a generation (batchable when greedy and
// not streamed) or an opaque task (scoring), plus the completion / cancellation handshake between
// the HTTP thread that submitted it and the engine worker that runs it.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <string>

#include "almkit/model.h"

namespace almkit::serve {

struct Job {
  enum class Kind { kGenerate, kTask };
  Kind kind = Kind::kGenerate;

  // kGenerate: `options.on_token` is ignored; `on_token` below sees each token of this job only.
  Request request;
  GenerateOptions options;
  bool batchable = false;  // may share a generate_batch call with other batchable jobs
  // Returns false to end this job's generation (a stop string was met).
  std::function<bool(int32_t token, const std::string& piece)> on_token;
  // kTask: any engine work, run alone on a worker.
  std::function<void()> task;

  // Filled by the worker before finish().
  GenerateResult result;
  std::exception_ptr error;

  // The client went away (or the server is shutting down): the job stops at its next token.
  void cancel() { cancelled_.store(true); }
  bool cancelled() const { return cancelled_.load(); }

  // Called once by the worker when result / error are final.
  void finish() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      done_ = true;
      done_changed_.notify_all();
    }
    if (on_finish) on_finish();
  }
  std::function<void()> on_finish;  // e.g. wakes a streaming connection
  void wait() {
    std::unique_lock<std::mutex> lock(mutex_);
    done_changed_.wait(lock, [this] { return done_; });
  }
  // False if the job is still running after `timeout`.
  template <typename Duration>
  bool wait_for(Duration timeout) {
    std::unique_lock<std::mutex> lock(mutex_);
    return done_changed_.wait_for(lock, timeout, [this] { return done_; });
  }
  bool done() {
    std::lock_guard<std::mutex> lock(mutex_);
    return done_;
  }

  std::chrono::steady_clock::time_point submitted = std::chrono::steady_clock::now();

 private:
  std::atomic<bool> cancelled_{false};
  std::mutex mutex_;
  std::condition_variable done_changed_;
  bool done_ = false;
};

}  // namespace almkit::serve
