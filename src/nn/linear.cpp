#include "nn/linear.h"

#include "almkit/error.h"
#include "core/cpu_features.h"
#include "nn/amx_route.h"
#include "nn/bf16_gemm.h"
#include "nn/bf16_matvec_avx512.h"
#include "nn/f32_matvec.h"
#include "nn/matvec_dispatch.h"

#include <immintrin.h>

#include <algorithm>
#include <cstring>
#include <vector>

namespace almkit::nn {
namespace {

float bf16_to_float(uint16_t v) {
  const uint32_t bits = static_cast<uint32_t>(v) << 16;
  float out;
  std::memcpy(&out, &bits, 4);
  return out;
}

void matvec_scalar(const float* x, int64_t rows, int64_t k, const uint16_t* w, int64_t n_begin, int64_t n_end,
                   int64_t n, float* y) {
  for (int64_t j = n_begin; j < n_end; ++j) {
    const uint16_t* row = w + j * k;
    for (int64_t r = 0; r < rows; ++r) {
      float sum = 0.f;
      for (int64_t i = 0; i < k; ++i) sum += x[r * k + i] * bf16_to_float(row[i]);
      y[r * n + j] = sum;
    }
  }
}

__attribute__((target("avx2,fma"))) __m256 load_bf16(const uint16_t* p) {
  // 8 bf16 -> 8 fp32: widen to 32 bits and shift into the high half
  const __m128i packed = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(packed), 16));
}

__attribute__((target("avx2,fma"))) void widen_avx2(const uint16_t* w, int64_t count, float* out) {
  int64_t i = 0;
  for (; i + 8 <= count; i += 8) _mm256_storeu_ps(out + i, load_bf16(w + i));
  for (; i < count; ++i) out[i] = bf16_to_float(w[i]);
}

// Decoding: float32 rows of x, bf16 or float32 weights and a float32 or bf16 bias as they are
// stored. A token of Qwen2-0.5B runs 169 of these products; each reshape / to / contiguous is a
// dispatched op of ~1 us even when it does nothing, and a bf16 bias was converted on every call.
// float32 weights take almkit's kernel only where it has a vector one (else BLAS's gemv), and
// never when autograd has to see the product.
bool decodes_in_place(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias) {
  if (weight.dim() != 2 || !weight.device().is_cpu()) return false;
  const int64_t k = weight.size(1);
  const auto float_or_bf16 = [](const at::Tensor& t) {
    return t.scalar_type() == at::kFloat || t.scalar_type() == at::kBFloat16;
  };
  const bool kernel = weight.scalar_type() == at::kBFloat16 ||
                      (weight.scalar_type() == at::kFloat && best_f32_kernel() != F32Kernel::kScalar);
  const bool tracked = at::GradMode::is_enabled() &&
                       (x.requires_grad() || weight.requires_grad() || (bias.defined() && bias.requires_grad()));
  return kernel && !tracked && x.scalar_type() == at::kFloat && x.device().is_cpu() && x.dim() >= 1 &&
         x.size(-1) == k && x.numel() > 0 && x.numel() / k <= kMatvecRowLimit && x.is_contiguous() &&
         weight.is_contiguous() &&
         (!bias.defined() || (bias.dim() == 1 && bias.size(0) == weight.size(0) && bias.is_contiguous() &&
                              bias.device().is_cpu() && float_or_bf16(bias)));
}

const uint16_t* bf16_data(const at::Tensor& t) { return reinterpret_cast<const uint16_t*>(t.data_ptr<at::BFloat16>()); }

// x as bf16_matvec's kernel reads it: float32, or for vdpbf16ps as bf16 pairs made once per call
// and shared read-only by every thread's chunks (the workers see them through these pointers: a
// thread_local named in the lambda is their own).
struct Bf16MatvecInput {
  Bf16Kernel kernel = Bf16Kernel::kScalar;
  const float* x = nullptr;
  const uint16_t *high = nullptr, *low = nullptr;
};

Bf16MatvecInput bf16_matvec_input(const float* x, int64_t rows, int64_t k, Bf16Kernel kernel) {
  if (!cpu_runs(kernel)) {
    throw Error(ErrorCode::kUnsupported, kernel == Bf16Kernel::kAvx2
                                             ? "the avx2 bf16 kernel needs a CPU with AVX2 and FMA"
                                             : "the avx512-bf16 mat-vec kernel needs a CPU with AVX512-BF16");
  }
  if (kernel == Bf16Kernel::kBest) {
    kernel = cpu_runs(Bf16Kernel::kAvx512Bf16) ? Bf16Kernel::kAvx512Bf16
             : cpu_runs(Bf16Kernel::kAvx2)     ? Bf16Kernel::kAvx2
                                               : Bf16Kernel::kScalar;
  }
  Bf16MatvecInput input{kernel, x};
  if (kernel == Bf16Kernel::kAvx512Bf16) {
    thread_local std::vector<uint16_t> split;
    split.resize(2 * rows * k);
    input.high = split.data();
    input.low = input.high + rows * k;
    split_to_bf16_pairs(x, rows * k, split.data(), split.data() + rows * k);
  }
  return input;
}

MatvecShare bf16_matvec_share(const Bf16MatvecInput& in, int64_t rows, int64_t k, const uint16_t* w, int64_t n,
                              float* y, const float* bias) {
  return {n, k * 2, [in, rows, k, w, n, y, bias](int64_t begin, int64_t end) {
            if (in.kernel == Bf16Kernel::kAvx512Bf16) {
              bf16_matvec_avx512(in.high, in.low, rows, k, w, begin, end, n, y);
            } else if (in.kernel == Bf16Kernel::kAvx2) {
              bf16_matvec_avx2(in.x, rows, k, w, begin, end, n, y);
            } else {
              matvec_scalar(in.x, rows, k, w, begin, end, n, y);
            }
            add_bias(y, rows, n, bias, begin, end);
          }};
}

// y [..., N] = x W^T + bias for each product, all in decodes_in_place's case, in one dispatch
// over their output features: one allocation each, no other ATen op.
std::vector<at::Tensor> matvec_rows(const at::Tensor& x, const std::vector<LinearWeights>& products) {
  const int64_t k = x.size(-1), rows = x.numel() / k;
  const float* in = x.data_ptr<float>();
  Bf16MatvecInput bf16_in;
  std::vector<at::Tensor> outputs;
  std::vector<MatvecShare> shares;
  outputs.reserve(products.size());
  shares.reserve(products.size());
  std::vector<int64_t> out_shape = x.sizes().vec();
  for (const auto& [weight, bias] : products) {
    const int64_t n = weight.size(0);
    out_shape.back() = n;
    outputs.push_back(at::empty(out_shape, x.options()));
    float* out = outputs.back().data_ptr<float>();
    const float* fp32_bias = bias.defined() && bias.scalar_type() == at::kFloat ? bias.data_ptr<float>() : nullptr;
    if (weight.scalar_type() == at::kFloat) {
      shares.push_back(f32_matvec_share(in, rows, k, weight.data_ptr<float>(), n, out, fp32_bias));
    } else {
      if (!bf16_in.x) bf16_in = bf16_matvec_input(in, rows, k, Bf16Kernel::kBest);
      shares.push_back(bf16_matvec_share(bf16_in, rows, k, bf16_data(weight), n, out, fp32_bias));
    }
  }
  run_matvecs(shares, kFeatureChunks);
  for (size_t i = 0; i < products.size(); ++i) {
    const at::Tensor& bias = products[i].bias;
    if (!bias.defined() || bias.scalar_type() == at::kFloat) continue;
    const uint16_t* b = bf16_data(bias);
    const int64_t n = products[i].weight.size(0);
    float* out = outputs[i].data_ptr<float>();
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t j = 0; j < n; ++j) out[r * n + j] += bf16_to_float(b[j]);
    }
  }
  return outputs;
}

}  // namespace

// Under the ALMKIT_SIMD cap, also when a test names the kernel.
bool cpu_runs(Bf16Kernel kernel) {
  if (kernel == Bf16Kernel::kAvx512Bf16) return cpu_features().avx512_bf16;
  return kernel != Bf16Kernel::kAvx2 || cpu_features().avx2_fma;
}

void bf16_matvec(const float* x, int64_t rows, int64_t k, const uint16_t* w, int64_t n, float* y,
                 const float* bias, Bf16Kernel kernel) {
  run_matvecs({bf16_matvec_share(bf16_matvec_input(x, rows, k, kernel), rows, k, w, n, y, bias)}, kFeatureChunks);
}

at::Tensor bf16_linear_widened_panels(const at::Tensor& x, const at::Tensor& w, const at::Tensor& bias) {
  const int64_t m = x.size(0), k = x.size(1), n = w.size(0);
  // ~8 MB of fp32 weights a panel (in L3) and at least 256 rows: each panel is one BLAS call,
  // which re-packs x and wakes OpenBLAS's threads; 96-row panels of a k = 4864 matrix cost 15 %
  // of CPU time on 1 thread, and ~2 MB panels ran 2x slower than fp32 on 2 threads under load
  const int64_t panel = std::min(n, std::max<int64_t>(256, (8 << 20) / (4 * std::max<int64_t>(k, 1)) / 16 * 16));
  at::Tensor y = at::empty({m, n}, x.options());
  at::Tensor widened = at::empty({panel, k}, x.options());  // kept by the caching allocator
  const uint16_t* source = bf16_data(w);
  for (int64_t j0 = 0; j0 < n; j0 += panel) {
    const int64_t count = std::min(panel, n - j0);
    if (cpu_features().avx2_fma) {
      widen_avx2(source + j0 * k, count * k, widened.data_ptr<float>());
    } else {
      float* out = widened.data_ptr<float>();
      for (int64_t i = 0; i < count * k; ++i) out[i] = bf16_to_float(source[j0 * k + i]);
    }
    // columns j0 .. j0 + count of y, written in place (BLAS takes y's row stride as ldc)
    at::Tensor columns = y.narrow(1, j0, count);
    const at::Tensor panel_t = widened.narrow(0, 0, count).t();
    if (bias.defined()) {
      at::addmm_out(columns, bias.narrow(0, j0, count), x, panel_t);
    } else {
      at::mm_out(columns, x, panel_t);
    }
  }
  return y;
}

at::Tensor linear(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias) {
  if (decodes_in_place(x, weight, bias)) return matvec_rows(x, {{weight, bias}})[0];
  if (weight.scalar_type() != at::kBFloat16 || !weight.device().is_cpu()) {
    const at::Tensor input = x.to(weight.scalar_type());
    // Decoding one token: libtorch sends a one-row product to BLAS gemm, which packs (copies) the
    // whole weight matrix every call; gemv reads it once, at memory speed.
    if (weight.device().is_cpu() && input.numel() == weight.size(1)) {
      at::Tensor y = bias.defined() ? at::addmv(bias, weight, input.reshape({-1})) : at::mv(weight, input.reshape({-1}));
      std::vector<int64_t> out_shape = x.sizes().vec();
      out_shape.back() = weight.size(0);
      return y.view(out_shape);
    }
    return at::linear(input, weight, bias);
  }
  // a prompt's rows on a CPU with AMX-BF16 (nn/amx_route.h); with autograd, the ATen ops below
  if (takes_amx_route(x, weight)) return widen_amx_product(amx_product(x, weight), bias);
  const int64_t k = weight.size(1), n = weight.size(0);
  const at::Tensor flat = x.reshape({-1, k}).to(at::kFloat).contiguous();
  const int64_t rows = flat.size(0);
  std::vector<int64_t> out_shape = x.sizes().vec();
  out_shape.back() = n;
  const at::Tensor fp32_bias = bias.defined() ? bias.to(at::kFloat) : bias;
  const bool bf16_instructions = cpu_features().avx512_bf16 && k % 2 == 0;
  if (rows > kMatvecRowLimit && !bf16_instructions) {
    return bf16_linear_widened_panels(flat, weight.contiguous(), fp32_bias).view(out_shape);
  }
  const at::Tensor w = weight.contiguous();
  at::Tensor y = at::empty({rows, n}, flat.options());
  const at::Tensor b = fp32_bias.defined() ? fp32_bias.contiguous() : fp32_bias;
  if (rows > kMatvecRowLimit && bf16_products_through_amx()) {
    // A prompt or an encoder on a CPU with AMX-BF16: libtorch's oneDNN runs the product on the
    // tile unit (prefill 512 at 2 threads: 761 tokens/s for a plain-torch Qwen2-0.5B against
    // bf16_gemm's 218 on a Sapphire Rapids core pair). x is rounded to bf16 as below; the
    // product comes back rounded to bf16 (as in transformers) and is widened, bias in fp32.
    at::Tensor product = at::linear(flat.to(at::kBFloat16), w).to(at::kFloat);
    if (b.defined()) product.add_(b);
    return product.view(out_shape);
  }
  if (rows > kMatvecRowLimit) {
    // A prompt or an encoder: vdpbf16ps on the stored weights, activations rounded to bf16 as a
    // bf16 model in transformers or llama.cpp rounds them (1.8x the split input's speed here;
    // benchmarks/gemm_bench.cpp), accumulated and returned in fp32.
    bf16_gemm(flat.data_ptr<float>(), rows, k, bf16_data(w), n,
              y.data_ptr<float>(), b.defined() ? b.data_ptr<float>() : nullptr, Bf16Input::kRoundInput);
    return y.view(out_shape);
  }
  bf16_matvec(flat.data_ptr<float>(), rows, k, bf16_data(w), n,
              y.data_ptr<float>(), b.defined() ? b.data_ptr<float>() : nullptr);
  return y.view(out_shape);
}

std::vector<at::Tensor> linear_same_input(const at::Tensor& x, const std::vector<LinearWeights>& products) {
  const bool together = !products.empty() && std::all_of(products.begin(), products.end(), [&](const LinearWeights& p) {
    return decodes_in_place(x, p.weight, p.bias);
  });
  if (together) return matvec_rows(x, products);
  std::vector<at::Tensor> outputs;
  for (const auto& [weight, bias] : products) outputs.push_back(linear(x, weight, bias));
  return outputs;
}

}  // namespace almkit::nn
