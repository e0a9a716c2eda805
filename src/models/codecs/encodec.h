// EnCodec (Défossez et al. 2022) as transformers 4.47's EncodecModel computes it: SEANet
// encoder/decoder with LSTM, weight-norm convolutions, Euclidean residual VQ, optional chunking
// with overlap-add and per-chunk normalisation.
#pragma once

#include <memory>

#include "models/codecs/codec.h"
#include "models/model_parts.h"

namespace almkit::codecs {

std::unique_ptr<Codec> build_encodec(const ModelConfig& config, WeightStore& weights, const CodecOptions& options);

}  // namespace almkit::codecs

namespace almkit {

// The language-model registry's entry for "encodec", "dac" and "mimi": a codec has no ModelParts, so this names
// the right loader (codecs::load_codec, `almkit codec`) instead of "unsupported model type".
ModelParts build_encodec_parts(const ModelConfig& config, WeightStore& weights);

}  // namespace almkit
