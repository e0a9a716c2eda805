// EnCodec (Défossez et al. 2022) as transformers 4.47's EncodecModel computes it: SEANet
// encoder/decoder with LSTM, weight-norm convolutions, Euclidean residual VQ, optional chunking
// with overlap-add and per-chunk normalisation.
#pragma once

#include <memory>

#include "models/codecs/codec.h"

namespace almkit::codecs {

std::unique_ptr<Codec> build_encodec(const ModelConfig& config, WeightStore& weights, const CodecOptions& options);

}  // namespace almkit::codecs
