// A minimal fork-join loop for the front end: the thread count is passed in, never global.
#pragma once

#include <algorithm>
#include <cstdint>
#include <exception>
#include <thread>
#include <vector>

namespace almkit {

// Calls body(begin, end, worker) on `threads` contiguous slices of [0, count). Exceptions from
// workers are rethrown in the caller.
template <typename Body>
void parallel_for(int64_t count, int threads, Body body) {
  threads = static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(threads, count)));
  if (threads <= 1) {
    body(int64_t{0}, count, 0);
    return;
  }
  std::vector<std::thread> workers;
  std::vector<std::exception_ptr> errors(threads);
  const int64_t per = (count + threads - 1) / threads;
  auto run = [&](int t) {
    const int64_t begin = t * per, end = std::min(count, begin + per);
    try {
      if (begin < end) body(begin, end, t);
    } catch (...) {
      errors[t] = std::current_exception();
    }
  };
  // The caller takes slice 0 itself: one thread fewer to start (tens of microseconds each).
  for (int t = 1; t < threads; ++t) workers.emplace_back(run, t);
  run(0);
  for (auto& worker : workers) worker.join();
  for (auto& error : errors) {
    if (error) std::rethrow_exception(error);
  }
}

}  // namespace almkit
