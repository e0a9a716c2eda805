// int8 weights (`--dtype int8`): a Linear's weight quantised once at load to symmetric int8 in
// blocks of 32 along the input dimension, one float32 scale per block (llama.cpp's q8_0 layout,
// with fp32 scales). Blocks rather than one scale per output channel because a few large weights
// then widen only their own block's step, and because it is the format of the llama.cpp peer.
// Activations are quantised the same way (per row, blocks of 32) on every call and the products
// run on int8 pairs, summed in int32 per block and scaled back to float32 per block: AVX512-VNNI
// `vpdpbusd`, AVX2 `vpmaddubsw`, or plain C++, chosen at run time. One kernel serves one row
// (decoding) and many (prefill, encoders): rows go through in groups that share each weight load.
#pragma once

#include <ATen/Tensor.h>

#include <cstdint>
#include <vector>

namespace almkit::nn {

constexpr int64_t kInt8Block = 32;

// Rows of int8 blocks: row r's values start at r * blocks * kInt8Block (a short last block is
// padded with zeros), its scales at r * blocks. value * scale is the quantised number.
struct Int8Rows {
  int64_t rows = 0, columns = 0, blocks = 0;
  std::vector<int8_t> values;
  std::vector<float> scales;
};

// Symmetric quantisation of data [rows, columns] (row-major): each block of 32 gets scale
// max|block| / 127 and values round(x / scale) in [-127, 127], so |x - value * scale| <= scale / 2.
Int8Rows quantize_int8(const float* data, int64_t rows, int64_t columns);
// The same into `out`, reusing its buffers (activations, every call).
void quantize_int8(const float* data, int64_t rows, int64_t columns, Int8Rows& out);
// A float32 weight [out, in] (any layout) quantised; for loading.
Int8Rows quantize_int8(const at::Tensor& weight);
// value * scale for every entry, [rows, columns] row-major (tests, accuracy reports).
std::vector<float> dequantize_int8(const Int8Rows& q);

// The kernels behind int8_linear. kBest is the fastest this CPU runs; tests name each one.
enum class Int8Kernel { kBest, kScalar, kAvx2, kAvx512Vnni };
bool cpu_runs(Int8Kernel kernel);
const char* kernel_name(Int8Kernel kernel);

// y [x.rows, w.rows] float32 = dequantised x times dequantised w transposed, plus bias [w.rows]
// when not null; x and w with the same columns. Splits w's rows over the compute threads. A
// kernel this CPU does not run throws kUnsupported.
void int8_matmul(const Int8Rows& x, const Int8Rows& w, float* y, const float* bias = nullptr,
                 Int8Kernel kernel = Int8Kernel::kBest);

// y = x W^T + b with W quantised (x [..., in], any float dtype, on the CPU; y float32). The
// activations are quantised per call (the error that adds is about that of the weights').
// Refuses an x that autograd tracks: there is no gradient through the integer products.
at::Tensor int8_linear(const at::Tensor& x, const Int8Rows& weight, const at::Tensor& bias = at::Tensor());

}  // namespace almkit::nn
