#include "serve/scheduler.h"

#include <algorithm>

#include "almkit/error.h"

namespace almkit::serve {
namespace {

// Jobs may share a generate_batch call when the engine would treat them alike: greedy decoding
// (so a row's tokens do not depend on its neighbours' random draws) and the same stop ids.
bool same_batch(const Job& a, const Job& b) {
  return a.batchable && b.batchable && a.options.stop_token_ids == b.options.stop_token_ids &&
         a.options.temperature <= 0.0 && b.options.temperature <= 0.0;
}

}  // namespace

Scheduler::Scheduler(const Model& model, SchedulerOptions options)
    : model_(model), options_(options) {
  options_.workers = std::max(options_.workers, 1);
  options_.max_batch = std::max(options_.max_batch, 1);
  options_.max_queue = std::max(options_.max_queue, 0);
  for (int i = 0; i < options_.workers; ++i) workers_.emplace_back([this] { work(); });
}

Scheduler::~Scheduler() {
  shutdown(std::chrono::milliseconds(0));
}

Admission Scheduler::submit(const std::shared_ptr<Job>& job) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!accepting_) return Admission::kShuttingDown;
  // A job waits only if no worker is free to take it at once.
  const int free_workers = options_.workers - stats_.running;
  if (static_cast<int>(queue_.size()) >= options_.max_queue + std::max(free_workers, 0)) {
    ++stats_.rejected;
    return Admission::kQueueFull;
  }
  ++stats_.accepted;
  queue_.push_back(job);
  changed_.notify_all();
  return Admission::kAccepted;
}

void Scheduler::shutdown(std::chrono::milliseconds grace) {
  std::unique_lock<std::mutex> lock(mutex_);
  accepting_ = false;
  if (workers_.empty()) return;
  changed_.wait_for(lock, grace, [this] { return queue_.empty() && stats_.running == 0; });
  for (auto& job : queue_) job->cancel();
  running_jobs_cancel_locked();
  stopping_ = true;
  changed_.notify_all();
  std::vector<std::thread> workers;
  workers.swap(workers_);
  lock.unlock();
  for (auto& worker : workers) worker.join();
}

SchedulerStats Scheduler::stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  SchedulerStats stats = stats_;
  stats.queued = static_cast<int>(queue_.size());
  return stats;
}

void Scheduler::running_jobs_cancel_locked() {
  for (auto& job : running_) job->cancel();
}

std::vector<std::shared_ptr<Job>> Scheduler::take_batch(std::unique_lock<std::mutex>&) {
  std::vector<std::shared_ptr<Job>> batch{queue_.front()};
  queue_.pop_front();
  if (!batch[0]->batchable || batch[0]->kind != Job::Kind::kGenerate) return batch;
  for (auto it = queue_.begin();
       it != queue_.end() && static_cast<int>(batch.size()) < options_.max_batch;) {
    if ((*it)->kind == Job::Kind::kGenerate && same_batch(*batch[0], **it)) {
      batch.push_back(*it);
      it = queue_.erase(it);
    } else {
      ++it;
    }
  }
  return batch;
}

void Scheduler::work() {
  for (;;) {
    std::vector<std::shared_ptr<Job>> batch;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      changed_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, nothing left
      batch = take_batch(lock);
      stats_.running += static_cast<int>(batch.size());
      running_.insert(running_.end(), batch.begin(), batch.end());
      if (batch.size() > 1) {
        ++stats_.batches;
        stats_.batched_jobs += batch.size();
        stats_.largest_batch = std::max(stats_.largest_batch, static_cast<int>(batch.size()));
      }
    }
    run(batch);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stats_.running -= static_cast<int>(batch.size());
      for (const auto& job : batch)
        running_.erase(std::find(running_.begin(), running_.end(), job));
      changed_.notify_all();
    }
    for (const auto& job : batch) finish(job);
  }
}

void Scheduler::finish(const std::shared_ptr<Job>& job) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (job->cancelled() || job->result.stop_reason == "cancelled") {
      ++stats_.cancelled;
    } else if (job->error) {
      ++stats_.failed;
    } else {
      ++stats_.completed;
    }
  }
  job->finish();
}

void Scheduler::run(const std::vector<std::shared_ptr<Job>>& batch) {
  // Jobs whose client left while they waited are not started.
  std::vector<std::shared_ptr<Job>> live;
  for (const auto& job : batch) {
    if (job->cancelled()) {
      job->error = std::make_exception_ptr(
          Error(ErrorCode::kCancelled, "the request was cancelled before it ran"));
    } else {
      live.push_back(job);
    }
  }
  if (live.empty()) return;
  if (live[0]->kind == Job::Kind::kTask) {
    try {
      live[0]->task();
    } catch (...) {
      live[0]->error = std::current_exception();
    }
    return;
  }
  try {
    run_generation(live);
  } catch (...) {
    if (live.size() == 1) {
      live[0]->error = std::current_exception();
      return;
    }
    // One bad request (e.g. a prompt over the context) fails the whole batch: run each alone so
    // only that one gets the error.
    for (const auto& job : live) {
      try {
        run_generation({job});
      } catch (...) {
        job->error = std::current_exception();
      }
    }
  }
}

void Scheduler::run_generation(const std::vector<std::shared_ptr<Job>>& batch) {
  GenerateOptions options = batch[0]->options;
  std::vector<Request> requests;
  for (const auto& job : batch) {
    options.max_new_tokens = std::max(options.max_new_tokens, job->options.max_new_tokens);
    requests.push_back(job->request);
  }
  // Log-probabilities go to the jobs that asked, each with its own number of alternatives.
  options.logprobs = -1;
  for (const auto& job : batch) {
    if (job->options.on_logprobs)
      options.logprobs = std::max(options.logprobs, job->options.logprobs);
  }
  options.on_logprobs = [&](size_t row, const StepLogprobs& step) {
    const Job& job = *batch[row];
    if (!job.options.on_logprobs || job.options.logprobs < 0) return;
    StepLogprobs own = step;
    own.top.resize(std::min<size_t>(own.top.size(), static_cast<size_t>(job.options.logprobs)));
    job.options.on_logprobs(0, own);
  };
  std::vector<int> produced(batch.size(), 0);
  std::vector<bool> at_limit(batch.size(), false), stopped(batch.size(), false);
  options.on_token = [&](size_t row, int32_t token, const std::string& piece) {
    Job& job = *batch[row];
    if (job.cancelled()) return false;
    ++produced[row];
    if (job.on_token && !job.on_token(token, piece)) {
      stopped[row] = true;
      return false;
    }
    if (produced[row] >= job.options.max_new_tokens && produced[row] < options.max_new_tokens) {
      at_limit[row] = true;  // a shorter request inside a longer batch
      return false;
    }
    return true;
  };
  std::vector<GenerateResult> results = model_.generate_batch(requests, options);
  for (size_t row = 0; row < batch.size(); ++row) {
    GenerateResult& result = results[row];
    if (result.error) {  // refused alone: the batch's other requests were served
      batch[row]->error = std::make_exception_ptr(*result.error);
      continue;
    }
    if (batch[row]->cancelled()) {
      result.stop_reason = "cancelled";
    } else if (stopped[row]) {
      result.stop_reason = "stop";
    } else if (at_limit[row]) {
      result.stop_reason = "length";
    }
    batch[row]->result = std::move(result);
  }
}

}  // namespace almkit::serve
