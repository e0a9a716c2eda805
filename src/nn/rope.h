// Rotary position embedding (rotate-half form, as transformers' Llama/Qwen2), computed in
// float32 exactly as transformers does.
#pragma once

#include <ATen/ATen.h>

namespace almkit::nn {

class Rope {
 public:
  Rope(int64_t head_dim, double theta, at::Device device);
  // positions [B, T] (int64) -> cos, sin [B, 1, T, head_dim] in `dtype`.
  std::pair<at::Tensor, at::Tensor> cos_sin(const at::Tensor& positions, at::ScalarType dtype) const;
  // x [B, heads, T, head_dim]
  static at::Tensor apply(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin);

 private:
  at::Tensor inv_freq_;  // [head_dim / 2], float32
};

}  // namespace almkit::nn
