// The front end's fork-join loop: the thread count is passed in, never global.
#pragma once

#include <algorithm>
#include <cstdint>

#include "core/spin_pool.h"

namespace almkit {

// Calls body(begin, end, slice) on `slices` contiguous slices of [0, count) (default: one per
// thread), slice numbers 0 .. slices - 1, on the caller and `threads` - 1 persistent workers of
// spin_pool.h, whoever is free first (starting threads for each call cost ~0.4 ms of a 1.5 ms
// two-thread Kaldi fbank of 30 s). More slices than threads let the caller start on the work
// while a sleeping worker wakes. While another caller holds the workers, the whole range runs
// inline, slice by slice. Exceptions from any slice are rethrown in the caller.
// The slices a caller of parallel_for uses on `threads` threads: four a thread, so that a worker
// still asleep when a call starts (an idle vCPU wakes slowly) costs part of one slice, not a
// thread's whole share; one on a single thread.
inline int parallel_slices(int threads) {
  return threads > 1 ? 4 * threads : 1;
}

template <typename Body>
void parallel_for(int64_t count, int threads, Body body, int slices = 0) {
  if (count <= 0) return;
  threads = static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(threads, count)));
  if (threads <= 1) {
    body(int64_t{0}, count, 0);
    return;
  }
  slices = static_cast<int>(std::min<int64_t>(std::max(slices, threads), count));
  // Chunks aligned to whole slices: the pool hands out exactly `slices` of them.
  const int64_t per = (count + slices - 1) / slices;
  spin_parallel_for(
      count, threads, per,
      [&](int64_t begin, int64_t end) {
        for (int64_t first = begin; first < end; first += per) {
          body(first, std::min(end, first + per), static_cast<int>(first / per));
        }
      },
      (slices + threads - 1) / threads);
}

}  // namespace almkit
