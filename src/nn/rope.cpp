#include "nn/rope.h"

namespace almkit::nn {

Rope::Rope(int64_t head_dim, double theta, at::Device device) {
  const at::Tensor exponents =
      at::arange(0, head_dim, 2, at::TensorOptions().dtype(at::kLong)).to(at::kFloat) / head_dim;
  inv_freq_ = (1.0 / at::pow(theta, exponents)).to(device);
}

std::pair<at::Tensor, at::Tensor> Rope::cos_sin(const at::Tensor& positions,
                                                at::ScalarType dtype) const {
  // [B, T, 1] x [1, 1, D/2] as transformers' matmul of inv_freq and positions in float32.
  const at::Tensor freqs = positions.to(at::kFloat).unsqueeze(-1) * inv_freq_.view({1, 1, -1});
  const at::Tensor embedded = at::cat({freqs, freqs}, -1).unsqueeze(1);
  return {embedded.cos().to(dtype), embedded.sin().to(dtype)};
}

at::Tensor Rope::apply(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin) {
  const int64_t half = x.size(-1) / 2;
  const at::Tensor rotated = at::cat({-x.narrow(-1, half, half), x.narrow(-1, 0, half)}, -1);
  return x * cos + rotated * sin;
}

}  // namespace almkit::nn
