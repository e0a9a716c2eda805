// Pieces the codecs share: weight-norm convolution weights in every layout a checkpoint may
// store them, the snake activation (DAC), and the bandwidth <-> number-of-quantizers rule of
// codecs whose bandwidth is simply "quantizers x bits x frame rate" (DAC, Mimi).
#pragma once

#include <ATen/ATen.h>

#include <string>
#include <vector>

#include "io/weight_store.h"

namespace almkit::codecs {

// The effective weight of a (possibly weight-normalised) convolution `prefix` with `shape`:
// `prefix.weight` (plain), `prefix.weight_g` / `prefix.weight_v` (torch.nn.utils.weight_norm,
// dim 0) or `prefix.parametrizations.weight.original0/1` (torch >= 2.1). Weight norm is folded
// once at load time: w = g * v / ||v|| with the norm over every dimension but 0.
at::Tensor load_conv_weight(WeightStore& weights, const std::string& prefix, const std::vector<int64_t>& shape);

// Snake (Ziyin et al. 2020) as transformers' Snake1d: x + 1 / (alpha + 1e-9) * sin(alpha x)^2,
// alpha [1, C, 1].
at::Tensor snake(const at::Tensor& x, const at::Tensor& alpha);

// Bandwidths (kbps) of using 1..max quantizers (from `min_quantizers`), ascending.
std::vector<double> quantizer_bandwidths(int64_t codebook_size, double frame_rate, int64_t min_quantizers,
                                         int64_t max_quantizers);
// The number of quantizers whose bandwidth is `bandwidth` (within 0.005 kbps, so that a rounded
// figure such as 7.75 for DAC 44 kHz's 7.7519 is accepted); kInvalidArgument listing the valid
// bandwidths otherwise.
int64_t quantizers_for_listed_bandwidth(const std::string& codec, double bandwidth, int64_t codebook_size,
                                        double frame_rate, int64_t min_quantizers, int64_t max_quantizers);

}  // namespace almkit::codecs
