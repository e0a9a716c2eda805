// Long inputs with bounded memory: a codec's activations grow with the input (Mimi's first
// layers hold 64 channels per sample), so long files go through the model in chunks.
//   - the model chunks itself (48 kHz EnCodec): its own chunks one at a time, joined by a
//     streaming linear overlap-add (exact: the model's own result);
//   - the codec streams (causal Mimi): consecutive chunks with carried state (exact);
//   - otherwise windows of `chunk_seconds`, each with `context_seconds` of extra input on both
//     sides whose outputs are dropped. Exact up to float rounding when the context covers the
//     model's receptive field (DAC: ~8 frames); approximate when it cannot (EnCodec's LSTM,
//     Mimi's whole-call attention as transformers computes it).
// Inputs no longer than one window are processed in one call, exactly as `encode`/`decode`.
//
// The last two methods also run from an AudioSource to a sink (encode_chunks / decode_chunks),
// so neither the input, the output nor the codes need to be in memory at once: the window
// reader keeps one window of input (chunk + 2 x context), the sinks take each chunk's result.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "models/codecs/codec.h"

namespace almkit::codecs {

struct LongAudioOptions {
  double chunk_seconds = 30.0;
  double context_seconds = 5.0;
  // Called after each chunk with code frames done and in all.
  std::function<void(int64_t done, int64_t total)> progress;
};

// "one pass", "the model's own chunks", "streamed (exact)" or "windows with context (...)": how
// an input of `frames` code frames goes through the model.
std::string long_audio_method(const Codec& codec, int64_t frames, const LongAudioOptions& options);
// True when an input of `samples` samples goes through the model in several calls (the model's
// own chunks, more than one of them; streamed; windows), so that encode_chunks applies and the
// input need not be held whole.
bool encodes_in_chunks(const Codec& codec, int64_t samples, const LongAudioOptions& options);
// The same for decoding `encoded` (several model chunks, or [1, 1, n_q, frames] codes longer
// than one chunk): decode_chunks applies.
bool decodes_in_chunks(const Codec& codec, const EncodedAudioCodes& encoded,
                       const LongAudioOptions& options);
// Code frames an encode of `samples` input samples gives, for codecs that do not chunk
// themselves (chunked or not; the codes file header needs it before the first chunk). The
// codecs' convolution stacks give one more frame per hop of input, so one short probe encode
// with the same remainder tells (DAC: floor-like, EnCodec and Mimi: ceil(samples / hop)).
int64_t encoded_frames(const Codec& codec, int64_t samples);

// The shape of the codes encode_chunks delivers for `samples` samples, known before the first
// chunk (the codes file's header is written first): [chunks, 1, quantizers, frames] codes, plus
// one scale per chunk when `scales`. One chunk of encoded_frames for windows and streams; the
// model's own chunks (ceil(samples / stride), each as many frames as a probe encode of one
// chunk of zeros gives) for codecs that chunk themselves.
struct CodesLayout {
  int64_t chunks = 1, quantizers = 0, frames = 0;
  bool scales = false;
};
CodesLayout encoded_layout(const Codec& codec, int64_t samples, double bandwidth);

// The codec's input read in order: [1, C, n] blocks, whose total length is known up front.
class AudioSource {
 public:
  virtual ~AudioSource() = default;
  virtual int64_t length() const = 0;
  // The next `samples` samples; fewer only at the end, none after it.
  virtual at::Tensor read(int64_t samples) = 0;
};
// A source over audio [1, C, T] in memory.
std::unique_ptr<AudioSource> tensor_source(const at::Tensor& audio);
// A source over an audio file, read block by block, shaped as codec_input shapes a decoded file
// (mono, at the model's rate, or kInvalidArgument naming both rates). The file's header must give
// its exact length, or (MP3, whose header only estimates it) the file is decoded once up front
// to count its frames exactly: decoding is cheap next to the codec, and memory stays one block.
std::unique_ptr<AudioSource> file_source(const Codec& codec, const std::string& path);

// Encodes `source` chunk by chunk when encodes_in_chunks (otherwise kInvalidArgument; codecs that
// chunk themselves are always accepted), handing `sink` the codes [1, n_q, frames] of each chunk
// in order (as encoded_layout says) and, for a model that normalises its chunks, the chunk's
// scale [1, 1] (otherwise undefined). Windows and streams give the codes encode_long gives for
// the same audio in memory (the same calls are made); model chunks give Codec::encode's.
using CodesSink = std::function<void(const at::Tensor& codes, const at::Tensor& scale)>;
void encode_chunks(const Codec& codec, AudioSource& source, double bandwidth,
                   const LongAudioOptions& options, const CodesSink& sink);
// Decodes codes [1, 1, n_q, frames] chunk by chunk when decodes_in_chunks (otherwise
// kInvalidArgument), or the model's own chunks [n, 1, n_q, frames] one by one with a streaming
// overlap-add (the same audio as Codec::decode), handing `sink` each piece of audio [1, C, n] in
// order, trimmed to `encoded.audio_length` when > 0. Every code is checked before the first chunk.
using AudioSink = std::function<void(const at::Tensor& audio)>;
void decode_chunks(const Codec& codec, const EncodedAudioCodes& encoded,
                   const LongAudioOptions& options, const AudioSink& sink);

// audio [1, C, T] -> codes as Codec::encode (audio_length = T).
EncodedAudioCodes encode_long(const Codec& codec, const at::Tensor& audio, double bandwidth,
                              const LongAudioOptions& options);
// The inverse of encode_long, as Codec::decode.
at::Tensor decode_long(const Codec& codec, const EncodedAudioCodes& encoded,
                       const LongAudioOptions& options);

}  // namespace almkit::codecs
