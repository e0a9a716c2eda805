#include "core/spin_pool.h"

#include <sched.h>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace almkit {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kSpinTime = std::chrono::microseconds(500);

// Waits politely: pause, and every few hundred polls give the core away, so that a worker
// descheduled on a busy machine can run and finish its chunk.
inline void relax(int& polls) {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
  if (++polls % 256 == 0) sched_yield();
}

// A job is cut into chunks that the caller and the workers claim one at a time, so a worker that
// is asleep or descheduled (a loaded machine) delays nothing: the caller takes its chunks.
// `ticket_` packs (job number << 32 | next chunk), so a worker that wakes late can never claim a
// chunk of a later job by mistake.
class SpinPool {
 public:
  static SpinPool& instance() {
    // Leaked on purpose: workers must outlive every static destructor that might still decode.
    static SpinPool* pool = new SpinPool();
    return *pool;
  }

  bool run(int64_t count, int parts, int64_t align, const std::function<void(int64_t, int64_t)>& body,
           int chunks_per_part) {
    parts = std::min<int>(parts, static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
    if (parts <= 1) return false;
    std::unique_lock<std::mutex> caller(call_mutex_, std::try_to_lock);
    if (!caller.owns_lock()) return false;  // another thread is using the workers
    while (workers_ < parts - 1) {
      ++workers_;
      const uint64_t current = ticket_.load() >> 32;  // no job is published while we hold call_mutex_
      std::thread([this, current] { work(current); }).detach();
    }
    // Close the last job's counter before touching the job fields: a worker still holding that
    // job's ticket could otherwise win its exchange in the gap before the new ticket is
    // published and claim a chunk against the new job's fields (a race ThreadSanitizer found).
    const uint64_t last = ticket_.load(std::memory_order_relaxed) >> 32;
    ticket_.store((last << 32) | 0xffffffffu, std::memory_order_seq_cst);
    align_ = std::max<int64_t>(1, align);
    const int64_t wanted = std::min<int64_t>(parts * std::max(1, chunks_per_part), (count + align_ - 1) / align_);
    chunk_ = (count + wanted - 1) / wanted;
    chunk_ = (chunk_ + align_ - 1) / align_ * align_;
    const int chunks = static_cast<int>((count + chunk_ - 1) / chunk_);
    chunks_.store(chunks, std::memory_order_relaxed);
    body_ = &body;
    count_ = count;
    errors_.assign(chunks, nullptr);
    finished_.store(0, std::memory_order_relaxed);
    const uint64_t job = (ticket_.load(std::memory_order_relaxed) >> 32) + 1;
    ticket_.store(job << 32, std::memory_order_seq_cst);  // publishes the job's fields
    if (sleepers_.load(std::memory_order_seq_cst) > 0) {
      std::lock_guard<std::mutex> lock(sleep_mutex_);
      wake_.notify_all();
    }
    take_chunks(job);
    int polls = 0;
    while (finished_.load(std::memory_order_acquire) < chunks) relax(polls);
    for (auto& error : errors_) {
      if (error) std::rethrow_exception(error);
    }
    return true;
  }

 private:
  // Claims and runs chunks of `job` until none is left; false if the job was already over.
  void take_chunks(uint64_t job) {
    uint64_t ticket = ticket_.load(std::memory_order_acquire);
    for (;;) {
      // chunks_ may already be the next job's: run() closed this job's counter (index 0xffffffff)
      // before writing it, so the exchange below fails
      if ((ticket >> 32) != job || static_cast<int64_t>(ticket & 0xffffffffu) >= chunks_.load(std::memory_order_relaxed))
        return;
      if (!ticket_.compare_exchange_weak(ticket, ticket + 1, std::memory_order_acq_rel)) continue;
      const int64_t index = static_cast<int64_t>(ticket & 0xffffffffu);
      const int64_t begin = index * chunk_, end = std::min(count_, begin + chunk_);
      try {
        (*body_)(begin, end);
      } catch (...) {
        errors_[index] = std::current_exception();
      }
      finished_.fetch_add(1, std::memory_order_release);
      ticket = ticket_.load(std::memory_order_acquire);
    }
  }

  void work(uint64_t seen) {  // seen: the last job number this worker looked at
    for (;;) {
      const auto spin_until = Clock::now() + kSpinTime;
      int polls = 0;
      auto job = [&] { return ticket_.load(std::memory_order_acquire) >> 32; };
      while (job() == seen && Clock::now() < spin_until) relax(polls);
      if (job() == seen) {
        sleepers_.fetch_add(1, std::memory_order_seq_cst);
        std::unique_lock<std::mutex> lock(sleep_mutex_);
        wake_.wait(lock, [&] { return (ticket_.load(std::memory_order_seq_cst) >> 32) != seen; });
        sleepers_.fetch_sub(1, std::memory_order_relaxed);
      }
      seen = job();
      take_chunks(seen);
    }
  }

  std::mutex call_mutex_;
  int workers_ = 0;
  std::atomic<uint64_t> ticket_{0};
  std::atomic<int> finished_{0};
  std::atomic<int> sleepers_{0};
  std::mutex sleep_mutex_;
  std::condition_variable wake_;
  // The job, written by the caller before its ticket is published; read by whoever claims a chunk.
  const std::function<void(int64_t, int64_t)>* body_ = nullptr;
  int64_t count_ = 0, chunk_ = 1, align_ = 1;
  std::atomic<int> chunks_{0};
  std::vector<std::exception_ptr> errors_;
};

}  // namespace

void spin_parallel_for(int64_t count, int parts, int64_t align,
                       const std::function<void(int64_t, int64_t)>& body, int chunks_per_part) {
  if (count <= 0) return;
  if (parts > 1 && SpinPool::instance().run(count, parts, align, body, chunks_per_part)) return;
  body(0, count);
}

}  // namespace almkit
