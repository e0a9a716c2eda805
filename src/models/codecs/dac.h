// DAC, the Descript Audio Codec (Kumar et al. 2023), as transformers 4.47's DacModel computes
// it: snake activations, weight-norm convolutions, residual units with dilations 1/3/9, and a
// factorised residual VQ (in/out projections, L2-normalised codebook lookup).
#pragma once

#include <memory>

#include "models/codecs/codec.h"

namespace almkit::codecs {

std::unique_ptr<Codec> build_dac(const ModelConfig& config, WeightStore& weights, const CodecOptions& options);

}  // namespace almkit::codecs
