#include "core/threads.h"

#include "core/cpu_allocator.h"

#include <ATen/Parallel.h>
#include <dlfcn.h>

namespace almkit {

void set_compute_threads(int n) {
  // every model load and reference check comes through here: the place to set up how almkit
  // computes, which includes keeping large activation blocks for reuse (core/cpu_allocator.h)
  install_caching_cpu_allocator();
  if (n <= 0) return;
  at::set_num_threads(n);
  set_openblas_threads(n);
}

void set_openblas_threads(int n) {
  if (n <= 0) return;
  // looked up at run time: libblas.so.3 may be OpenBLAS or the reference BLAS (no threads)
  using SetThreads = void (*)(int);
  if (auto set = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) set(n);
}

int compute_threads() { return at::get_num_threads(); }

int openblas_threads() {
  using GetThreads = int (*)();
  auto get = reinterpret_cast<GetThreads>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"));
  return get ? get() : 0;
}

}  // namespace almkit
