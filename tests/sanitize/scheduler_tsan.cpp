// The serve scheduler under ThreadSanitizer: many HTTP-like threads submitting, cancelling and
// waiting while the workers batch, run and finish jobs, then shutdown with work still queued.
//
// Built torch-free (tests/sanitize/CMakeLists.txt): Model::generate_batch below is a link-time
// test double that stands in for the real one in src/runtime/model.cpp, which this build does not
// compile. It emits `max_new_tokens` tokens per row through on_token, as the real loop does, so
// the scheduler's callbacks, cancellation and result hand-off all run on worker threads. The
// scheduler only calls generate_batch on the Model it holds, so no Model is ever constructed: the
// reference points at suitably aligned storage.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "serve/scheduler.h"

namespace almkit {

std::vector<GenerateResult> Model::generate_batch(const std::vector<Request>& requests,
                                                  const GenerateOptions& options) const {
  std::vector<GenerateResult> results(requests.size());
  std::vector<bool> active(requests.size(), true);
  for (int step = 0; step < options.max_new_tokens; ++step) {
    for (size_t row = 0; row < requests.size(); ++row) {
      if (!active[row]) continue;
      const auto token = static_cast<int32_t>(requests[row].prompt.size() * 100 + step);
      results[row].tokens.push_back(token);
      results[row].text += "t";
      if (options.on_token && !options.on_token(row, token, "t")) active[row] = false;
    }
    std::this_thread::yield();
  }
  for (auto& result : results) result.stop_reason = "length";
  return results;
}

namespace {

const Model& stand_in_model() {
  alignas(Model) static unsigned char storage[sizeof(Model)] = {};
  return *reinterpret_cast<const Model*>(storage);
}

std::shared_ptr<serve::Job> generation(size_t prompt_length, int tokens) {
  auto job = std::make_shared<serve::Job>();
  job->request.prompt = std::string(prompt_length, 'p');
  job->options.max_new_tokens = tokens;
  job->options.temperature = 0.0;
  job->batchable = true;
  return job;
}

TEST(SchedulerTsan, ConcurrentClientsGetTheirOwnTokens) {
  serve::Scheduler scheduler(stand_in_model(), {/*workers=*/2, /*max_batch=*/4, /*max_queue=*/64});
  std::atomic<int> wrong{0}, served{0};
  std::vector<std::thread> clients;
  for (int client = 0; client < 6; ++client) {
    clients.emplace_back([&, client] {
      for (int i = 0; i < 20; ++i) {
        const size_t prompt = static_cast<size_t>(client * 20 + i + 1);
        const int tokens = 1 + (i % 5);
        auto job = generation(prompt, tokens);
        std::atomic<int> streamed{0};
        job->on_token = [&streamed](int32_t, const std::string&) {
          ++streamed;
          return true;
        };
        if (scheduler.submit(job) != serve::Admission::kAccepted) continue;
        job->wait();
        ++served;
        const auto& result = job->result;
        bool ok = !job->error && static_cast<int>(result.tokens.size()) >= tokens;
        for (int step = 0; ok && step < tokens; ++step) {
          ok =
              result.tokens[static_cast<size_t>(step)] == static_cast<int32_t>(prompt * 100 + step);
        }
        if (!ok || streamed.load() != tokens) ++wrong;
      }
    });
  }
  for (auto& client : clients) client.join();
  EXPECT_EQ(wrong.load(), 0);
  const serve::SchedulerStats stats = scheduler.stats();
  EXPECT_EQ(static_cast<int>(stats.completed), served.load());
  EXPECT_GT(served.load(), 0);
}

TEST(SchedulerTsan, CancelFromClientThreadsAndShutdownWithQueuedWork) {
  serve::Scheduler scheduler(stand_in_model(), {/*workers=*/2, /*max_batch=*/2, /*max_queue=*/16});
  std::vector<std::shared_ptr<serve::Job>> jobs;
  std::atomic<int> tasks_run{0};
  for (int i = 0; i < 24; ++i) {
    std::shared_ptr<serve::Job> job;
    if (i % 3 == 0) {
      job = std::make_shared<serve::Job>();
      job->kind = serve::Job::Kind::kTask;
      job->task = [&tasks_run] { ++tasks_run; };
    } else {
      job = generation(static_cast<size_t>(i + 1), 2000);  // long: cancelled or cut by shutdown
    }
    if (scheduler.submit(job) == serve::Admission::kAccepted) jobs.push_back(job);
  }
  std::vector<std::thread> cancellers;
  for (size_t start = 0; start < 2; ++start) {
    cancellers.emplace_back([&jobs, start] {
      for (size_t i = start; i < jobs.size(); i += 2) jobs[i]->cancel();
    });
  }
  for (auto& canceller : cancellers) canceller.join();
  scheduler.shutdown(std::chrono::milliseconds(200));
  for (const auto& job : jobs) EXPECT_TRUE(job->done());
  EXPECT_EQ(scheduler.submit(generation(1, 1)), serve::Admission::kShuttingDown);
}

}  // namespace
}  // namespace almkit
