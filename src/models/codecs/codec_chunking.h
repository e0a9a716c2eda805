// Long inputs with bounded memory: a codec's activations grow with the input (Mimi's first
// layers hold 64 channels per sample), so long files go through the model in chunks.
//   - the model chunks itself (48 kHz EnCodec): one call, memory is already per chunk (exact);
//   - the codec streams (causal Mimi): consecutive chunks with carried state (exact);
//   - otherwise windows of `chunk_seconds`, each with `context_seconds` of extra input on both
//     sides whose outputs are dropped. Exact up to float rounding when the context covers the
//     model's receptive field (DAC: ~8 frames); approximate when it cannot (EnCodec's LSTM,
//     Mimi's whole-call attention as transformers computes it).
// Inputs no longer than one window are processed in one call, exactly as `encode`/`decode`.
#pragma once

#include <functional>
#include <string>

#include "models/codecs/codec.h"

namespace almkit::codecs {

struct LongAudioOptions {
  double chunk_seconds = 30.0;
  double context_seconds = 5.0;
  // Called after each chunk with code frames done and in all.
  std::function<void(int64_t done, int64_t total)> progress;
};

// "one pass", "model chunks", "streamed (exact)" or "windows with context (...)": what
// encode_long/decode_long will do for an input of `frames` code frames.
std::string long_audio_method(const Codec& codec, int64_t frames, const LongAudioOptions& options);

// audio [1, C, T] -> codes as Codec::encode (audio_length = T).
EncodedAudioCodes encode_long(const Codec& codec, const at::Tensor& audio, double bandwidth,
                              const LongAudioOptions& options);
// The inverse of encode_long, as Codec::decode.
at::Tensor decode_long(const Codec& codec, const EncodedAudioCodes& encoded, const LongAudioOptions& options);

}  // namespace almkit::codecs
