// The engine side of the server: a bounded queue in front of a fixed number of workers, each of
// which runs one job, or a batch of greedy non-streaming generations that were waiting together
// (Model::generate_batch). A full queue refuses work (the HTTP layer answers 429) instead of
// growing; shutdown stops admission, lets running and queued work finish for a grace period,
// then cancels what is left.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "almkit/model.h"
#include "serve/job.h"

namespace almkit::serve {

struct SchedulerOptions {
  int workers = 1;     // jobs (or batches) running at once
  int max_batch = 4;   // greedy non-streaming generations per generate_batch call (1: no batching)
  int max_queue = 32;  // jobs waiting for a worker; more are refused
};

struct SchedulerStats {
  uint64_t accepted = 0, rejected = 0;  // admission
  uint64_t completed = 0, failed = 0, cancelled = 0;
  uint64_t batches = 0, batched_jobs = 0;  // generate_batch calls with more than one job
  int largest_batch = 0;
  int queued = 0, running = 0;
};

enum class Admission { kAccepted, kQueueFull, kShuttingDown };

class Scheduler {
 public:
  Scheduler(const Model& model, SchedulerOptions options);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Queues the job, or says why not (the job is then untouched).
  Admission submit(const std::shared_ptr<Job>& job);
  // Stops admission; waits up to `grace` for queued and running jobs, cancels the rest, joins
  // the workers. Every submitted job is finished when this returns. Idempotent.
  void shutdown(std::chrono::milliseconds grace);
  SchedulerStats stats() const;

 private:
  void work();
  std::vector<std::shared_ptr<Job>> take_batch(std::unique_lock<std::mutex>& lock);
  void run(const std::vector<std::shared_ptr<Job>>& batch);
  void run_generation(const std::vector<std::shared_ptr<Job>>& batch);
  void finish(const std::shared_ptr<Job>& job);
  void running_jobs_cancel_locked();

  const Model& model_;
  SchedulerOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::shared_ptr<Job>> queue_;
  std::vector<std::shared_ptr<Job>> running_;
  std::vector<std::thread> workers_;
  bool accepting_ = true, stopping_ = false;
  SchedulerStats stats_;
};

}  // namespace almkit::serve
