#include "nn/layers.h"

#include "almkit/error.h"

namespace almkit::nn {

Linear Linear::load(WeightStore& weights, const std::string& prefix, int64_t in, int64_t out,
                    bool with_bias) {
  Linear linear;
  linear.weight = weights.take(prefix + ".weight", {out, in});
  if (with_bias) linear.bias = weights.take(prefix + ".bias", {out});
  return linear;
}

LayerNorm LayerNorm::load(WeightStore& weights, const std::string& prefix, int64_t dim, double eps) {
  return {weights.take(prefix + ".weight", {dim}), weights.take(prefix + ".bias", {dim}), eps};
}

RmsNorm RmsNorm::load(WeightStore& weights, const std::string& prefix, int64_t dim, double eps) {
  return {weights.take(prefix + ".weight", {dim}), eps};
}

at::Tensor RmsNorm::operator()(const at::Tensor& x) const {
  const at::Tensor x32 = x.to(at::kFloat);
  const at::Tensor normed = x32 * at::rsqrt(x32.pow(2).mean(-1, /*keepdim=*/true) + eps);
  return weight * normed.to(x.scalar_type());
}

at::Tensor activation(const std::string& name, const at::Tensor& x) {
  if (name == "gelu") return at::gelu(x);
  if (name == "silu" || name == "swish") return at::silu(x);
  if (name == "relu") return at::relu(x);
  if (name == "gelu_new" || name == "gelu_pytorch_tanh") return at::gelu(x, "tanh");
  throw Error(ErrorCode::kUnsupported, "activation '" + name + "' is not supported");
}

void check_activation(const std::string& name, const std::string& source) {
  for (const char* known : {"gelu", "silu", "swish", "relu", "gelu_new", "gelu_pytorch_tanh"}) {
    if (name == known) return;
  }
  throw Error(ErrorCode::kUnsupported, source + ": activation '" + name +
                                           "' is not supported (gelu, silu, relu, gelu_new)");
}

}  // namespace almkit::nn
