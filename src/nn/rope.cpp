#include "nn/rope.h"

#include <algorithm>
#include <cmath>

#include "almkit/error.h"

namespace almkit::nn {
namespace {

// base ** (arange(0, dim, 2) / dim) in float32, as transformers computes it.
at::Tensor frequency_powers(int64_t head_dim, double base) {
  const at::Tensor exponents =
      at::arange(0, head_dim, 2, at::TensorOptions().dtype(at::kLong)).to(at::kFloat) / head_dim;
  return at::pow(base, exponents);
}

// YaRN: interpolate (divide by factor) the low frequencies, keep the high ones, with a linear
// ramp between the dimensions that turn beta_slow and beta_fast times over max_positions.
at::Tensor yarn_inv_freq(int64_t dim, double base, const RopeScaling& s) {
  const at::Tensor powers = frequency_powers(dim, base);
  const at::Tensor extrapolation = 1.0 / powers, interpolation = 1.0 / (s.factor * powers);
  auto correction_dim = [&](double rotations) {
    return dim * std::log(s.max_positions / (rotations * 2 * M_PI)) / (2 * std::log(base));
  };
  const double low = std::max(std::floor(correction_dim(s.beta_fast)), 0.0);
  double high = std::min(std::ceil(correction_dim(s.beta_slow)), static_cast<double>(dim - 1));
  if (low == high) high += 0.001;  // as transformers: avoid a zero-width ramp
  const at::Tensor ramp =
      ((at::arange(dim / 2, at::TensorOptions().dtype(at::kFloat)) - low) / (high - low)).clamp(0, 1);
  const at::Tensor keep = 1 - ramp;
  return interpolation * (1 - keep) + extrapolation * keep;
}

// Llama 3.1: divide long wavelengths by factor, keep short ones, blend the middle band.
at::Tensor llama3_inv_freq(const at::Tensor& inv_freq, const RopeScaling& s) {
  const double old_context = static_cast<double>(s.original_max_positions);
  const double low_wavelength = old_context / s.low_freq_factor, high_wavelength = old_context / s.high_freq_factor;
  const at::Tensor wavelength = 2 * M_PI / inv_freq;
  at::Tensor scaled = at::where(wavelength > low_wavelength, inv_freq / s.factor, inv_freq);
  const at::Tensor smooth = (old_context / wavelength - s.low_freq_factor) / (s.high_freq_factor - s.low_freq_factor);
  const at::Tensor smoothed = (1 - smooth) * scaled / s.factor + smooth * scaled;
  const at::Tensor medium = (wavelength < high_wavelength).logical_not() & (wavelength > low_wavelength).logical_not();
  return at::where(medium, smoothed, scaled);
}

}  // namespace

Rope::Rope(int64_t head_dim, double theta, at::Device device, RopeScaling scaling)
    : head_dim_(head_dim), theta_(theta), scaling_(std::move(scaling)) {
  at::Tensor inv_freq = 1.0 / frequency_powers(head_dim, theta);
  if (scaling_.type == "linear") {
    inv_freq = inv_freq / scaling_.factor;
  } else if (scaling_.type == "yarn") {
    inv_freq = yarn_inv_freq(head_dim, theta, scaling_);
    attention_scaling_ =
        scaling_.attention_factor > 0 ? scaling_.attention_factor : 0.1 * std::log(scaling_.factor) + 1.0;
  } else if (scaling_.type == "llama3") {
    inv_freq = llama3_inv_freq(inv_freq, scaling_);
  }
  inv_freq_ = inv_freq.to(device);
}

at::Tensor Rope::dynamic_inv_freq(int64_t length) const {
  const double factor = scaling_.factor, limit = static_cast<double>(scaling_.max_positions);
  const double base = theta_ * std::pow(factor * length / limit - (factor - 1),
                                        static_cast<double>(head_dim_) / (head_dim_ - 2));
  return (1.0 / frequency_powers(head_dim_, base)).to(inv_freq_.device());
}

void Rope::set_mrope_section(const std::vector<int64_t>& section) {
  frequency_axis_.clear();
  for (size_t axis = 0; axis < section.size(); ++axis) frequency_axis_.insert(frequency_axis_.end(), section[axis], axis % 3);
  if (static_cast<int64_t>(frequency_axis_.size()) != head_dim_ / 2) {
    throw Error(ErrorCode::kInvalidFormat, "rope: mrope_section adds up to " + std::to_string(frequency_axis_.size()) +
                                               ", not head_dim / 2 = " + std::to_string(head_dim_ / 2));
  }
}

std::pair<at::Tensor, at::Tensor> Rope::cos_sin(const at::Tensor& positions, at::ScalarType dtype) const {
  at::Tensor inv_freq = inv_freq_;
  if (scaling_.type == "dynamic") {
    // transformers recomputes the frequencies for each pass that reaches past max_positions
    // (from a fresh model: the furthest position so far is this pass's last one).
    const int64_t length = positions.max().item<int64_t>() + 1;
    if (length > scaling_.max_positions) inv_freq = dynamic_inv_freq(length);
  }
  // [B, T, 1] x [1, 1, D/2] as transformers' matmul of inv_freq and positions in float32.
  at::Tensor freqs = positions.to(at::kFloat).unsqueeze(-1) * inv_freq.view({1, 1, -1});
  if (positions.dim() == 3) {
    // Multimodal positions [3, B, T] (M-RoPE): frequency f takes its angle from the axis its
    // section gives it (the same split in both halves of the head).
    if (static_cast<int64_t>(frequency_axis_.size()) != inv_freq.size(0)) {
      throw Error(ErrorCode::kInvalidArgument, "rope: 3-row positions need an mrope_section");
    }
    const at::Tensor axis = at::tensor(frequency_axis_, at::TensorOptions().dtype(at::kLong)).to(freqs.device());
    freqs = freqs.gather(0, axis.view({1, 1, 1, -1}).expand({1, freqs.size(1), freqs.size(2), -1})).squeeze(0);
  }
  const at::Tensor embedded = at::cat({freqs, freqs}, -1).unsqueeze(1);
  if (attention_scaling_ != 1.0) {
    return {(embedded.cos() * attention_scaling_).to(dtype), (embedded.sin() * attention_scaling_).to(dtype)};
  }
  return {embedded.cos().to(dtype), embedded.sin().to(dtype)};
}

at::Tensor Rope::apply(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin) {
  const int64_t half = x.size(-1) / 2;
  const at::Tensor rotated = at::cat({-x.narrow(-1, half, half), x.narrow(-1, 0, half)}, -1);
  return x * cos + rotated * sin;
}

}  // namespace almkit::nn
