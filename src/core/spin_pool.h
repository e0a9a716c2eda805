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
// time; a concurrent caller, or parts <= 1, runs the whole range inline. Exceptions from any
// chunk are rethrown in the caller.
void spin_parallel_for(int64_t count, int parts, int64_t align,
                       const std::function<void(int64_t, int64_t)>& body, int chunks_per_part = 4);

}  // namespace almkit
