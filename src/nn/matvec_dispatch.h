// The threading of decode mat-vecs (a few rows of x against weight matrices): each product's
// output features are cut into chunks of weights that the compute threads claim
// (core/spin_pool.h), and several products of the same x (q, k and v; gate and up) can share one
// dispatch, so that one pool join serves them all. Used by f32_matvec, bf16_matvec (nn/linear.h)
// and int8_matmul.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

namespace almkit::nn {

// One product's part of a dispatch: `units` output units (features, or int8 panels of 16) of
// `unit_bytes` weight bytes each; run(begin, end) computes units [begin, end) completely, bias
// included.
struct MatvecShare {
  int64_t units = 0, unit_bytes = 0;
  std::function<void(int64_t, int64_t)> run;
};

// How products are cut: chunks start a multiple of `align` units from each product's first unit
// (the kernels give every unit the same float whatever chunk holds it, given that alignment),
// hold ~chunk_bytes of weights, and fewer than `min_units` units in all run on one thread.
struct MatvecSplit {
  int64_t align, chunk_bytes, min_units;
};
// Output features of float32 and bf16 weights: ~128 KB chunks, 16-feature steps.
constexpr MatvecSplit kFeatureChunks{16, 128 << 10, 128};

// Runs every share in one pool job over the union of their units, 4 to 64 chunks per compute
// thread; a chunk across two shares runs its part of each. One thread inside a parallel region.
// One share is cut exactly as it would be alone.
void run_matvecs(const std::vector<MatvecShare>& shares, const MatvecSplit& split);

// y[r, j] += bias[j] for every row r of y [rows, n] and feature j in [begin, end); bias may be
// null.
void add_bias(float* y, int64_t rows, int64_t n, const float* bias, int64_t begin, int64_t end);

}  // namespace almkit::nn
