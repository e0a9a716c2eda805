#include "nn/layers.h"

#include "almkit/error.h"
#include "nn/prompt_rows.h"
#include "nn/row_kernels.h"

namespace almkit::nn {

Linear Linear::load(WeightStore& weights, const std::string& prefix, int64_t in, int64_t out,
                    bool with_bias) {
  at::Tensor bias = with_bias ? weights.take(prefix + ".bias", {out}, WeightInit::kZeros) : at::Tensor();
  if (!weights.options().int8_linear || !weights.options().device.is_cpu()) {  // int8 kernels are CPU ones
    return from_weight(weights, weights.take(prefix + ".weight", {out, in}), std::move(bias));
  }
  // int8: quantised from the file's own dtype, chunk by chunk, each chunk's pages given back once
  // read, so neither a float32 copy nor the file stays resident.
  const std::string name = prefix + ".weight";
  return from_weight(weights, weights.take_as_stored(name, {out, in}), std::move(bias),
                     [&](size_t offset, size_t bytes) { weights.release(name, offset, bytes); });
}

Linear Linear::from_weight(const WeightStore& weights, at::Tensor weight, at::Tensor bias,
                           const std::function<void(size_t, size_t)>& read) {
  Linear linear;
  const bool quantize = weights.options().int8_linear && weight.device().is_cpu() && weight.numel() > 0;
  if (quantize) {
    linear.int8 = std::make_shared<const Int8Weight>(quantize_int8_weight(weight, read));
  } else {
    linear.weight = std::move(weight);
  }
  linear.bias = std::move(bias);
  return linear;
}

LayerNorm LayerNorm::load(WeightStore& weights, const std::string& prefix, int64_t dim, double eps) {
  return {weights.take(prefix + ".weight", {dim}, WeightInit::kOnes), weights.take(prefix + ".bias", {dim}, WeightInit::kZeros),
          eps};
}

RmsNorm RmsNorm::load(WeightStore& weights, const std::string& prefix, int64_t dim, double eps) {
  return {weights.take(prefix + ".weight", {dim}, WeightInit::kOnes), eps};
}

namespace {
bool float_rows_on_cpu(const at::Tensor& x) { return float_on_cpu(x) && x.is_contiguous() && !tracks_gradient(x); }
// A prompt's or an encoder's rows (more than a decode step's few): the threaded, vectorised passes
// of nn/prompt_rows.h.
bool many_rows(const at::Tensor& x) { return x.dim() > 0 && x.size(-1) > 0 && x.numel() / x.size(-1) > kMatvecRowLimit; }
}  // namespace

at::Tensor RmsNorm::operator()(const at::Tensor& x) const {
  // norm weights are float32 whenever activations are (WeightOptions::activation_dtype)
  if (float_rows_on_cpu(x) && float_rows_on_cpu(weight) && x.size(-1) == weight.size(0)) {
    at::Tensor out = at::empty_like(x);
    const int64_t dim = x.size(-1);
    const auto norm = many_rows(x) ? prompt_rows::rms_norm : rows::rms_norm;
    norm(x.data_ptr<float>(), x.numel() / dim, dim, weight.data_ptr<float>(), static_cast<float>(eps),
         out.data_ptr<float>());
    return out;
  }
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

at::Tensor gated_activation(const std::string& name, const at::Tensor& gate, const at::Tensor& up) {
  if ((name == "silu" || name == "swish") && float_rows_on_cpu(gate) && float_rows_on_cpu(up) &&
      gate.sizes() == up.sizes()) {
    at::Tensor out = at::empty_like(gate);
    const auto silu_times = many_rows(gate) ? prompt_rows::silu_times : rows::silu_times;
    silu_times(gate.data_ptr<float>(), up.data_ptr<float>(), gate.numel(), out.data_ptr<float>());
    return out;
  }
  return activation(name, gate) * up;
}

void check_activation(const std::string& name, const std::string& source) {
  for (const char* known : {"gelu", "silu", "swish", "relu", "gelu_new", "gelu_pytorch_tanh"}) {
    if (name == known) return;
  }
  throw Error(ErrorCode::kUnsupported, source + ": activation '" + name +
                                           "' is not supported (gelu, silu, relu, gelu_new)");
}

}  // namespace almkit::nn
