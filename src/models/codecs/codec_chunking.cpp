#include "models/codecs/codec_chunking.h"

#include <cmath>

#include "almkit/error.h"

namespace almkit::codecs {
namespace {

enum class Method { kOnePass, kModelChunks, kStream, kWindows };

struct Plan {
  Method method;
  int64_t chunk = 0, context = 0;  // code frames
};

Plan plan_for(const Codec& codec, int64_t frames, const LongAudioOptions& options, bool encoding) {
  if (!(options.chunk_seconds > 0) || !(options.context_seconds >= 0)) {
    throw Error(ErrorCode::kInvalidArgument, "chunk length must be > 0 s and context >= 0 s");
  }
  Plan plan{Method::kOnePass};
  plan.chunk = std::max<int64_t>(1, std::llround(options.chunk_seconds * codec.frame_rate()));
  plan.context = static_cast<int64_t>(std::ceil(options.context_seconds * codec.frame_rate()));
  if (codec.chunks_itself()) {
    plan.method = Method::kModelChunks;
  } else if (frames > plan.chunk) {
    const bool streams = encoding ? codec.encode_stream(codec.default_bandwidth()) != nullptr
                                  : codec.decode_stream() != nullptr;
    plan.method = streams ? Method::kStream : Method::kWindows;
  }
  return plan;
}

void report(const LongAudioOptions& options, int64_t done, int64_t total) {
  if (options.progress) options.progress(std::min(done, total), total);
}

}  // namespace

std::string long_audio_method(const Codec& codec, int64_t frames, const LongAudioOptions& options) {
  const Plan plan = plan_for(codec, frames, options, true);
  switch (plan.method) {
    case Method::kOnePass: return "one pass";
    case Method::kModelChunks: return "the model's own chunks (exact)";
    case Method::kStream: return "streamed in " + std::to_string(plan.chunk) + "-frame chunks (exact)";
    case Method::kWindows: break;
  }
  return "windows of " + std::to_string(plan.chunk) + " frames with " + std::to_string(plan.context) +
         " frames of context each side (" +
         (codec.model_type() == "dac" ? "exact up to float rounding" : "approximate at window edges") + ")";
}

EncodedAudioCodes encode_long(const Codec& codec, const at::Tensor& audio, double bandwidth,
                              const LongAudioOptions& options) {
  const int64_t hop = codec.frame_samples(), length = audio.size(-1);
  const int64_t frames = (length + hop - 1) / hop;
  const Plan plan = plan_for(codec, frames, options, true);
  if (plan.method == Method::kOnePass || plan.method == Method::kModelChunks) {
    EncodedAudioCodes out = codec.encode(audio, bandwidth);
    report(options, frames, frames);
    return out;
  }
  std::vector<at::Tensor> parts;  // [B, n_q, frames] each
  if (plan.method == Method::kStream) {
    const std::unique_ptr<Codec::Stream> stream = codec.encode_stream(bandwidth);
    for (int64_t start = 0; start < length; start += plan.chunk * hop) {
      const int64_t n = std::min(plan.chunk * hop, length - start);
      parts.push_back(stream->push(audio.narrow(-1, start, n), start + n >= length));
      report(options, (start + n + hop - 1) / hop, frames);
    }
  } else {
    for (int64_t first = 0; first * hop < length; first += plan.chunk) {
      const int64_t from = std::max<int64_t>(0, first - plan.context);
      const int64_t to = std::min(length, (first + plan.chunk + plan.context) * hop);
      const bool last = (first + plan.chunk) * hop >= length;
      const at::Tensor codes = codec.encode(audio.narrow(-1, from * hop, to - from * hop), bandwidth).codes[0];
      const int64_t offset = first - from;
      const int64_t keep = last ? codes.size(-1) - offset : plan.chunk;
      parts.push_back(codes.narrow(-1, offset, keep));
      report(options, first + plan.chunk, frames);
    }
  }
  EncodedAudioCodes out;
  out.codes = at::cat(parts, -1).unsqueeze(0);
  out.scales.push_back(at::Tensor());
  out.audio_length = length;
  return out;
}

at::Tensor decode_long(const Codec& codec, const EncodedAudioCodes& encoded, const LongAudioOptions& options) {
  const at::Tensor& codes = encoded.codes;
  if (!codes.defined() || codes.dim() != 4) return codec.decode(encoded);  // the codec names the problem
  const int64_t frames = codes.size(3), hop = codec.frame_samples();
  const Plan plan = plan_for(codec, codes.size(0) == 1 ? frames : 0, options, false);
  if (plan.method == Method::kOnePass || plan.method == Method::kModelChunks) {
    at::Tensor audio = codec.decode(encoded);
    report(options, frames, frames);
    return audio;
  }
  // Every code is checked up front, not when its window comes.
  if (codes.size(2) < 1 || codes.size(2) > codec.max_quantizers()) {
    throw Error(ErrorCode::kInvalidArgument, codec.model_type() + ": " + std::to_string(codes.size(2)) +
                                                 " quantizers in the codes, the model has " +
                                                 std::to_string(codec.max_quantizers()));
  }
  const int64_t low = codes.min().item<int64_t>(), high = codes.max().item<int64_t>();
  if (low < 0 || high >= codec.codebook_size()) {
    throw Error(ErrorCode::kInvalidArgument, codec.model_type() + ": code " + std::to_string(low < 0 ? low : high) +
                                                 " is outside its codebook [0, " +
                                                 std::to_string(codec.codebook_size()) + ")");
  }
  std::vector<at::Tensor> parts;
  if (plan.method == Method::kStream) {
    const std::unique_ptr<Codec::Stream> stream = codec.decode_stream();
    for (int64_t first = 0; first < frames; first += plan.chunk) {
      const int64_t n = std::min(plan.chunk, frames - first);
      parts.push_back(stream->push(codes[0].narrow(-1, first, n), first + n >= frames));
      report(options, first + n, frames);
    }
  } else {
    for (int64_t first = 0; first < frames; first += plan.chunk) {
      const int64_t from = std::max<int64_t>(0, first - plan.context);
      const int64_t to = std::min(frames, first + plan.chunk + plan.context);
      const bool last = first + plan.chunk >= frames;
      EncodedAudioCodes window;
      window.codes = codes.narrow(3, from, to - from);
      window.scales = encoded.scales;
      const at::Tensor audio = codec.decode(window);
      const int64_t offset = (first - from) * hop;
      const int64_t keep = last ? audio.size(-1) - offset : plan.chunk * hop;
      parts.push_back(audio.narrow(-1, offset, keep));
      report(options, first + plan.chunk, frames);
    }
  }
  at::Tensor audio = at::cat(parts, -1);
  if (encoded.audio_length > 0 && encoded.audio_length < audio.size(-1)) {
    audio = audio.narrow(-1, 0, encoded.audio_length);
  }
  return audio;
}

}  // namespace almkit::codecs
