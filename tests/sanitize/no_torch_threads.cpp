// The sanitizer builds compile no libtorch, so there are no torch or OpenBLAS thread counts for
// tests/test_support.cpp to reset between tests: these stand in for src/core/threads.cpp.
#include "core/threads.h"

namespace almkit {

ComputeThreadsScope::ComputeThreadsScope(int threads) : threads_(threads) {}
ComputeThreadsScope::~ComputeThreadsScope() { static_cast<void>(threads_ + previous_); }
void set_compute_threads(int) {}
void set_openblas_threads(int) {}
int compute_threads() { return 1; }
int openblas_threads() { return 1; }

}  // namespace almkit
