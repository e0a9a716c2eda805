// How many threads almkit computes with. libtorch's at::set_num_threads sizes its own pool (and
// MKL's) but not OpenBLAS's, which Debian's libtorch calls for every fp32 matmul and gemv: a model
// opened with 1 thread still ran its fp32 products on every core.
#pragma once

namespace almkit {

// Sets libtorch's intra-op threads and, when the BLAS loaded in this process is OpenBLAS, its
// thread count too. n <= 0 leaves both as they are.
void set_compute_threads(int n);

// OpenBLAS's thread count alone (n <= 0, or another BLAS: nothing). Its results depend on it:
// products run on 1 and on 2 OpenBLAS threads can differ in the last bits.
void set_openblas_threads(int n);

// libtorch's intra-op thread count.
int compute_threads();

// OpenBLAS's current thread count, or 0 when the BLAS in use is not OpenBLAS.
int openblas_threads();

}  // namespace almkit
