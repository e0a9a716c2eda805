// set_compute_threads reaches OpenBLAS as well as libtorch: a model opened with 1 thread must not
// run its fp32 products on every core.
#include "core/threads.h"

#include <ATen/Parallel.h>
#include <gtest/gtest.h>

#include "almkit/version.h"

namespace almkit {
namespace {

TEST(ComputeThreads, SetsLibtorchAndOpenBlas) {
  const int before = at::get_num_threads();
  set_compute_threads(1);
  EXPECT_EQ(at::get_num_threads(), 1);
  // setup.sh installs OpenBLAS; with it selected as libblas.so.3 its pool must follow
  if (active_blas().find("openblas") != std::string::npos) {
    EXPECT_EQ(openblas_threads(), 1);
    set_compute_threads(2);
    EXPECT_EQ(openblas_threads(), 2);
  }
  set_compute_threads(0);  // leaves the counts alone
  set_compute_threads(before);
  EXPECT_EQ(at::get_num_threads(), before);
}

}  // namespace
}  // namespace almkit
