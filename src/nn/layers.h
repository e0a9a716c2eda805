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
  // Set when the store asks for int8 weights: the products use it; `weight` stays as loaded (a
  // view of the file for float32 checkpoints) for shapes and anything reading the float values.
  std::shared_ptr<const Int8Rows> int8;
  static Linear load(WeightStore& weights, const std::string& prefix, int64_t in, int64_t out,
                     bool with_bias);
  // A weight taken by other means (e.g. a tied LM head), quantised as load() would.
  static Linear from_weight(const WeightStore& weights, at::Tensor weight, at::Tensor bias = at::Tensor());
  at::Tensor operator()(const at::Tensor& x) const { return int8 ? int8_linear(x, *int8, bias) : linear(x, weight, bias); }
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
