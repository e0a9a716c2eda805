#include "core/threads.h"

#include "core/cpu_allocator.h"

#include <ATen/Parallel.h>
#include <dlfcn.h>

#include <algorithm>
#include <mutex>
#include <set>

namespace almkit {
namespace {

// Looked up at run time: libblas.so.3 may be OpenBLAS or the reference BLAS (no threads), and
// libgomp comes with libtorch (almkit itself is not compiled with -fopenmp).
template <typename Function>
Function lookup(const char* name) {
  return reinterpret_cast<Function>(dlsym(RTLD_DEFAULT, name));
}

void set_calling_thread_intra_op(int n) {
  static const auto omp_set = lookup<void (*)(int)>("omp_set_num_threads");
  if (omp_set) {
    omp_set(n);
  } else {
    at::set_num_threads(n);  // a libtorch without OpenMP: its pool is process-wide
  }
}

// The counts of the scopes open in the process, and OpenBLAS's count before the first opened.
struct OpenBlasShare {
  std::mutex mutex;
  std::multiset<int> open;
  int before = 0;

  void enter(int n) {
    std::lock_guard<std::mutex> lock(mutex);
    if (open.empty()) before = openblas_threads();
    open.insert(n);
    apply(*open.begin());
  }
  void leave(int n) {
    std::lock_guard<std::mutex> lock(mutex);
    open.erase(open.find(n));
    apply(open.empty() ? before : *open.begin());
  }
  static void apply(int n) {
    if (n > 0 && openblas_threads() != n) set_openblas_threads(n);
  }
};

OpenBlasShare& openblas_share() {
  static OpenBlasShare* share = new OpenBlasShare();  // leaked: scopes may close during exit
  return *share;
}

}  // namespace

ComputeThreadsScope::ComputeThreadsScope(int threads) : threads_(threads) {
  if (threads_ <= 0) return;
  // at::get_num_threads first initialises the thread's OpenMP count from libtorch's default
  // (once per thread); doing it here keeps that first-use initialisation from overwriting ours
  previous_ = at::get_num_threads();
  set_calling_thread_intra_op(threads_);
  openblas_share().enter(threads_);
}

ComputeThreadsScope::~ComputeThreadsScope() {
  if (threads_ <= 0) return;
  set_calling_thread_intra_op(previous_);
  openblas_share().leave(threads_);
}

void set_compute_threads(int n) {
  install_caching_cpu_allocator();  // a program that sets the process's counts computes with almkit
  if (n <= 0) return;
  at::set_num_threads(n);
  set_openblas_threads(n);
}

void set_openblas_threads(int n) {
  if (n <= 0) return;
  static const auto set = lookup<void (*)(int)>("openblas_set_num_threads");
  if (set) set(n);
}

int compute_threads() { return at::get_num_threads(); }

int openblas_threads() {
  static const auto get = lookup<int (*)()>("openblas_get_num_threads");
  return get ? get() : 0;
}

}  // namespace almkit
