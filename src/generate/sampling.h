// Next-token choice: greedy, or temperature / top-k / top-p sampling (transformers' order) with
// a seeded generator so that a run is reproducible on any device.
#pragma once

#include <ATen/ATen.h>

#include <random>
#include <vector>

#include "generate/pipeline.h"

namespace almkit {

class Sampler {
 public:
  explicit Sampler(const SamplingOptions& options);
  // logits [B, vocab] float32 -> one token per row.
  std::vector<int64_t> choose(const at::Tensor& logits);

 private:
  SamplingOptions options_;
  std::mt19937_64 rng_;
};

}  // namespace almkit
