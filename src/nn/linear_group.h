// Several Linear layers applied to the same input: q, k and v of an attention, gate and up of a
// gated MLP. The layers stay separate objects with their own weights (research tools read and
// edit them one by one); only the work is shared. A decode step's rows run every layer in one
// parallel dispatch over all their output features (one thread-pool join instead of one per
// layer: a Qwen2-0.5B token makes 97 joins instead of 169), each feature computed by the same
// kernel as Linear::operator() computes it alone, so the results are the same bits.
#pragma once

#include <ATen/ATen.h>

#include <initializer_list>
#include <vector>

#include "nn/layers.h"

namespace almkit::nn {

// (*linears[i])(x) for each i, bit for bit: together when every layer has the same kind of
// weights (all int8, or all float32 / bf16) and the rows are a decode step's (nn/linear.h,
// nn/int8_linear.h say when), otherwise one call each.
std::vector<at::Tensor> apply_to_same_input(const at::Tensor& x,
                                            std::initializer_list<const Linear*> linears);

}  // namespace almkit::nn
