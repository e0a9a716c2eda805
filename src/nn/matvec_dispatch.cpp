#include "nn/matvec_dispatch.h"

#include <ATen/Parallel.h>

#include <algorithm>

#include "core/spin_pool.h"

namespace almkit::nn {

void run_matvecs(const std::vector<MatvecShare>& shares, const MatvecSplit& split) {
  // Each share starts a multiple of `align` into the union (the gap after a ragged share is
  // skipped), so that every chunk starts where it could start in that share's own dispatch.
  std::vector<int64_t> starts(shares.size());
  int64_t count = 0, units = 0, bytes = 0;
  for (size_t i = 0; i < shares.size(); ++i) {
    count = (count + split.align - 1) / split.align * split.align;
    starts[i] = count;
    count += shares[i].units;
    units += shares[i].units;
    bytes += shares[i].units * shares[i].unit_bytes;
  }
  const int parts = at::in_parallel_region() || units < split.min_units ? 1 : at::get_num_threads();
  // The tail (one thread on the last chunk, the other waiting) stays a few microseconds, while
  // a big matrix is not cut into thousands of claims.
  const int64_t bytes_per_part = bytes / std::max(1, parts);
  const int chunks_per_part =
      static_cast<int>(std::clamp<int64_t>(bytes_per_part / split.chunk_bytes, 4, 64));
  spin_parallel_for(
      count, parts, split.align,
      [&](int64_t begin, int64_t end) {
        for (size_t i = 0; i < shares.size(); ++i) {
          const int64_t first = std::max(begin, starts[i]) - starts[i];
          const int64_t last = std::min(end, starts[i] + shares[i].units) - starts[i];
          if (first < last) shares[i].run(first, last);
        }
      },
      chunks_per_part);
}

void add_bias(float* y, int64_t rows, int64_t n, const float* bias, int64_t begin, int64_t end) {
  if (!bias) return;
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t j = begin; j < end; ++j) y[r * n + j] += bias[j];
  }
}

}  // namespace almkit::nn
