#include "models/codecs/fsq.h"

#include <cmath>

#include "almkit/error.h"

namespace almkit {

FiniteScalarQuantizer::FiniteScalarQuantizer(std::vector<int> levels, float eps)
    : levels_(std::move(levels)), eps_(eps) {
  if (levels_.empty()) throw Error(ErrorCode::kInvalidArgument, "FSQ needs at least one dimension");
  for (size_t d = 0; d < levels_.size(); ++d) {
    if (levels_[d] < 2) {
      throw Error(ErrorCode::kInvalidArgument, "FSQ level " + std::to_string(levels_[d]) + " of dimension " +
                                                   std::to_string(d) + " must be >= 2");
    }
    basis_.push_back(codebook_size_);
    if (codebook_size_ > (int64_t{1} << 62) / levels_[d]) {
      throw Error(ErrorCode::kInvalidArgument, "FSQ codebook (product of levels) does not fit in int64");
    }
    codebook_size_ *= levels_[d];
  }
  if (!(eps_ >= 0.f && eps_ < 1.f)) throw Error(ErrorCode::kInvalidArgument, "FSQ eps must be in [0, 1)");
}

std::vector<float> FiniteScalarQuantizer::bound(const float* z) const {
  std::vector<float> out(levels_.size());
  for (size_t d = 0; d < levels_.size(); ++d) {
    const float half_l = (levels_[d] - 1) * (1.f + eps_) / 2.f;
    const float offset = levels_[d] % 2 == 0 ? 0.5f : 0.f;
    const float shift = std::atanh(offset / half_l);
    out[d] = std::tanh(z[d] + shift) * half_l - offset;
  }
  return out;
}

std::vector<float> FiniteScalarQuantizer::quantize(const float* z) const {
  std::vector<float> out = bound(z);
  for (size_t d = 0; d < levels_.size(); ++d) {
    const float bounded = out[d];
    // Straight-through form: the value of round(), the gradient of the identity. r - x is exact
    // here (Sterbenz), so the sum is exactly the rounded value.
    const float rounded = bounded + (std::nearbyint(bounded) - bounded);
    out[d] = rounded / static_cast<float>(levels_[d] / 2);
  }
  return out;
}

int64_t FiniteScalarQuantizer::codes_to_index(const float* codes) const {
  int64_t index = 0;
  for (size_t d = 0; d < levels_.size(); ++d) {
    const int half_width = levels_[d] / 2;
    const float scaled = codes[d] * half_width + half_width;
    const float digit = std::nearbyint(scaled);
    if (!(std::fabs(scaled - digit) <= 1e-4f) || digit < 0 || digit >= levels_[d]) {
      throw Error(ErrorCode::kInvalidArgument, "FSQ: value " + std::to_string(codes[d]) + " of dimension " +
                                                   std::to_string(d) + " is not one of its " +
                                                   std::to_string(levels_[d]) + " levels");
    }
    index += static_cast<int64_t>(digit) * basis_[d];
  }
  return index;
}

std::vector<float> FiniteScalarQuantizer::index_to_codes(int64_t index) const {
  if (index < 0 || index >= codebook_size_) {
    throw Error(ErrorCode::kInvalidArgument, "FSQ: index " + std::to_string(index) + " is outside [0, " +
                                                 std::to_string(codebook_size_) + ")");
  }
  std::vector<float> out(levels_.size());
  for (size_t d = 0; d < levels_.size(); ++d) {
    const int half_width = levels_[d] / 2;
    const int64_t digit = (index / basis_[d]) % levels_[d];
    out[d] = static_cast<float>(digit - half_width) / static_cast<float>(half_width);
  }
  return out;
}

}  // namespace almkit
