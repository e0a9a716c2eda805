#include "generate/sampling.h"

#include "almkit/error.h"

namespace almkit {

Sampler::Sampler(const SamplingOptions& options) : options_(options), rng_(options.seed) {
  if (!options.greedy && !(options.temperature > 0)) {
    throw Error(ErrorCode::kInvalidArgument, "sampling temperature must be > 0 (use greedy for 0)");
  }
  if (!(options.top_p > 0 && options.top_p <= 1)) {
    throw Error(ErrorCode::kInvalidArgument, "top_p must be in (0, 1]");
  }
}

std::vector<int64_t> Sampler::choose(const at::Tensor& logits) {
  const at::Tensor cpu = logits.to(at::kCPU).to(at::kFloat).contiguous();
  const int64_t rows = cpu.size(0), vocab = cpu.size(1);
  std::vector<int64_t> tokens(rows);
  if (options_.greedy) {
    const at::Tensor best = cpu.argmax(-1);
    for (int64_t r = 0; r < rows; ++r) tokens[r] = best[r].item<int64_t>();
    return tokens;
  }
  for (int64_t r = 0; r < rows; ++r) {
    at::Tensor scores = cpu[r] / options_.temperature;
    if (options_.top_k > 0 && options_.top_k < vocab) {
      const at::Tensor kth = std::get<0>(scores.topk(options_.top_k)).min();
      scores = scores.masked_fill(scores < kth, -INFINITY);
    }
    auto [sorted, order] = scores.sort(/*dim=*/-1, /*descending=*/true);
    at::Tensor probs = at::softmax(sorted, -1);
    if (options_.top_p < 1.0) {
      // keep the smallest prefix whose mass reaches top_p (always at least one token)
      const at::Tensor before = probs.cumsum(-1) - probs;
      probs = probs.masked_fill(before >= options_.top_p, 0.0);
      probs = probs / probs.sum();
    }
    const float* p = probs.data_ptr<float>();
    std::uniform_real_distribution<double> uniform(0.0, 1.0);
    double target = uniform(rng_), cumulative = 0.0;
    int64_t chosen = 0;
    for (int64_t i = 0; i < vocab; ++i) {
      if (p[i] <= 0) continue;
      chosen = i;
      cumulative += p[i];
      if (cumulative >= target) break;
    }
    tokens[r] = order[chosen].item<int64_t>();
  }
  return tokens;
}

}  // namespace almkit
