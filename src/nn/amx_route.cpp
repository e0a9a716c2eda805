#include "nn/amx_route.h"

#include "nn/bf16_gemm.h"
#include "nn/prompt_rows.h"

namespace almkit::nn {
namespace {

uint16_t* words(at::Tensor& t) { return reinterpret_cast<uint16_t*>(t.data_ptr<at::BFloat16>()); }
const uint16_t* words(const at::Tensor& t) { return reinterpret_cast<const uint16_t*>(t.data_ptr<at::BFloat16>()); }

bool float_or_bf16(const at::Tensor& t) { return t.scalar_type() == at::kFloat || t.scalar_type() == at::kBFloat16; }

std::vector<int64_t> with_last(const at::Tensor& x, int64_t n) {
  std::vector<int64_t> shape = x.sizes().vec();
  shape.back() = n;
  return shape;
}

}  // namespace

bool takes_amx_route(const at::Tensor& x, const at::Tensor& weight) {
  if (!weight.defined() || weight.scalar_type() != at::kBFloat16 || weight.dim() != 2 || !weight.device().is_cpu() ||
      !bf16_products_through_amx()) {
    return false;
  }
  const int64_t k = weight.size(1);
  return x.device().is_cpu() && float_or_bf16(x) && x.dim() >= 1 && x.size(-1) == k && k > 0 &&
         x.numel() / k > kMatvecRowLimit && !tracks_gradient(x) && !tracks_gradient(weight);
}

at::Tensor rounded_to_bf16(const at::Tensor& x) {
  if (x.scalar_type() == at::kBFloat16) return x;
  const at::Tensor source = x.to(at::kFloat).contiguous();
  at::Tensor out = at::empty(source.sizes(), source.options().dtype(at::kBFloat16));
  prompt_rows::round_to_bf16(source.data_ptr<float>(), source.numel(), words(out));
  return out;
}

at::Tensor amx_product(const at::Tensor& x, const at::Tensor& weight) {
  // libtorch's oneDNN matmul on the tile unit; its output is rounded to bf16 (as in transformers)
  return at::linear(rounded_to_bf16(x), weight.contiguous());
}

at::Tensor widen_amx_product(const at::Tensor& product, const at::Tensor& bias, const at::Tensor& residual) {
  const at::Tensor p = product.contiguous();
  const int64_t n = p.size(-1), rows = n > 0 ? p.numel() / n : 0;
  const at::Tensor b = bias.defined() ? bias.to(at::kFloat).contiguous() : bias;
  const at::Tensor r = residual.defined() ? residual.to(at::kFloat).contiguous() : residual;
  at::Tensor out = at::empty(p.sizes(), p.options().dtype(at::kFloat));
  prompt_rows::widen_bf16(words(p), rows, n, b.defined() ? b.data_ptr<float>() : nullptr,
                          r.defined() ? r.data_ptr<float>() : nullptr, out.data_ptr<float>());
  return out;
}

at::Tensor gated_mlp_through_amx(const std::string& activation, const at::Tensor& x, const Linear& gate,
                                 const Linear& up, const Linear& down, const at::Tensor& residual) {
  const bool applies = (activation == "silu" || activation == "swish") && !gate.int8 && !up.int8 && !down.int8 &&
                       !gate.bias.defined() && !up.bias.defined() && takes_amx_route(x, gate.weight) &&
                       takes_amx_route(x, up.weight) && gate.weight.sizes() == up.weight.sizes() &&
                       down.weight.defined() && down.weight.scalar_type() == at::kBFloat16 && down.weight.dim() == 2 &&
                       down.weight.size(1) == gate.weight.size(0) && residual.defined() &&
                       residual.scalar_type() == at::kFloat &&
                       residual.sizes() == at::IntArrayRef(with_last(x, down.weight.size(0)));
  if (!applies) return at::Tensor();
  const at::Tensor rounded = rounded_to_bf16(x);  // once for both products
  const at::Tensor g = amx_product(rounded, gate.weight).contiguous(), u = amx_product(rounded, up.weight).contiguous();
  at::Tensor gated = at::empty(g.sizes(), g.options());
  prompt_rows::silu_times_bf16(words(g), words(u), g.numel(), words(gated));
  return widen_amx_product(amx_product(gated, down.weight), down.bias, residual);
}

at::Tensor feed_forward_through_amx(const std::string& activation, const at::Tensor& x, const Linear& fc1,
                                    const Linear& fc2, const at::Tensor& residual) {
  const bool applies = activation == "gelu" && !fc1.int8 && !fc2.int8 && takes_amx_route(x, fc1.weight) &&
                       fc2.weight.defined() && fc2.weight.scalar_type() == at::kBFloat16 && fc2.weight.dim() == 2 &&
                       fc2.weight.size(1) == fc1.weight.size(0) && residual.defined() &&
                       residual.scalar_type() == at::kFloat &&
                       residual.sizes() == at::IntArrayRef(with_last(x, fc2.weight.size(0)));
  if (!applies) return at::Tensor();
  const at::Tensor product = amx_product(x, fc1.weight).contiguous();
  const at::Tensor bias = fc1.bias.defined() ? fc1.bias.to(at::kFloat).contiguous() : fc1.bias;
  at::Tensor activated = at::empty(product.sizes(), product.options());
  const int64_t n = product.size(-1);
  prompt_rows::gelu_bf16(words(product), product.numel() / n, n, bias.defined() ? bias.data_ptr<float>() : nullptr,
                         words(activated));
  return widen_amx_product(amx_product(activated, fc2.weight), fc2.bias, residual);
}

}  // namespace almkit::nn
