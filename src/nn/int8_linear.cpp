#include "nn/int8_linear.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>

#include "almkit/error.h"
#include "core/simd_cap.h"
#include "core/spin_pool.h"

namespace almkit::nn {
namespace {

void matmul_scalar(const Int8Rows& x, const Int8Rows& w, int64_t j_begin, int64_t j_end, float* y) {
  const int64_t blocks = w.blocks, stride = blocks * kInt8Block;
  for (int64_t r = 0; r < x.rows; ++r) {
    for (int64_t j = j_begin; j < j_end; ++j) {
      float sum = 0.f;
      for (int64_t b = 0; b < blocks; ++b) {
        const int8_t* xv = x.values.data() + r * stride + b * kInt8Block;
        const int8_t* wv = w.values.data() + j * stride + b * kInt8Block;
        int32_t products = 0;
        for (int64_t i = 0; i < kInt8Block; ++i) products += int32_t{xv[i]} * int32_t{wv[i]};
        sum += static_cast<float>(products) * (w.scales[j * blocks + b] * x.scales[r * blocks + b]);
      }
      y[r * w.rows + j] = sum;
    }
  }
}

}  // namespace

// The vector kernels, one copy per instruction set (the library is built without -march).
// (clang, which builds the fuzz and sanitizer trees, spells the region its own way)
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#endif
namespace int8_avx2 {
#define ALMKIT_INT8_VNNI 0
#include "nn/int8_kernels.inc"
#undef ALMKIT_INT8_VNNI
}  // namespace int8_avx2
#if defined(__clang__)
#pragma clang attribute pop
#pragma clang attribute push(__attribute__((target("avx2,fma,avx512f,avx512vl,avx512vnni"))), apply_to = function)
#else
#pragma GCC pop_options
#pragma GCC push_options
#pragma GCC target("avx2,fma,avx512f,avx512vl,avx512vnni")
#endif
namespace int8_vnni {
#define ALMKIT_INT8_VNNI 1
#include "nn/int8_kernels.inc"
#undef ALMKIT_INT8_VNNI
}  // namespace int8_vnni
#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

namespace {

// ALMKIT_SIMD=baseline or =avx2 caps the choice (as for the front end's kernels), so the other
// paths can be measured on a CPU that has more.
Int8Kernel best_kernel() {
  static const Int8Kernel best = [] {
    if (simd_cap() == SimdCap::kBaseline) return Int8Kernel::kScalar;
    if (simd_cap() != SimdCap::kAvx2 && cpu_runs(Int8Kernel::kAvx512Vnni)) return Int8Kernel::kAvx512Vnni;
    return cpu_runs(Int8Kernel::kAvx2) ? Int8Kernel::kAvx2 : Int8Kernel::kScalar;
  }();
  return best;
}

void quantize_row(const float* data, int64_t columns, int8_t* values, float* scales) {
  for (int64_t start = 0, b = 0; start < columns; start += kInt8Block, ++b) {
    const int64_t count = std::min(kInt8Block, columns - start);
    float largest = 0.f;
    for (int64_t i = 0; i < count; ++i) largest = std::max(largest, std::fabs(data[start + i]));
    const float scale = largest / 127.f;
    const float inverse = scale > 0.f ? 1.f / scale : 0.f;
    for (int64_t i = 0; i < count; ++i) {
      values[start + i] = static_cast<int8_t>(std::clamp(std::nearbyint(data[start + i] * inverse), -127.f, 127.f));
    }
    std::fill(values + start + count, values + start + kInt8Block, int8_t{0});
    scales[b] = scale;
  }
}

}  // namespace

void quantize_int8(const float* data, int64_t rows, int64_t columns, Int8Rows& out) {
  out.rows = rows;
  out.columns = columns;
  out.blocks = (columns + kInt8Block - 1) / kInt8Block;
  out.values.resize(static_cast<size_t>(rows * out.blocks * kInt8Block));
  out.scales.resize(static_cast<size_t>(rows * out.blocks));
  const int64_t stride = out.blocks * kInt8Block;
  for (int64_t r = 0; r < rows; ++r) {
    quantize_row(data + r * columns, columns, out.values.data() + r * stride, out.scales.data() + r * out.blocks);
  }
}

Int8Rows quantize_int8(const float* data, int64_t rows, int64_t columns) {
  Int8Rows out;
  quantize_int8(data, rows, columns, out);
  return out;
}

Int8Rows quantize_int8(const at::Tensor& weight) {
  if (weight.dim() != 2 || !weight.device().is_cpu()) {
    throw Error(ErrorCode::kInvalidArgument, "int8 quantisation takes a 2-D CPU weight, got " +
                                                 std::to_string(weight.dim()) + " dimensions on " +
                                                 weight.device().str());
  }
  const at::Tensor w = weight.to(at::kFloat).contiguous();
  return quantize_int8(w.data_ptr<float>(), w.size(0), w.size(1));
}

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

bool cpu_runs(Int8Kernel kernel) {
  static const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  static const bool vnni = avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
                           __builtin_cpu_supports("avx512vnni");
  switch (kernel) {
    case Int8Kernel::kAvx2: return avx2;
    case Int8Kernel::kAvx512Vnni: return vnni;
    default: return true;
  }
}

const char* kernel_name(Int8Kernel kernel) {
  switch (kernel) {
    case Int8Kernel::kScalar: return "scalar";
    case Int8Kernel::kAvx2: return "avx2";
    case Int8Kernel::kAvx512Vnni: return "avx512-vnni";
    default: return kernel_name(best_kernel());
  }
}

void int8_matmul(const Int8Rows& x, const Int8Rows& w, float* y, const float* bias, Int8Kernel kernel) {
  if (!cpu_runs(kernel)) {
    throw Error(ErrorCode::kUnsupported, std::string("this CPU does not run the ") + kernel_name(kernel) +
                                             " int8 kernel");
  }
  if (x.columns != w.columns) {
    throw Error(ErrorCode::kShapeMismatch, "int8 product of " + std::to_string(x.columns) + " input columns with a " +
                                               std::to_string(w.columns) + "-column weight");
  }
  if (kernel == Int8Kernel::kBest) kernel = best_kernel();
  const int64_t n = w.rows;
  // Split the output features across the compute threads, ~64 KB of weights per claimed chunk.
  const int parts = at::in_parallel_region() || n < 64 ? 1 : at::get_num_threads();
  const int64_t bytes_per_part = n * w.blocks * kInt8Block / std::max(1, parts);
  const int chunks_per_part = static_cast<int>(std::clamp<int64_t>(bytes_per_part / (64 << 10), 4, 64));
  spin_parallel_for(n, parts, 16, [&](int64_t begin, int64_t end) {
    switch (kernel) {
      case Int8Kernel::kAvx512Vnni: int8_vnni::matmul_range(x, w, begin, end, y); break;
      case Int8Kernel::kAvx2: int8_avx2::matmul_range(x, w, begin, end, y); break;
      default: matmul_scalar(x, w, begin, end, y); break;
    }
    if (bias) {
      for (int64_t r = 0; r < x.rows; ++r) {
        for (int64_t j = begin; j < end; ++j) y[r * n + j] += bias[j];
      }
    }
  }, chunks_per_part);
}

at::Tensor int8_linear(const at::Tensor& x, const Int8Rows& weight, const at::Tensor& bias) {
  if (x.requires_grad() && at::GradMode::is_enabled()) {
    throw Error(ErrorCode::kUnsupported, "int8 weights have no gradient path: load the model as float32 to take "
                                         "input gradients");
  }
  const int64_t k = weight.columns, n = weight.rows;
  if (x.size(-1) != k || !x.device().is_cpu()) {
    throw Error(ErrorCode::kShapeMismatch, "int8 linear of a [" + std::to_string(n) + ", " + std::to_string(k) +
                                               "] weight given an input with " + std::to_string(x.size(-1)) +
                                               " features on " + x.device().str());
  }
  const at::Tensor flat = x.reshape({-1, k}).to(at::kFloat).contiguous();
  const int64_t rows = flat.size(0);
  thread_local Int8Rows activations;  // buffers kept across calls
  quantize_int8(flat.data_ptr<float>(), rows, k, activations);
  at::Tensor y = at::empty({rows, n}, flat.options());
  const at::Tensor b = bias.defined() ? bias.to(at::kFloat).contiguous() : bias;
  int8_matmul(activations, weight, y.data_ptr<float>(), b.defined() ? b.data_ptr<float>() : nullptr);
  std::vector<int64_t> out_shape = x.sizes().vec();
  out_shape.back() = n;
  return y.view(out_shape);
}

}  // namespace almkit::nn
