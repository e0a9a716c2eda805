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
#include "core/cpu_features.h"
#include "core/simd_target.h"
#include "nn/matvec_dispatch.h"

namespace almkit::nn {
namespace {

// One row of activations into blocks of 32 (the reference the vector quantisers match bit for bit).
void quantize_row_scalar(const float* data, int64_t columns, int8_t* values, float* scales, int32_t* offsets) {
  for (int64_t start = 0, b = 0; start < columns; start += kInt8Block, ++b) {
    const int64_t count = std::min(kInt8Block, columns - start);
    float largest = 0.f;
    for (int64_t i = 0; i < count; ++i) largest = std::max(largest, std::fabs(data[start + i]));
    const float scale = largest / 127.f;
    const float inverse = scale > 0.f ? 1.f / scale : 0.f;
    int32_t sum = 0;
    for (int64_t i = 0; i < count; ++i) {
      values[start + i] = round_to_int8(data[start + i] * inverse);
      sum += values[start + i];
    }
    std::fill(values + start + count, values + start + kInt8Block, int8_t{0});
    scales[b] = scale;
    offsets[b] = -128 * sum;
  }
}

// Weights at load, plain C++ (the references of the vector kernels in int8_kernels.inc). NaN:
// std::max keeps `largest`; the product's NaN would be cast to int8 (undefined), so it is 0.
float max_magnitude_scalar(const float* x, int64_t count) {
  float largest = 0.f;
  for (int64_t i = 0; i < count; ++i) largest = std::max(largest, std::fabs(x[i]));
  return largest;
}

void quantize_weight_block_scalar(const float* x, int64_t stride, int64_t rows, int64_t columns, float per_unit,
                                  float unit, uint16_t* scales, uint8_t* values) {
  std::memset(values, 128, Int8Weight::kValueBytes);
  for (int64_t i = 0; i < kInt8Panel; ++i) {
    scales[i] = 0;
    if (i >= rows) continue;
    const float* row = x + i * stride;
    // rounded to fp16 first, and the values computed against the rounded scale
    scales[i] = scale_to_half(max_magnitude_scalar(row, columns) / 127.f * per_unit);
    const float scale = half_to_float(scales[i]) * unit;
    const float inverse = scale > 0.f ? 1.f / scale : 0.f;
    for (int64_t c = 0; c < columns; ++c) {
      const float v = row[c] * inverse;
      values[Int8Weight::packed_index(i, c)] = v == v ? static_cast<uint8_t>(round_to_int8(v) + 128) : uint8_t{128};
    }
  }
}

// Plain C++ on the packed layout: the reference the vector kernels are tested against.
void matmul_scalar(const Int8Rows& x, const Int8Weight& w, int64_t p_begin, int64_t p_end, float* y,
                   const float* bias) {
  const int64_t blocks = w.blocks(), stride = blocks * kInt8Block, n = w.rows();
  for (int64_t r = 0; r < x.rows; ++r) {
    for (int64_t j = p_begin * kInt8Panel; j < std::min(n, p_end * kInt8Panel); ++j) {
      float sum = 0.f;
      for (int64_t b = 0; b < blocks; ++b) {
        const int8_t* xv = x.values.data() + r * stride + b * kInt8Block;
        const uint8_t* wv = w.values(j / kInt8Panel, b) + (j % kInt8Panel) * 4;
        int32_t products = 0;
        for (int64_t c = 0; c < kInt8Block; ++c) {
          products += int32_t{xv[c]} * (int32_t{wv[(c / 4) * kInt8Panel * 4 + c % 4]} - 128);
        }
        sum += static_cast<float>(products) * (w.scale(j, b) * x.scales[r * blocks + b]);
      }
      y[r * n + j] = sum + (bias ? bias[j] : 0.f);
    }
  }
}

}  // namespace

// The vector kernels, one copy per instruction set (the library is built without -march).
ALMKIT_TARGET_BEGIN("avx2,fma,f16c")
namespace int8_avx2 {
#define ALMKIT_INT8_VNNI 0
#include "nn/int8_kernels.inc"
#undef ALMKIT_INT8_VNNI
}  // namespace int8_avx2
ALMKIT_TARGET_END()
ALMKIT_TARGET_BEGIN("avx2,fma,f16c,avx512f,avx512vl,avx512bw,avx512vnni")
namespace int8_vnni {
#define ALMKIT_INT8_VNNI 1
#include "nn/int8_kernels.inc"
#undef ALMKIT_INT8_VNNI
}  // namespace int8_vnni
ALMKIT_TARGET_END()

namespace {

bool runs(Int8Kernel kernel, const CpuFeatures& has) {
  const bool avx2 = has.avx2_fma && has.f16c;
  switch (kernel) {
    case Int8Kernel::kAvx2:
      return avx2;
    case Int8Kernel::kAvx512Vnni:
      return avx2 && has.avx512_vnni;
    default:
      return true;
  }
}

// ALMKIT_SIMD=baseline or =avx2 caps the choice (as for the front end's kernels), so the other
// paths can be measured on a CPU that has more; a kernel a test names runs if the CPU has it.
Int8Kernel best_kernel() {
  static const Int8Kernel best = runs(Int8Kernel::kAvx512Vnni, cpu_features())
                                     ? Int8Kernel::kAvx512Vnni
                                 : runs(Int8Kernel::kAvx2, cpu_features()) ? Int8Kernel::kAvx2
                                                                           : Int8Kernel::kScalar;
  return best;
}

}  // namespace

void quantize_int8(const float* data, int64_t rows, int64_t columns, Int8Rows& out, Int8Kernel kernel) {
  if (!cpu_runs(kernel)) {
    throw Error(ErrorCode::kUnsupported, std::string("this CPU does not run the ") + kernel_name(kernel) +
                                             " int8 kernel");
  }
  if (kernel == Int8Kernel::kBest) kernel = best_kernel();
  out.rows = rows;
  out.columns = columns;
  out.blocks = (columns + kInt8Block - 1) / kInt8Block;
  out.values.resize(static_cast<size_t>(rows * out.blocks * kInt8Block));
  out.scales.resize(static_cast<size_t>(rows * out.blocks));
  out.offsets.resize(static_cast<size_t>(rows * out.blocks));
  const int64_t stride = out.blocks * kInt8Block;
  // a prompt's rows over the compute threads (one row, decoding, stays inline)
  at::parallel_for(0, rows, 32, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const float* x = data + r * columns;
      int8_t* values = out.values.data() + r * stride;
      float* scales = out.scales.data() + r * out.blocks;
      int32_t* offsets = out.offsets.data() + r * out.blocks;
      switch (kernel) {
        case Int8Kernel::kAvx512Vnni: int8_vnni::quantize_row(x, columns, values, scales, offsets); break;
        case Int8Kernel::kAvx2: int8_avx2::quantize_row(x, columns, values, scales, offsets); break;
        default: quantize_row_scalar(x, columns, values, scales, offsets); break;
      }
    }
  });
}

float max_magnitude(const float* x, int64_t count, Int8Kernel kernel) {
  switch (kernel == Int8Kernel::kBest ? best_kernel() : kernel) {
    case Int8Kernel::kAvx512Vnni: return int8_vnni::max_magnitude(x, count);
    case Int8Kernel::kAvx2: return int8_avx2::max_magnitude(x, count);
    default: return max_magnitude_scalar(x, count);
  }
}

void quantize_weight_block(const float* x, int64_t stride, int64_t rows, int64_t columns, float per_unit, float unit,
                           uint16_t* scales, uint8_t* values, Int8Kernel kernel) {
  if (kernel == Int8Kernel::kBest) kernel = best_kernel();
  // the vector kernels take full blocks whose scales fit fp16; a short last block, or a scale
  // out of range (which the C++ path reports), goes to C++
  const bool full = columns == kInt8Block;
  if (full && kernel == Int8Kernel::kAvx512Vnni &&
      int8_vnni::quantize_weight_block(x, stride, rows, per_unit, unit, scales, values)) {
    return;
  }
  if (full && kernel == Int8Kernel::kAvx2 &&
      int8_avx2::quantize_weight_block(x, stride, rows, per_unit, unit, scales, values)) {
    return;
  }
  quantize_weight_block_scalar(x, stride, rows, columns, per_unit, unit, scales, values);
}

void quantize_int8(const float* data, int64_t rows, int64_t columns, Int8Rows& out) {
  quantize_int8(data, rows, columns, out, Int8Kernel::kBest);
}

Int8Rows quantize_int8(const float* data, int64_t rows, int64_t columns) {
  Int8Rows out;
  quantize_int8(data, rows, columns, out);
  return out;
}

bool cpu_runs(Int8Kernel kernel) {
  return runs(kernel, cpu_features_uncapped());
}

const char* kernel_name(Int8Kernel kernel) {
  switch (kernel) {
    case Int8Kernel::kScalar: return "scalar";
    case Int8Kernel::kAvx2: return "avx2";
    case Int8Kernel::kAvx512Vnni: return "avx512-vnni";
    default: return kernel_name(best_kernel());
  }
}

namespace {

// int8 weights are split in pairs of panels (the kernels' tiles), ~64 KB of weights per chunk.
constexpr MatvecSplit kPanelChunks{2, 64 << 10, 4};

MatvecShare int8_matmul_share(const Int8Rows& x, const Int8Weight& w, float* y, const float* bias,
                              Int8Kernel kernel) {
  if (!cpu_runs(kernel)) {
    throw Error(ErrorCode::kUnsupported, std::string("this CPU does not run the ") + kernel_name(kernel) +
                                             " int8 kernel");
  }
  if (x.columns != w.columns()) {
    throw Error(ErrorCode::kShapeMismatch, "int8 product of " + std::to_string(x.columns) + " input columns with a " +
                                               std::to_string(w.columns()) + "-column weight");
  }
  if (kernel == Int8Kernel::kBest) kernel = best_kernel();
  const int64_t panels = w.panels();
  return {panels, panels > 0 ? static_cast<int64_t>(w.bytes()) / panels : 0,
          [&x, &w, y, bias, kernel](int64_t begin, int64_t end) {
            switch (kernel) {
              case Int8Kernel::kAvx512Vnni: int8_vnni::matmul_panels(x, w, begin, end, y, bias); break;
              case Int8Kernel::kAvx2: int8_avx2::matmul_panels(x, w, begin, end, y, bias); break;
              default: matmul_scalar(x, w, begin, end, y, bias); break;
            }
          }};
}

// The products of x with each weight, x quantised once, in one dispatch over all their panels.
std::vector<at::Tensor> int8_products(const at::Tensor& x, const std::vector<Int8LinearWeights>& products) {
  if (x.requires_grad() && at::GradMode::is_enabled()) {
    throw Error(ErrorCode::kUnsupported, "int8 weights (--dtype int8) have no gradient path: load the model as "
                                         "float32 to take input gradients");
  }
  for (const auto& [weight, bias] : products) {
    if (x.size(-1) != weight.columns() || !x.device().is_cpu()) {
      throw Error(ErrorCode::kShapeMismatch, "int8 linear of a [" + std::to_string(weight.rows()) + ", " +
                                                 std::to_string(weight.columns()) + "] weight given an input with " +
                                                 std::to_string(x.size(-1)) + " features on " + x.device().str());
    }
  }
  const int64_t k = x.size(-1);
  const at::Tensor flat = x.reshape({-1, k}).to(at::kFloat).contiguous();
  const int64_t rows = flat.size(0);
  thread_local Int8Rows activations;  // buffers kept across calls
  quantize_int8(flat.data_ptr<float>(), rows, k, activations);
  std::vector<at::Tensor> outputs, biases;
  std::vector<MatvecShare> shares;
  std::vector<int64_t> out_shape = x.sizes().vec();
  for (const auto& [weight, bias] : products) {
    out_shape.back() = weight.rows();
    outputs.push_back(at::empty(out_shape, flat.options()));
    biases.push_back(bias.defined() ? bias.to(at::kFloat).contiguous() : bias);
    shares.push_back(int8_matmul_share(activations, weight, outputs.back().data_ptr<float>(),
                                       biases.back().defined() ? biases.back().data_ptr<float>() : nullptr,
                                       Int8Kernel::kBest));
  }
  run_matvecs(shares, kPanelChunks);
  return outputs;
}

}  // namespace

void int8_matmul(const Int8Rows& x, const Int8Weight& w, float* y, const float* bias, Int8Kernel kernel) {
  run_matvecs({int8_matmul_share(x, w, y, bias, kernel)}, kPanelChunks);
}

at::Tensor int8_linear(const at::Tensor& x, const Int8Weight& weight, const at::Tensor& bias) {
  return int8_products(x, {{weight, bias}})[0];
}

std::vector<at::Tensor> int8_linear_same_input(const at::Tensor& x, const std::vector<Int8LinearWeights>& products) {
  // a decode step's rows (prompts keep one dispatch per weight, as tuned)
  if (x.dim() >= 1 && x.size(-1) > 0 && x.numel() / x.size(-1) <= 16) return int8_products(x, products);
  std::vector<at::Tensor> outputs;
  for (const auto& [weight, bias] : products) outputs.push_back(int8_linear(x, weight, bias));
  return outputs;
}

}  // namespace almkit::nn
