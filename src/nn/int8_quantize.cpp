// Quantisation of weights to int8 blocks of 32 (Int8Weight, once at load, packed in the kernels'
// panel layout) and the way back to float. Activations (Int8Rows, every call) are quantised in
// int8_linear.cpp, beside the vector kernels that do it.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>

#include "almkit/error.h"
#include "nn/int8_linear.h"

namespace almkit::nn {
std::vector<float> dequantize_int8(const Int8Rows& q) {
  std::vector<float> out(static_cast<size_t>(q.rows * q.columns));
  const int64_t stride = q.blocks * kInt8Block;
  for (int64_t r = 0; r < q.rows; ++r) {
    for (int64_t i = 0; i < q.columns; ++i) {
      out[r * q.columns + i] = q.values[r * stride + i] * q.scales[r * q.blocks + i / kInt8Block];
    }
  }
  return out;
}

uint16_t scale_to_half(float value) {
  if (!(value >= 0.f) || value >= 65520.f) {
    throw Error(ErrorCode::kInternal, "int8 scale " + std::to_string(value) + " outside fp16's range");
  }
  if (value < 6.103515625e-05f) return static_cast<uint16_t>(std::nearbyint(value * 16777216.f));  // subnormal: 2^-24 steps
  uint32_t bits = 0;
  std::memcpy(&bits, &value, 4);
  const uint32_t mantissa = bits & 0x7fffffu, rest = mantissa & 0x1fffu;
  uint32_t half = (((bits >> 23) - 112) << 10) | (mantissa >> 13);
  if (rest > 0x1000u || (rest == 0x1000u && (half & 1u))) ++half;  // a carry moves into the exponent, as it should
  return static_cast<uint16_t>(half);
}

float half_to_float(uint16_t half) {
  const uint32_t exponent = (half >> 10) & 0x1fu, mantissa = half & 0x3ffu;
  float magnitude;
  if (exponent == 0) {
    magnitude = std::ldexp(static_cast<float>(mantissa), -24);
  } else {
    const uint32_t bits = exponent == 31 ? 0x7f800000u | (mantissa << 13) : ((exponent + 112) << 23) | (mantissa << 13);
    std::memcpy(&magnitude, &bits, 4);
  }
  return (half & 0x8000u) ? -magnitude : magnitude;
}

void Int8Weight::Free::operator()(uint8_t* p) const { std::free(p); }

Int8Weight::Int8Weight(int64_t rows, int64_t columns, float largest)
    : rows_(rows), columns_(columns), blocks_((columns + kInt8Block - 1) / kInt8Block),
      panels_((rows + kInt8Panel - 1) / kInt8Panel) {
  if (!std::isfinite(largest)) throw Error(ErrorCode::kInvalidArgument, "int8 quantisation of a weight holding inf or NaN");
  const size_t size = bytes();
  bytes_.reset(static_cast<uint8_t*>(std::aligned_alloc(64, std::max<size_t>(64, (size + 63) / 64 * 64))));
  if (!bytes_) throw Error(ErrorCode::kInternal, "cannot allocate " + std::to_string(size) + " bytes of int8 weights");
  // The unit: the largest block scale below 2^15 units (fp16 reaches 65504).
  int exponent = 0;
  std::frexp(largest / 127.f, &exponent);
  unit_ = largest > 0.f ? std::ldexp(1.f, exponent - 15) : 1.f;
}

Int8Weight::Int8Weight(const float* data, int64_t rows, int64_t columns, Int8Kernel kernel)
    : Int8Weight(rows, columns, largest_magnitude(data, rows * columns, kernel)) {
  fill(0, data, rows, kernel);
}

float Int8Weight::largest_magnitude(const float* data, int64_t count, Int8Kernel kernel) {
  // parts of >= 256 KB over the threads; max is exact and skips NaN in any order
  return at::parallel_reduce(
      int64_t{0}, count, int64_t{1} << 16, 0.f,
      [&](int64_t begin, int64_t end, float largest) {
        return std::max(largest, max_magnitude(data + begin, end - begin, kernel));
      },
      [](float a, float b) { return std::max(a, b); });
}

void Int8Weight::fill(int64_t first_row, const float* data, int64_t count, Int8Kernel kernel) {
  if (first_row % kInt8Panel != 0 || first_row + count > rows_ || (count % kInt8Panel != 0 && first_row + count != rows_)) {
    throw Error(ErrorCode::kInternal, "int8 weight rows filled in pieces that are not whole panels");
  }
  const float per_unit = 1.f / unit_;
  const int64_t end_row = first_row + count;
  at::parallel_for(first_row / kInt8Panel, (end_row + kInt8Panel - 1) / kInt8Panel, 1, [&](int64_t begin, int64_t end) {
    for (int64_t p = begin; p < end; ++p) {
      const int64_t rows = std::min(kInt8Panel, end_row - p * kInt8Panel);  // the rest stays zero
      const float* panel = data + (p * kInt8Panel - first_row) * columns_;
      for (int64_t b = 0; b < blocks_; ++b) {
        const int64_t start = b * kInt8Block;
        quantize_weight_block(panel + start, columns_, rows, std::min(kInt8Block, columns_ - start), per_unit, unit_,
                              const_cast<uint16_t*>(scales(p, b)), bytes_.get() + (p * blocks_ + b) * kValueBytes,
                              kernel);
      }
    }
  });
}

int8_t Int8Weight::value(int64_t r, int64_t c) const {
  const int64_t b = c / kInt8Block;
  return static_cast<int8_t>(values(r / kInt8Panel, b)[packed_index(r % kInt8Panel, c % kInt8Block)] - 128);
}

float Int8Weight::scale(int64_t r, int64_t block) const {
  return half_to_float(scales(r / kInt8Panel, block)[r % kInt8Panel]) * unit_;
}

Int8Weight quantize_int8_weight(const at::Tensor& weight, const std::function<void(size_t, size_t)>& done) {
  if (weight.dim() != 2 || !weight.device().is_cpu() || !at::isFloatingType(weight.scalar_type())) {
    throw Error(ErrorCode::kInvalidArgument, "int8 quantisation takes a 2-D float CPU weight, got " +
                                                 std::to_string(weight.dim()) + " dimensions of " +
                                                 std::string(c10::toString(weight.scalar_type())) + " on " +
                                                 weight.device().str());
  }
  // Chunks of ~2 MB of float32: converted one at a time (a bf16 weight is never widened whole),
  // and each reported done once read, twice over (a pass for the largest magnitude, one to
  // quantise), so a view of a mapped file can give its pages back as it goes.
  const int64_t rows = weight.size(0), columns = std::max<int64_t>(1, weight.size(1));
  const int64_t chunk = std::max<int64_t>(1, (2 << 20) / (columns * 4 * kInt8Panel)) * kInt8Panel;
  const size_t row_bytes = static_cast<size_t>(weight.size(1)) * weight.element_size();
  const auto pass = [&](const std::function<void(int64_t, const at::Tensor&)>& body) {
    for (int64_t r = 0; r < rows; r += chunk) {
      const int64_t count = std::min(chunk, rows - r);
      body(r, weight.narrow(0, r, count).to(at::kFloat).contiguous());
      if (done && weight.is_contiguous()) done(static_cast<size_t>(r) * row_bytes, static_cast<size_t>(count) * row_bytes);
    }
  };
  float largest = 0.f;
  pass([&](int64_t, const at::Tensor& part) {
    largest = std::max(largest, Int8Weight::largest_magnitude(part.data_ptr<float>(), part.numel()));
  });
  Int8Weight out(rows, weight.size(1), largest);
  pass([&](int64_t r, const at::Tensor& part) { out.fill(r, part.data_ptr<float>(), part.size(0)); });
  return out;
}

at::Tensor dequantize_rows(const Int8Weight& w, const at::Tensor& ids) {
  const at::Tensor flat = ids.to(at::kLong).contiguous().reshape({-1});
  at::Tensor out = at::empty({flat.numel(), w.columns()});
  const int64_t* id = flat.data_ptr<int64_t>();
  float* y = out.data_ptr<float>();
  for (int64_t i = 0; i < flat.numel(); ++i) {
    if (id[i] < 0 || id[i] >= w.rows()) {
      throw Error(ErrorCode::kInvalidArgument, "token id " + std::to_string(id[i]) + " outside the " +
                                                   std::to_string(w.rows()) + "-row int8 embedding");
    }
    for (int64_t b = 0; b < w.blocks(); ++b) {
      const float scale = w.scale(id[i], b);
      const int64_t end = std::min(w.columns(), (b + 1) * kInt8Block);
      for (int64_t c = b * kInt8Block; c < end; ++c) y[i * w.columns() + c] = w.value(id[i], c) * scale;
    }
  }
  std::vector<int64_t> shape = ids.sizes().vec();
  shape.push_back(w.columns());
  return out.view(shape);
}

at::Tensor dequantize(const Int8Weight& w) { return dequantize_rows(w, at::arange(w.rows(), at::kLong)); }

}  // namespace almkit::nn
