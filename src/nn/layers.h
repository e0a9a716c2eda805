// Small layers shared by every architecture (CTranslate2-style): each holds its weights and
// applies them; the checkpoint names come from the caller's prefix.
#pragma once

#include <ATen/ATen.h>

#include <memory>
#include <string>

#include "io/weight_store.h"
#include "nn/int8_linear.h"
#include "nn/linear.h"

namespace almkit::nn {

// float32 on a CPU: where the row kernels (nn/row_kernels.h) replace ATen ops.
inline bool float_on_cpu(const at::Tensor& t) { return t.scalar_type() == at::kFloat && t.device().is_cpu(); }
// True when autograd records operations on `t` (an input gradient is being taken): the row
// kernels write raw memory, so such tensors keep the differentiable ATen path.
inline bool tracks_gradient(const at::Tensor& t) { return t.requires_grad() && at::GradMode::is_enabled(); }

struct Linear {
  at::Tensor weight, bias;  // weight [out, in]; bias may be undefined
  // Set when the store asks for int8 weights (`--dtype int8`): the products use it and `weight`
  // is left undefined, so the float copy is not kept (dequantize(*int8) reads it back).
  std::shared_ptr<const Int8Weight> int8;
  static Linear load(WeightStore& weights, const std::string& prefix, int64_t in, int64_t out,
                     bool with_bias);
  // A weight taken by other means (e.g. a tied LM head), quantised as load() would (the caller
  // still holds `weight` if it passed a tensor it keeps); int8 calls read(offset, bytes) for each
  // piece of the weight quantised (to release its file pages).
  static Linear from_weight(const WeightStore& weights, at::Tensor weight, at::Tensor bias = at::Tensor(),
                            const std::function<void(size_t, size_t)>& read = nullptr);
  at::Tensor operator()(const at::Tensor& x) const { return int8 ? int8_linear(x, *int8, bias) : linear(x, weight, bias); }
  // What the inputs should be cast to, and where they live (int8: float32 on the CPU).
  at::ScalarType input_dtype() const { return int8 ? at::kFloat : weight.scalar_type(); }
  at::Device device() const { return int8 ? at::Device(at::kCPU) : weight.device(); }
};

struct LayerNorm {
  at::Tensor weight, bias;
  double eps = 1e-5;
  static LayerNorm load(WeightStore& weights, const std::string& prefix, int64_t dim, double eps);
  at::Tensor operator()(const at::Tensor& x) const {
    return at::layer_norm(x, {weight.size(0)}, weight, bias, eps);
  }
};

// Qwen2 / Llama RMSNorm: normalises in float32 whatever the compute dtype, as transformers does.
struct RmsNorm {
  at::Tensor weight;
  double eps = 1e-6;
  static RmsNorm load(WeightStore& weights, const std::string& prefix, int64_t dim, double eps);
  at::Tensor operator()(const at::Tensor& x) const;
};

// Activation by its transformers name ("gelu", "silu", "relu", "gelu_new"/"gelu_pytorch_tanh").
at::Tensor activation(const std::string& name, const at::Tensor& x);
// activation(name, gate) * up, the gated MLPs of Llama / Qwen2 (one pass for silu in float32).
at::Tensor gated_activation(const std::string& name, const at::Tensor& gate, const at::Tensor& up);
void check_activation(const std::string& name, const std::string& source);

}  // namespace almkit::nn
