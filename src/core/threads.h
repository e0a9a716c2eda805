// How many threads almkit computes with. A loaded model carries its own count and applies it
// around each of its calls (ComputeThreadsScope), so two models with different counts can share
// a process; nothing a model does changes the process's counts for anyone else.
//
// What each count reaches, with Debian's libtorch 1.13 (OpenMP backend) and OpenBLAS 0.3.21:
// - libtorch's intra-op count is the calling thread's OpenMP nthreads ICV (at::get_num_threads
//   returns omp_get_max_threads), so setting that ICV with omp_set_num_threads is per thread:
//   ATen's parallel_for, oneDNN and almkit's own kernels (which size their split with
//   at::get_num_threads) follow it on that thread only. at::set_num_threads is not used: it also
//   stores a process-wide default that every thread starting later adopts.
// - OpenBLAS's count (pthreads build; fp32 matmul and gemv go there) is one per process (its
//   per-thread setting came in 0.3.27). While scopes are open it is the smallest count among
//   them, so no model's products run on more threads than it was given; once the last scope
//   closes it is put back. Limit: a model overlapping another with fewer threads runs its
//   OpenBLAS products on that smaller count meanwhile (results may then differ in the last
//   bits from a solo run, as products on 1 and 2 OpenBLAS threads do).
#pragma once

namespace almkit {

// Applies `threads` to the calling thread for the scope's lifetime (threads <= 0: the calling
// thread's current settings, nothing changed). Not movable: it restores the thread it ran on.
class ComputeThreadsScope {
 public:
  explicit ComputeThreadsScope(int threads);
  ~ComputeThreadsScope();
  ComputeThreadsScope(const ComputeThreadsScope&) = delete;
  ComputeThreadsScope& operator=(const ComputeThreadsScope&) = delete;

 private:
  int threads_ = 0;
  int previous_ = 0;  // the calling thread's intra-op count before the scope
};

// Sets libtorch's intra-op threads and, when the BLAS loaded in this process is OpenBLAS, its
// thread count too, for the whole process. For programs that own the process (benchmarks,
// tests); library code uses ComputeThreadsScope. n <= 0 leaves both as they are.
void set_compute_threads(int n);

// OpenBLAS's thread count alone (n <= 0, or another BLAS: nothing). Its results depend on it:
// products run on 1 and on 2 OpenBLAS threads can differ in the last bits.
void set_openblas_threads(int n);

// libtorch's intra-op thread count on the calling thread.
int compute_threads();

// OpenBLAS's current thread count, or 0 when the BLAS in use is not OpenBLAS.
int openblas_threads();

}  // namespace almkit
