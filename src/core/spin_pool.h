// Fork-join over a few persistent workers that spin briefly between jobs, for the mat-vecs of
// decoding and the front end's frames. A decode step issues ~170 mat-vecs (Qwen2-0.5B) with
// microseconds between them;
// waking sleeping OpenMP workers for each one (OMP_WAIT_POLICY=PASSIVE, needed elsewhere on
// 2 cores) cost more than the second core gained: 2 threads decoded at 9.0 tok/s against 14.9
// for one. Workers here spin ~0.5 ms after a job, then sleep, so a burst of mat-vecs finds them
// awake and an idle process costs nothing.
#pragma once

#include <cstdint>
#include <functional>

namespace almkit {

// Calls body(begin, end) over [0, count) cut into `chunks_per_part` chunks per part (each a
// multiple of `align` rows except the last), run by the caller and up to parts - 1 workers,
// whoever is free first. More chunks cost a compare-exchange each but shorten the tail, where
// one thread finishes the last chunk while the others wait. One caller uses the workers at a
// time; a concurrent caller, or parts <= 1, runs the whole range inline, and so does the caller
// for a while after the workers fell behind (a loaded machine: see SpinPoolStats).
// Exceptions from any chunk are rethrown in the caller.
void spin_parallel_for(int64_t count, int parts, int64_t align,
                       const std::function<void(int64_t, int64_t)>& body, int chunks_per_part = 4);

// What the pool did since the process started (for tests and benchmarks): jobs run on the
// workers; joins that waited far longer than a chunk takes (a worker held a chunk without
// running); windows of 32 jobs in which the workers took under a quarter of the chunks (the
// first such sign stops the workers' spinning, the next ones send jobs inline); jobs the caller
// then ran alone (see spin_pool.cpp: on a loaded machine the workers cost more
// than they give).
struct SpinPoolStats {
  int64_t pooled_jobs = 0;
  int64_t late_joins = 0;
  int64_t idle_windows = 0;
  int64_t inline_jobs = 0;
};
SpinPoolStats spin_pool_stats();

}  // namespace almkit
