#include "nn/decoder_block.h"

#include "nn/amx_route.h"
#include "nn/linear_group.h"

namespace almkit::nn {

DecoderBlock DecoderBlock::load(WeightStore& weights, const std::string& prefix, const DecoderBlockShape& shape) {
  DecoderBlock block;
  block.shape_ = shape;
  check_activation(shape.activation, prefix);
  if (shape.layer_norm) {
    block.input_layer_norm_ = LayerNorm::load(weights, prefix + ".input_layernorm", shape.hidden, shape.norm_eps);
    block.post_attention_layer_norm_ =
        LayerNorm::load(weights, prefix + ".post_attention_layernorm", shape.hidden, shape.norm_eps);
  } else {
    block.input_rms_ = RmsNorm::load(weights, prefix + ".input_layernorm", shape.hidden, shape.norm_eps);
    block.post_attention_rms_ = RmsNorm::load(weights, prefix + ".post_attention_layernorm", shape.hidden, shape.norm_eps);
  }
  block.self_attn_ = MultiHeadAttention::load(weights, prefix + ".self_attn", shape.attention);
  block.gate_proj_ = Linear::load(weights, prefix + ".mlp.gate_proj", shape.hidden, shape.intermediate, shape.mlp_bias);
  block.up_proj_ = Linear::load(weights, prefix + ".mlp.up_proj", shape.hidden, shape.intermediate, shape.mlp_bias);
  block.down_proj_ = Linear::load(weights, prefix + ".mlp.down_proj", shape.intermediate, shape.hidden, shape.mlp_bias);
  return block;
}

at::Tensor DecoderBlock::norm(const at::Tensor& x, bool post_attention) const {
  if (shape_.layer_norm) return post_attention ? post_attention_layer_norm_(x) : input_layer_norm_(x);
  return post_attention ? post_attention_rms_(x) : input_rms_(x);
}

at::Tensor DecoderBlock::forward(const at::Tensor& h, const at::Tensor& mask, KeyValue* cache, const at::Tensor& cos,
                                 const at::Tensor& sin, at::Tensor* probabilities, const HeadHook* head_hook) const {
  const double residual = shape_.residual_multiplier;
  at::Tensor attended = self_attn_.self_attention(norm(h, false), mask, cache, cos, sin, probabilities, head_hook);
  at::Tensor out = residual == 1.0 ? h + attended : h + attended * residual;
  const at::Tensor x = norm(out, true);
  if (residual == 1.0) {  // a prompt on a CPU with AMX-BF16: products kept in bf16 (nn/amx_route.h)
    at::Tensor fused = gated_mlp_through_amx(shape_.activation, x, gate_proj_, up_proj_, down_proj_, out);
    if (fused.defined()) return fused;
  }
  const std::vector<at::Tensor> gate_up = apply_to_same_input(x, {&gate_proj_, &up_proj_});
  const at::Tensor mlp = down_proj_(gated_activation(shape_.activation, gate_up[0], gate_up[1]));
  return residual == 1.0 ? out + mlp : out + mlp * residual;
}

}  // namespace almkit::nn
