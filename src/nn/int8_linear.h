// int8 weights (`--dtype int8`): a Linear's weight quantised once at load to symmetric int8 in
// blocks of 32 along the input dimension, one scale per block (llama.cpp's q8_0: 34 bytes per 32
// weights). Blocks rather than one scale per output channel because a few large weights then
// widen only their own block's step, and because it is the format of the llama.cpp peer.
// Activations are quantised the same way (per row, blocks of 32, fp32 scales) on every call; the
// products run on int8 pairs summed in int32 per block and scaled back to float32 per block:
// AVX512-VNNI `vpdpbusd`, AVX2 `vpmaddubsw`, or plain C++, chosen at run time. The float weight
// is not kept: the packed int8 form is the only copy (dequantise_rows reads it back).
#pragma once

#include <ATen/Tensor.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

namespace almkit::nn {

constexpr int64_t kInt8Block = 32;
// Output rows interleaved in one panel: one 512-bit register of int32 sums, one per row.
constexpr int64_t kInt8Panel = 16;

// Rows of int8 blocks (activations): row r's values start at r * blocks * kInt8Block (a short
// last block is padded with zeros), its scales at r * blocks. value * scale is the quantised
// number. offsets[r * blocks + b] = -128 * (sum of the block's values), which cancels the +128
// the packed weights carry (Int8Weight).
struct Int8Rows {
  int64_t rows = 0, columns = 0, blocks = 0;
  std::vector<int8_t> values;
  std::vector<float> scales;
  std::vector<int32_t> offsets;
};

// The kernels behind int8_linear and the quantisers. kBest is the fastest this CPU runs; tests
// name each one.
enum class Int8Kernel { kBest, kScalar, kAvx2, kAvx512Vnni };
bool cpu_runs(Int8Kernel kernel);
const char* kernel_name(Int8Kernel kernel);

// x rounded to the nearest integer (ties to even, as nearbyint and vcvtps2dq do), clamped to
// [-127, 127]; for |x| < 2^22, which quantised values are. Adding and removing 1.5 * 2^23 makes the
// FPU round, without nearbyint's library call per value (the library is built without SSE4.1).
inline int8_t round_to_int8(float x) {
  const float rounded = (x + 12582912.f) - 12582912.f;
  return static_cast<int8_t>(rounded < -127.f ? -127.f : rounded > 127.f ? 127.f : rounded);
}

// Symmetric quantisation of data [rows, columns] (row-major): each block of 32 gets scale
// max|block| / 127 and values round(x / scale) in [-127, 127], so |x - value * scale| <= scale / 2.
Int8Rows quantize_int8(const float* data, int64_t rows, int64_t columns);
// The same into `out`, reusing its buffers (activations, every call); every kernel gives the same
// bytes (tests name each one).
void quantize_int8(const float* data, int64_t rows, int64_t columns, Int8Rows& out, Int8Kernel kernel);
void quantize_int8(const float* data, int64_t rows, int64_t columns, Int8Rows& out);
// value * scale for every entry, [rows, columns] row-major (tests, accuracy reports).
std::vector<float> dequantize_int8(const Int8Rows& q);

// A weight [rows, columns] quantised and laid out for the kernels. Rows go in panels of 16; a
// panel holds, block after block, 8 groups of 64 bytes (4 consecutive columns of each of its 16
// rows, `vpdpbusd`'s operand) as unsigned bytes value + 128 (so the signed operand is the
// activation). The scales follow all the values (a second stream, keeping the values 64-byte
// aligned): per panel and block 16 fp16 in units of `unit` (a power of two chosen per tensor so
// the largest scale sits near fp16's top: scales down to 2^-29 of it stay normal).
// Each block's scale is rounded to fp16 first and the values computed against the rounded one, so
// |w - value * scale| <= scale / 2 holds for the stored numbers. Rows and columns past the
// weight's are zero.
class Int8Weight {
 public:
  Int8Weight() = default;
  // data [rows, columns] row-major float32; splits the rows over the compute threads. Every
  // kernel gives the same bytes (the vector ones as the C++ one; tests name each).
  Int8Weight(const float* data, int64_t rows, int64_t columns, Int8Kernel kernel = Int8Kernel::kBest);
  // Filled in pieces: `largest` is max |w| over the whole weight (it sets the unit), then fill()
  // quantises rows [first_row, first_row + count) from data [count, columns], whole panels.
  Int8Weight(int64_t rows, int64_t columns, float largest);
  void fill(int64_t first_row, const float* data, int64_t count, Int8Kernel kernel = Int8Kernel::kBest);
  // max |x| over data[0, count), NaNs skipped (as std::max(largest, fabs(x)) skips them); over the
  // compute threads when count is large.
  static float largest_magnitude(const float* data, int64_t count, Int8Kernel kernel = Int8Kernel::kBest);
  int64_t rows() const { return rows_; }
  int64_t columns() const { return columns_; }
  int64_t blocks() const { return blocks_; }
  int64_t panels() const { return panels_; }
  float unit() const { return unit_; }
  // The 512 value bytes of panel p's block b, and its 16 fp16 scales.
  const uint8_t* values(int64_t p, int64_t b) const { return bytes_.get() + (p * blocks_ + b) * kValueBytes; }
  const uint16_t* scales(int64_t p, int64_t b) const {
    return reinterpret_cast<const uint16_t*>(bytes_.get() + panels_ * blocks_ * kValueBytes) + (p * blocks_ + b) * kInt8Panel;
  }
  // Where row `row_in_panel`'s value of column `column_in_block` sits in its panel's block: 4-byte
  // group column / 4 of every row, one after the other.
  static int64_t packed_index(int64_t row_in_panel, int64_t column_in_block) {
    return (column_in_block / 4) * (kInt8Panel * 4) + row_in_panel * 4 + column_in_block % 4;
  }
  // Row r's value and scale at column c (tests, dequantisation).
  int8_t value(int64_t r, int64_t c) const;
  float scale(int64_t r, int64_t block) const;
  size_t bytes() const { return static_cast<size_t>(panels_ * blocks_ * (kValueBytes + 2 * kInt8Panel)); }

  static constexpr int64_t kValueBytes = kInt8Panel * kInt8Block;  // 512 per panel and block

 private:
  struct Free {
    void operator()(uint8_t* p) const;
  };
  int64_t rows_ = 0, columns_ = 0, blocks_ = 0, panels_ = 0;
  float unit_ = 1.f;
  std::unique_ptr<uint8_t[], Free> bytes_;
};

// A float weight [out, in] (any float dtype, any layout, on the CPU) quantised; for loading. It
// is read in chunks of rows (converted to float32 one chunk at a time); for a contiguous weight
// done(byte offset, bytes) reports each chunk read, so a caller can release the pages.
Int8Weight quantize_int8_weight(const at::Tensor& weight, const std::function<void(size_t, size_t)>& done = nullptr);
// Rows `ids` of w dequantised (value * scale), [ids..., columns] float32: a tied embedding read
// back from the int8 LM head. Ids outside [0, rows) throw kInvalidArgument.
at::Tensor dequantize_rows(const Int8Weight& w, const at::Tensor& ids);
// Every row dequantised, [rows, columns] float32 (tests, accuracy reports).
at::Tensor dequantize(const Int8Weight& w);

// The per-weight work of Int8Weight (int8_kernels.inc), the same bytes from every kernel: max |x|
// over x[0, count) with NaNs skipped; and one panel's block: rows [0, rows) of x (row stride
// `stride`, `columns` <= 32 of them), each with scale max|row| / 127 as fp16 in units of `unit`
// (per_unit = 1 / unit) and values round(x / scale) (ties to even, clamped to [-127, 127], NaN
// gives 0) + 128 at the packed places; the block's other scales 0 and bytes 128 (zero).
float max_magnitude(const float* x, int64_t count, Int8Kernel kernel);
void quantize_weight_block(const float* x, int64_t stride, int64_t rows, int64_t columns, float per_unit, float unit,
                           uint16_t* scales, uint8_t* values, Int8Kernel kernel);

// fp16 <-> float for non-negative finite scales (round to nearest even); exposed for tests.
uint16_t scale_to_half(float value);
float half_to_float(uint16_t half);

// y [x.rows, w.rows] float32 = dequantised x times dequantised w transposed, plus bias [w.rows]
// when not null; x and w with the same columns. Splits w's panels over the compute threads. A
// kernel this CPU does not run throws kUnsupported.
void int8_matmul(const Int8Rows& x, const Int8Weight& w, float* y, const float* bias = nullptr,
                 Int8Kernel kernel = Int8Kernel::kBest);

// y = x W^T + b with W quantised (x [..., in], any float dtype, on the CPU; y float32). The
// activations are quantised per call (the error that adds is about that of the weights').
// Refuses an x that autograd tracks: there is no gradient through the integer products.
at::Tensor int8_linear(const at::Tensor& x, const Int8Weight& weight, const at::Tensor& bias = at::Tensor());

// A quantised weight and its bias (undefined: none), as int8_linear takes them.
struct Int8LinearWeights {
  const Int8Weight& weight;
  const at::Tensor& bias;
};
// int8_linear(x, weight, bias) for each product, bit for bit. A decode step's rows (up to 16)
// are quantised once and all products run as one dispatch over their panels, one pool join for
// them all (nn/matvec_dispatch.h); more rows run each product alone.
std::vector<at::Tensor> int8_linear_same_input(const at::Tensor& x, const std::vector<Int8LinearWeights>& products);

}  // namespace almkit::nn
