// The float32 decode mat-vec (nn/f32_matvec.h) and nn::linear's use of it: every kernel this CPU
// runs against a float64 product, at every alignment and ragged size, reading nothing past its
// operands, the same floats whatever the thread or row count, and autograd kept.
#include "nn/f32_matvec.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <vector>

#include "nn/linear.h"

namespace almkit {
namespace {

// The kernels this CPU runs (C++ everywhere), with a note for each it does not.
std::vector<nn::F32Kernel> kernels() {
  std::vector<nn::F32Kernel> out;
  for (const nn::F32Kernel kernel :
       {nn::F32Kernel::kScalar, nn::F32Kernel::kAvx2, nn::F32Kernel::kAvx512}) {
    if (nn::cpu_runs(kernel)) {
      out.push_back(kernel);
    } else {
      std::printf("[ note ] this CPU does not run the %s kernel (or ALMKIT_SIMD caps it)\n",
                  nn::kernel_name(kernel));
    }
  }
  return out;
}

double max_error(const at::Tensor& got, const at::Tensor& expected) {
  return at::max(at::abs(got.to(at::kDouble) - expected)).item<double>();
}

// Weight rows starting at every 4-byte offset within a 64-byte line (k not a multiple of 16, so
// consecutive rows shift too), k below one vector, between one and two, and long; 1 row (four
// weight rows a quarter of the range apart, and the rows left over: n = 9 is two quarters and
// one) and 2, 3, 5 rows (tiles of up to four rows of x); n = 203 splits over the threads.
// |x_i w_i| ~ 1: float32 sums err ~6e-8 per term over a random walk, far inside 1e-5 sqrt(k).
TEST(F32Matvec, EveryKernelMatchesTheFloat64ProductAtEveryAlignment) {
  const std::vector<nn::F32Kernel> runnable = kernels();
  for (const int64_t k : {1, 5, 15, 16, 17, 31, 32, 33, 100, 899}) {
    for (const int64_t rows : {1, 2, 3, 5}) {
      for (const int64_t n : {9, 203}) {
        at::manual_seed(k * 100 + rows * 10 + n);
        const at::Tensor x = at::randn({rows, k}), bias = at::randn({n});
        const at::Tensor storage = at::randn({n * k + 16});
        for (int64_t shift = 0; shift<16; shift += k> 100 || n > 100 ? 5 : 1) {
          const at::Tensor w = storage.narrow(0, shift, n * k).view({n, k});
          const at::Tensor expected =
              at::linear(x.to(at::kDouble), w.to(at::kDouble), bias.to(at::kDouble));
          at::Tensor first;
          for (const nn::F32Kernel kernel : runnable) {
            at::Tensor got = at::empty({rows, n});
            nn::f32_matvec(x.data_ptr<float>(), rows, k, w.data_ptr<float>(), n,
                           got.data_ptr<float>(), bias.data_ptr<float>(), kernel);
            const double error = max_error(got, expected);
            EXPECT_LT(error, 1e-5 * std::sqrt(double(k)))
                << nn::kernel_name(kernel) << ": k " << k << ", rows " << rows << ", n " << n
                << ", shift " << shift;
            // the kernels agree with each other as closely (forced AVX2 and C++ paths included)
            if (!first.defined()) first = got;
            EXPECT_LT(max_error(got, first.to(at::kDouble)), 2e-5 * std::sqrt(double(k)))
                << nn::kernel_name(kernel);
          }
        }
      }
    }
  }
}

// A page that faults, right after the operands: the ragged ends (masked or zero-padded loads)
// read nothing past the last weight or the last value of x.
TEST(F32Matvec, ReadsNothingPastTheWeightsOrX) {
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  const std::vector<nn::F32Kernel> runnable = kernels();
  for (const int64_t k : {7, 23, 41}) {
    const int64_t n = 13;
    // pages: the weights' end, a guard, x's end, a guard
    void* memory =
        mmap(nullptr, 4 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ASSERT_NE(memory, MAP_FAILED);
    char* base = static_cast<char*>(memory);
    ASSERT_EQ(mprotect(base + page, page, PROT_NONE), 0);
    ASSERT_EQ(mprotect(base + 3 * page, page, PROT_NONE), 0);
    float* w = reinterpret_cast<float*>(base + page) - n * k;
    float* x = reinterpret_cast<float*>(base + 3 * page) - k;
    at::manual_seed(k);
    const at::Tensor wt = at::randn({n, k}), xt = at::randn({1, k});
    std::memcpy(w, wt.data_ptr<float>(), n * k * 4);
    std::memcpy(x, xt.data_ptr<float>(), k * 4);
    const at::Tensor expected = at::linear(xt.to(at::kDouble), wt.to(at::kDouble));
    for (const nn::F32Kernel kernel : runnable) {
      at::Tensor got = at::empty({1, n});
      nn::f32_matvec(x, 1, k, w, n, got.data_ptr<float>(), nullptr, kernel);
      EXPECT_LT(max_error(got, expected), 1e-5 * std::sqrt(double(k)))
          << nn::kernel_name(kernel) << " k " << k;
    }
    munmap(memory, 4 * page);
  }
}

// Each output is summed in one order whichever loop computed it (four weight rows at a time or
// one, a tile of four rows of x or one), so a row's outputs are the same floats on 1 and 2
// threads and alone or among other rows.
TEST(F32Matvec, EachOutputIsTheSameFloatWhateverTheThreadsAndRows) {
  const int threads = at::get_num_threads();
  const int64_t k = 333, n = 1001;
  at::manual_seed(3);
  const at::Tensor x = at::randn({6, k}), w = at::randn({n, k});
  for (const nn::F32Kernel kernel : kernels()) {
    SCOPED_TRACE(nn::kernel_name(kernel));
    at::Tensor all = at::empty({6, n});
    at::set_num_threads(2);
    nn::f32_matvec(x.data_ptr<float>(), 6, k, w.data_ptr<float>(), n, all.data_ptr<float>(),
                   nullptr, kernel);
    for (const int count : {1, 2}) {
      at::set_num_threads(count);
      for (int64_t r = 0; r < 6; ++r) {
        at::Tensor one = at::empty({1, n});
        nn::f32_matvec(x[r].data_ptr<float>(), 1, k, w.data_ptr<float>(), n, one.data_ptr<float>(),
                       nullptr, kernel);
        EXPECT_TRUE(at::equal(one[0], all[r])) << count << " threads, row " << r;
      }
    }
  }
  at::set_num_threads(threads);
}

// nn::linear with float32 weights: decode rows (1 and 3, with leading dimensions) give the float64
// product; an input that autograd tracks still gets its gradient (W^T summed over outputs).
TEST(F32Linear, DecodeRowsMatchFloat64AndKeepAutograd) {
  at::manual_seed(11);
  const at::Tensor w = at::randn({70, 96}), bias = at::randn({70});
  for (const int64_t rows : {1, 3}) {
    const at::Tensor x = at::randn({rows, 1, 96});
    const at::Tensor got = nn::linear(x, w, bias);
    ASSERT_EQ(got.sizes(), (at::IntArrayRef{rows, 1, 70}));
    EXPECT_LT(
        max_error(got, at::linear(x.to(at::kDouble), w.to(at::kDouble), bias.to(at::kDouble))),
        1e-5 * std::sqrt(96.0));
  }
  const at::Tensor x = at::randn({1, 96}).requires_grad_(true);
  const at::Tensor y = nn::linear(x, w, bias);
  ASSERT_TRUE(y.requires_grad());
  y.sum().backward();
  EXPECT_LT(max_error(x.grad(), w.sum(0, true).to(at::kDouble)), 1e-4);
}

}  // namespace
}  // namespace almkit
