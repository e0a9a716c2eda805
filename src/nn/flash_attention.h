// Attention of many queries at once (a prompt, an encoder) in one fused, blocked loop: per
// (sequence, head, block of 64 queries) the scores of 128 keys at a time are made by a register
// micro-kernel, softmaxed online (running max and sum) and multiplied into the output, so no
// [heads, queries, keys] score matrix is ever written and a head's keys and values stay in L2.
// Kernels for AVX-512, AVX2 + FMA and plain C++ are compiled into every build and chosen at run
// time. Results equal softmax(q k^T * scale + mask) v to float rounding (summation order).
#pragma once

#include <cstdint>

namespace almkit::nn {

// One problem, float32 throughout. Row strides are in floats; the last dimension (head_dim for
// q / k / v, keys for the mask) is contiguous.
struct FlashAttentionProblem {
  int64_t batch = 0, heads = 0, kv_heads = 0, queries = 0, keys = 0, head_dim = 0;
  float scale = 1.0f;  // multiplies q.k before the mask is added
  // q [batch, heads, queries, head_dim]; k, v [batch, kv_heads, keys, head_dim]: query head h
  // meets kv head h / (heads / kv_heads).
  const float* q = nullptr;
  int64_t q_batch_stride = 0, q_head_stride = 0, q_row_stride = 0;
  const float* k = nullptr;
  int64_t k_batch_stride = 0, k_head_stride = 0, k_row_stride = 0;
  const float* v = nullptr;
  int64_t v_batch_stride = 0, v_head_stride = 0, v_row_stride = 0;
  // Additive mask [batch, queries, keys] shared by the heads, or null; a stride of 0 broadcasts
  // (a [1, 1, keys] padding mask: both 0). Values <= kHiddenKey hide a key (the dtype's lowest,
  // as transformers writes them, or -inf); a query whose keys are all hidden gets the mean of
  // every value row, as softmax over equal scores gives the reference.
  const float* mask = nullptr;
  int64_t mask_batch_stride = 0, mask_row_stride = 0;
  // out [batch, queries, heads * head_dim], contiguous: the layout the output projection reads.
  float* out = nullptr;
  // Both products in bf16 (q, k, the softmax weights and v rounded, fp32 accumulation), as a
  // model with bf16 weights computes attention: kBest then takes kAmxBf16 where bf16 products go
  // to the AMX tiles (bf16_products_through_amx()), else kAvx512Bf16 where the CPU has
  // AVX512-BF16 (else the fp32 kernels, exact).
  bool bf16_products = false;
};

constexpr float kHiddenKey = -1e37f;

// kAmxBf16: kAvx512Bf16's loop with both products on the AMX tile unit (head_dim a multiple of
// 32; other head_dims run kAvx512Bf16's products), the same roundings, fp32 accumulation.
enum class FlashKernel { kBest, kScalar, kAvx2, kAvx512, kAvx512Bf16, kAmxBf16 };
// Whether this CPU runs `kernel` (kBest and kScalar run everywhere). kBest is the widest the CPU
// has, capped by ALMKIT_SIMD=baseline (kScalar) or ALMKIT_SIMD=avx2, as the front end's kernels.
bool cpu_runs(FlashKernel kernel);
FlashKernel best_flash_kernel();
const char* flash_kernel_name(FlashKernel kernel);

// Whether flash_attention handles this head_dim (a multiple of 16 up to 256).
bool flash_attention_supports(int64_t head_dim);

// Floats of scratch flash_attention needs for `problem` (the keys packed in blocks, per-block
// mask flags); the caller provides it so that a caching allocator can keep it between calls.
int64_t flash_attention_workspace(const FlashAttentionProblem& problem);

// Runs `problem` on `threads` threads (the caller and spin_pool workers), threads over
// (sequence, head, query block). Throws kUnsupported for a kernel this CPU lacks and
// kInvalidArgument for a head_dim flash_attention_supports() refuses or a bad head grouping.
void flash_attention(const FlashAttentionProblem& problem, float* workspace, int threads,
                     FlashKernel kernel = FlashKernel::kBest);

}  // namespace almkit::nn
