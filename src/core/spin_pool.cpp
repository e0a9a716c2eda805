#include "core/spin_pool.h"

#include <sched.h>
#if defined(__linux__)
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

#include <algorithm>
#include <atomic>
#include <chrono>
#include <climits>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace almkit {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::microseconds;

// Workers spin this long after a job before they sleep (a decode step's next mat-vec follows
// within microseconds); a caller waiting for the last chunks spins kJoinSpin, then sleeps.
constexpr microseconds kIdleSpin(500);
constexpr microseconds kJoinSpin(50);
// A join is late when it waited longer than this and than 4 of the caller's own chunks.
constexpr microseconds kLateFloor(200);
// Inline stretches after a late join or an idle window: 2 ms, doubling up to 128 ms.
constexpr microseconds kFirstBackoff(2000);
constexpr microseconds kMaxBackoff(128000);
// The workers' share of the chunks is judged over this many jobs; below a quarter (half is
// what an awake worker takes) they are not keeping up.
constexpr int kWindowJobs = 32;
// After the workers fell behind they sleep between jobs for at least this long.
constexpr std::chrono::milliseconds kSleepingWorkersFor(1000);
constexpr int kShareDivisor = 4;

// ALMKIT_SPIN_POOL=spin: joins only spin and jobs are never sent inline (the pool before it
// adapted to load), for comparisons.
bool adapts_to_load() {
  const char* value = std::getenv("ALMKIT_SPIN_POOL");
  return !(value && std::string(value) == "spin");
}

inline void pause() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

// Waits politely: pause, and every few hundred polls give the core away, so that a worker
// descheduled on a busy machine can run and finish its chunk.
inline void relax(int& polls) {
  pause();
  if (++polls % 256 == 0) sched_yield();
}

// Sleeps while *word == expected (or returns at once); without futexes, gives the core away.
void wait_while_equal(std::atomic<int>& word, int expected) {
#if defined(__linux__)
  syscall(SYS_futex, reinterpret_cast<int*>(&word), FUTEX_WAIT_PRIVATE, expected, nullptr, nullptr, 0);
#else
  (void)word, (void)expected;
  sched_yield();
#endif
}

void wake_all(std::atomic<int>& word) {
#if defined(__linux__)
  syscall(SYS_futex, reinterpret_cast<int*>(&word), FUTEX_WAKE_PRIVATE, INT_MAX, nullptr, nullptr, 0);
#else
  (void)word;
#endif
}

// A job is cut into chunks that the caller and the workers claim one at a time, so a worker that
// is asleep or descheduled (a loaded machine) before it claims delays nothing: the caller takes
// its chunks. `ticket_` packs (job number << 32 | next chunk), so a worker that wakes late can
// never claim a chunk of a later job by mistake.
//
// What a loaded machine still costs (2 cores beside builds, load ~5): the workers, awake and
// spinning, took only 13 % of a decode step's chunks (87 % of jobs ran wholly on the caller)
// while their spinning took CPU share from the caller, and a worker descheduled while it holds a
// chunk holds up the join until it runs again, often a whole time slice. So the caller spins
// only briefly in a join, then sleeps until the last chunk is done, and when the workers fall
// behind (adapt()) they first stop spinning for a second (sleeping between jobs, a woken worker
// took 35-50 % of the chunks under the same load), and if they still fall behind, the next jobs
// run inline, as on one thread, for 2, 4, ... up to 128 ms before the workers are tried again.
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
    if (adapts_ && Clock::now() < resume_at_) {
      ++stats_.inline_jobs;
      return false;
    }
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
    const auto start = Clock::now();
    ticket_.store(job << 32, std::memory_order_seq_cst);  // publishes the job's fields
    if (sleepers_.load(std::memory_order_seq_cst) > 0) {
      std::lock_guard<std::mutex> lock(sleep_mutex_);
      wake_.notify_all();
    }
    const int own = take_chunks(job);
    const auto own_done = Clock::now();
    join(chunks, own_done);
    ++stats_.pooled_jobs;
    const auto end = Clock::now();
    if (adapts_) adapt(chunks, own, end, own_done - start, end - own_done);

    for (auto& error : errors_) {
      if (error) std::rethrow_exception(error);
    }
    return true;
  }

  SpinPoolStats stats() {
    std::lock_guard<std::mutex> caller(call_mutex_);
    return stats_;
  }

 private:
  // Waits until every chunk of the job is done: spins a little (a worker on its last chunk
  // finishes within microseconds), then sleeps until the worker that finishes the last chunk
  // wakes it, so that on a loaded machine the caller's core can go to that worker.
  void join(int chunks, Clock::time_point own_done) {
    const auto spin_until = own_done + kJoinSpin;
    int polls = 0;
    while (finished_.load(std::memory_order_acquire) < chunks) {
      if (!adapts_) {
        relax(polls);
        continue;
      }
      if ((++polls & 15) != 0 || Clock::now() < spin_until) {
        pause();
        continue;
      }
      caller_sleeping_.store(1, std::memory_order_seq_cst);
      const int seen = finished_.load(std::memory_order_seq_cst);
      if (seen < chunks) wait_while_equal(finished_, seen);
      caller_sleeping_.store(0, std::memory_order_relaxed);
    }
  }

  // Two signs that the workers do not run when asked (a loaded machine): a join that waited far
  // longer than the caller's own chunks took (a worker held a chunk without running), or a
  // window of jobs in which the workers took under a quarter of the chunks (they are awake and
  // spinning for nothing but the caller's share of the CPU). Either sends the next jobs inline
  // for a while, doubling the while each time it happens again, back to the first length once
  // a window goes well.
  void adapt(int chunks, int own, Clock::time_point end, Clock::duration own_time, Clock::duration waited) {
    const auto per_chunk = own > 0 ? own_time / own : own_time;
    const bool late = waited > std::max<Clock::duration>(kLateFloor, 4 * per_chunk);
    window_chunks_ += chunks;
    window_worker_chunks_ += chunks - own;
    bool idle = false, window_done = ++window_jobs_ == kWindowJobs;
    if (window_done) idle = window_worker_chunks_ * kShareDivisor < window_chunks_;
    if (late || window_done) window_jobs_ = 0, window_chunks_ = window_worker_chunks_ = 0;
    stats_.late_joins += late;
    stats_.idle_windows += idle;
    if ((late || idle) && workers_spin_.load(std::memory_order_relaxed)) {
      // first step: workers sleep right after their chunks, so they cost nothing while idle and
      // a woken worker gets the core back soon (a sleeper is owed CPU time by the scheduler)
      workers_spin_.store(false, std::memory_order_relaxed);
      spin_again_at_ = end + kSleepingWorkersFor;
    } else if (late || idle) {
      resume_at_ = end + backoff_;
      backoff_ = std::min<Clock::duration>(2 * backoff_, kMaxBackoff);
    } else if (window_done) {
      backoff_ = kFirstBackoff;
      if (end > spin_again_at_) workers_spin_.store(true, std::memory_order_relaxed);
    }
  }

  // Claims and runs chunks of `job` until none is left; returns how many it ran (0 if the job
  // was already over).
  int take_chunks(uint64_t job) {
    int ran = 0;
    uint64_t ticket = ticket_.load(std::memory_order_acquire);
    for (;;) {
      // chunks_ may already be the next job's: run() closed this job's counter (index 0xffffffff)
      // before writing it, so the exchange below fails
      const int chunks = chunks_.load(std::memory_order_relaxed);
      if ((ticket >> 32) != job || static_cast<int64_t>(ticket & 0xffffffffu) >= chunks) return ran;
      if (!ticket_.compare_exchange_weak(ticket, ticket + 1, std::memory_order_acq_rel)) continue;
      const int64_t index = static_cast<int64_t>(ticket & 0xffffffffu);
      const int64_t begin = index * chunk_, end = std::min(count_, begin + chunk_);
      try {
        (*body_)(begin, end);
      } catch (...) {
        errors_[index] = std::current_exception();
      }
      ++ran;
      // the job's fields stay put until its last chunk is counted, so `chunks` is this job's
      if (finished_.fetch_add(1, std::memory_order_seq_cst) + 1 == chunks &&
          caller_sleeping_.load(std::memory_order_seq_cst)) {
        wake_all(finished_);
      }
      ticket = ticket_.load(std::memory_order_acquire);
    }
  }

  void work(uint64_t seen) {  // seen: the last job number this worker looked at
    for (;;) {
      const auto spin_until = Clock::now() + kIdleSpin;
      int polls = 0;
      auto job = [&] { return ticket_.load(std::memory_order_acquire) >> 32; };
      while (job() == seen && workers_spin_.load(std::memory_order_relaxed) && Clock::now() < spin_until) relax(polls);
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

  const bool adapts_ = adapts_to_load();
  std::mutex call_mutex_;
  int workers_ = 0;
  // Under call_mutex_: jobs run inline until resume_at_, the next such stretch, the current
  // window of jobs, counters.
  Clock::time_point resume_at_, spin_again_at_;
  Clock::duration backoff_ = kFirstBackoff;
  int window_jobs_ = 0;
  int64_t window_chunks_ = 0, window_worker_chunks_ = 0;
  SpinPoolStats stats_;
  std::atomic<uint64_t> ticket_{0};
  std::atomic<int> finished_{0};
  std::atomic<int> caller_sleeping_{0};
  std::atomic<bool> workers_spin_{true};
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

SpinPoolStats spin_pool_stats() { return SpinPool::instance().stats(); }

}  // namespace almkit
