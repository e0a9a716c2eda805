// The AMX route of bf16 products (a prompt's or an encoder's rows, bf16 weights, a CPU whose bf16
// products go to oneDNN's tile unit: bf16_products_through_amx()) in its pieces: x rounded to bf16,
// the product as oneDNN returns it (bf16), widened to float32 with its bias. linear() takes the
// route through these; the gated MLP keeps its products in bf16 between them, as the next product
// rounds its input anyway. The roundings and widenings are nn/prompt_rows.h's (threaded,
// AVX-512); ATen's copies between float32 and bf16 ran at ~1 ns a number, 17 % of a Qwen2-0.5B
// prefill once the rest was fast. Every result is bit for bit what the ATen ops gave.
#pragma once

#include <ATen/ATen.h>

#include <string>

#include "nn/layers.h"

namespace almkit::nn {

// Whether a product of x's rows (float32 or bf16, more than a decode step's 16) with `weight`
// takes the route: bf16 weights [N, K] on a CPU that sends them to AMX, and no autograd (which
// keeps linear()'s ATen formulation).
bool takes_amx_route(const at::Tensor& x, const at::Tensor& weight);

// x [..., K] rounded to bf16 (x float32, or already bf16: returned as it is).
at::Tensor rounded_to_bf16(const at::Tensor& x);

// The product [..., N] in bf16, x float32 or bf16 (takes_amx_route(x, weight)), no bias.
at::Tensor amx_product(const at::Tensor& x, const at::Tensor& weight);

// residual + (product + bias) in float32 ([..., N]; bias float32 or bf16 [N]; either undefined:
// left out). residual, when given, is float32 of product's shape.
at::Tensor widen_amx_product(const at::Tensor& product, const at::Tensor& bias,
                             const at::Tensor& residual = at::Tensor());

// residual + down(silu(gate(x)) * up(x)) with gate and up kept in bf16 from the tiles into the
// SiLU and its bf16 result straight into down (no float32 copy of the 2 x intermediate-wide
// products): what DecoderBlock's MLP computes, bit for bit. Undefined when the route does not
// apply (another activation, a gate or up bias, int8 or float32 weights, few rows, autograd).
at::Tensor gated_mlp_through_amx(const std::string& activation, const at::Tensor& x, const Linear& gate,
                                 const Linear& up, const Linear& down, const at::Tensor& residual);

// residual + fc2(gelu(fc1(x))) (the erf GELU), fc1's product from the tiles through GELU into
// fc2 in bf16 (prompt_rows::gelu_bf16: no float32 copy of the 4 x wide product, ATen's gelu pass
// and the residual sum folded in); an encoder layer's MLP (Whisper). Within float rounding of the
// step-by-step path (ATen's gelu approximates erf as well; the input of fc2 is bf16 either way).
// Undefined when the route does not apply.
at::Tensor feed_forward_through_amx(const std::string& activation, const at::Tensor& x, const Linear& fc1,
                                    const Linear& fc2, const at::Tensor& residual);

}  // namespace almkit::nn
