// Mimi (Kyutai, Défossez et al. 2024) as transformers 4.47's MimiModel computes it: causal
// SEANet encoder, a sliding-window RoPE transformer, a stride-2 downsample to 12.5 Hz, a split
// residual VQ (semantic + acoustic codebooks), and the mirror image for decoding. Every layer
// is causal, so long inputs stream chunk by chunk with the same result (see streaming_layers.h).
#pragma once

#include <memory>

#include "models/codecs/codec.h"

namespace almkit::codecs {

std::unique_ptr<Codec> build_mimi(const ModelConfig& config, WeightStore& weights, const CodecOptions& options);

}  // namespace almkit::codecs
