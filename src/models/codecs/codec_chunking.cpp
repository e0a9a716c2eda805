#include "models/codecs/codec_chunking.h"

#include <cmath>

#include "almkit/error.h"
#include "audio/audio_file_reader.h"
#include "models/codecs/overlap_add.h"

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

// Enough to choose a method; encoded_frames gives the exact count.
int64_t approximate_frames(const Codec& codec, int64_t samples) {
  return (samples + codec.frame_samples() - 1) / codec.frame_samples();
}

bool chunked(const Plan& plan) {
  return plan.method == Method::kStream || plan.method == Method::kWindows;
}

void report(const LongAudioOptions& options, int64_t done, int64_t total) {
  if (options.progress) options.progress(std::min(done, total), total);
}

class TensorSource : public AudioSource {
 public:
  explicit TensorSource(const at::Tensor& audio) : audio_(audio) {}
  int64_t length() const override { return audio_.size(-1); }
  at::Tensor read(int64_t samples) override {
    const int64_t n = std::max<int64_t>(0, std::min(samples, length() - position_));
    at::Tensor out = audio_.narrow(-1, position_, n);
    position_ += n;
    return out;
  }

 private:
  at::Tensor audio_;
  int64_t position_ = 0;
};

// Decodes a whole file block by block to count its frames (for headers that only estimate it).
int64_t count_frames(const std::string& path) {
  AudioFileReader reader(path, /*mono=*/true);
  std::vector<float> block;
  int64_t frames = 0;
  for (int64_t n; (n = reader.read(1 << 16, block)) > 0;) frames += n;
  if (frames == 0)
    throw Error(ErrorCode::kInvalidFormat, "'" + path + "' contains no audio samples");
  return frames;
}

class FileSource : public AudioSource {
 public:
  FileSource(const Codec& codec, const std::string& path)
      : codec_(codec), reader_(path, /*mono=*/true) {
    // codec_input's own check of the rate, before anything is read.
    codec_input(codec, AudioBuffer{reader_.sample_rate(), 1, {0.f}}, path);
    length_ = reader_.exact_length() ? reader_.frames() : count_frames(path);
  }
  int64_t length() const override { return length_; }
  at::Tensor read(int64_t samples) override {
    samples = std::min(samples, length_ - position_);
    AudioBuffer block{reader_.sample_rate(), 1, {}};
    int64_t got = 0;
    std::vector<float> part;
    while (got < samples) {  // libsndfile may return less than asked before the end
      const int64_t n = reader_.read(samples - got, part);
      if (n == 0) break;
      block.samples.insert(block.samples.end(), part.begin(), part.end());
      got += n;
    }
    position_ += got;
    if (got < samples) {  // only a counted length can be wrong: the file changed in between
      throw Error(ErrorCode::kInvalidFormat, "'" + reader_.path() + "' ended after " +
                                                 std::to_string(position_) + " of " +
                                                 std::to_string(length_) + " frames");
    }
    if (got == 0) return at::empty({1, codec_.channels(), 0}, at::kFloat);
    return codec_input(codec_, block, reader_.path());
  }

 private:
  const Codec& codec_;
  AudioFileReader reader_;
  int64_t length_ = 0, position_ = 0;
};

// The input from the start of the current window on: windows only move forward, so what lies
// before a window's start is dropped and what lies past its end is not read yet.
class WindowReader {
 public:
  explicit WindowReader(AudioSource& source) : source_(source) {}
  at::Tensor window(int64_t from, int64_t to) {
    if (from < start_)
      throw Error(ErrorCode::kInternal, "window reader: windows must move forward");
    if (buffer_.defined() && from > start_) {
      const int64_t drop = std::min(from - start_, buffer_.size(-1));
      buffer_ = buffer_.narrow(-1, drop, buffer_.size(-1) - drop);
      start_ += drop;
    }
    if (start_ < from) {  // a gap between windows (no context): skip it
      source_.read(from - start_);
      start_ = from;
    }
    const int64_t have = start_ + (buffer_.defined() ? buffer_.size(-1) : 0);
    if (to > have) {
      const at::Tensor more = source_.read(to - have);
      buffer_ = buffer_.defined() ? at::cat({buffer_, more}, -1) : more.contiguous();
    }
    return buffer_.narrow(-1, 0, std::min(to - from, buffer_.size(-1)));
  }

 private:
  AudioSource& source_;
  at::Tensor buffer_;  // samples [start_, start_ + size)
  int64_t start_ = 0;
};

void check_codes(const Codec& codec, const at::Tensor& codes) {
  if (codes.size(2) < 1 || codes.size(2) > codec.max_quantizers()) {
    throw Error(ErrorCode::kInvalidArgument, codec.model_type() + ": " +
                                                 std::to_string(codes.size(2)) +
                                                 " quantizers in the codes, the model has " +
                                                 std::to_string(codec.max_quantizers()));
  }
  const int64_t low = codes.min().item<int64_t>(), high = codes.max().item<int64_t>();
  if (low < 0 || high >= codec.codebook_size()) {
    throw Error(ErrorCode::kInvalidArgument,
                codec.model_type() + ": code " + std::to_string(low < 0 ? low : high) +
                    " is outside its codebook [0, " + std::to_string(codec.codebook_size()) + ")");
  }
}

}  // namespace

std::string long_audio_method(const Codec& codec, int64_t frames, const LongAudioOptions& options) {
  const Plan plan = plan_for(codec, frames, options, true);
  switch (plan.method) {
    case Method::kOnePass:
      return "one pass";
    case Method::kModelChunks:
      return "the model's own chunks of " + std::to_string(codec.model_chunk_length()) +
             " samples, " + std::to_string(codec.model_chunk_stride()) + " apart (exact)";
    case Method::kStream:
      return "streamed in " + std::to_string(plan.chunk) + "-frame chunks (exact)";
    case Method::kWindows:
      break;
  }
  return "windows of " + std::to_string(plan.chunk) + " frames with " +
         std::to_string(plan.context) + " frames of context each side (" +
         (codec.model_type() == "dac" ? "exact up to float rounding"
                                      : "approximate at window edges") +
         ")";
}

bool encodes_in_chunks(const Codec& codec, int64_t samples, const LongAudioOptions& options) {
  if (codec.chunks_itself()) return samples > codec.model_chunk_stride();
  return chunked(plan_for(codec, approximate_frames(codec, samples), options, true));
}

bool decodes_in_chunks(const Codec& codec, const EncodedAudioCodes& encoded,
                       const LongAudioOptions& options) {
  const at::Tensor& codes = encoded.codes;
  if (!codes.defined() || codes.dim() != 4) return false;
  if (codec.chunks_itself()) return codes.size(0) > 1;
  return codes.size(0) == 1 && chunked(plan_for(codec, codes.size(3), options, false));
}

CodesLayout encoded_layout(const Codec& codec, int64_t samples, double bandwidth) {
  CodesLayout layout;
  if (!codec.chunks_itself()) {
    layout.quantizers = codec.quantizers_for_bandwidth(bandwidth);
    layout.frames = encoded_frames(codec, samples);
    return layout;
  }
  const int64_t stride = codec.model_chunk_stride();
  const EncodedAudioCodes probe = codec.encode_model_chunk(
      at::zeros({1, codec.channels(), codec.model_chunk_length()}, at::kFloat), bandwidth);
  layout.chunks = (samples + stride - 1) / stride;
  layout.quantizers = probe.codes.size(2);
  layout.frames = probe.codes.size(3);
  layout.scales = !probe.scales.empty() && probe.scales[0].defined();
  return layout;
}

int64_t encoded_frames(const Codec& codec, int64_t samples) {
  const int64_t hop = codec.frame_samples();
  const int64_t probe =
      std::min(samples, samples % hop + 4 * hop);  // 4 frames: past any minimum length
  const at::Tensor zeros = at::zeros({1, codec.channels(), probe}, at::kFloat);
  return codec.encode(zeros, codec.default_bandwidth()).codes.size(-1) + (samples - probe) / hop;
}

std::unique_ptr<AudioSource> tensor_source(const at::Tensor& audio) {
  return std::make_unique<TensorSource>(audio);
}

std::unique_ptr<AudioSource> file_source(const Codec& codec, const std::string& path) {
  return std::make_unique<FileSource>(codec, path);
}

namespace {

// The model's own chunks, read one at a time (zero-padded at the end, as Codec::encode pads).
void encode_model_chunks(const Codec& codec, AudioSource& source, double bandwidth,
                         const LongAudioOptions& options, const CodesSink& sink) {
  const int64_t length = source.length(), size = codec.model_chunk_length();
  const int64_t stride = codec.model_chunk_stride();
  const int64_t chunks = (length + stride - 1) / stride;
  WindowReader input(source);
  for (int64_t c = 0; c < chunks; ++c) {
    at::Tensor chunk = input.window(c * stride, std::min(length, c * stride + size));
    if (chunk.size(-1) < size) chunk = at::constant_pad_nd(chunk, {0, size - chunk.size(-1)}, 0);
    const EncodedAudioCodes encoded = codec.encode_model_chunk(chunk, bandwidth);
    sink(encoded.codes[0], encoded.scales.empty() ? at::Tensor() : encoded.scales[0]);
    report(options, (c + 1) * encoded.codes.size(3), chunks * encoded.codes.size(3));
  }
}

// The model's own chunks decoded one at a time and joined as Codec::decode joins them.
void decode_model_chunks(const Codec& codec, const EncodedAudioCodes& encoded,
                         const LongAudioOptions& options,
                         const std::function<void(const at::Tensor&)>& emit) {
  const int64_t chunks = encoded.codes.size(0), frames = encoded.codes.size(3);
  StreamingOverlapAdd joined(codec.model_chunk_stride());
  for (int64_t c = 0; c < chunks; ++c) {
    EncodedAudioCodes one;
    one.codes = encoded.codes.narrow(0, c, 1);
    if (c < static_cast<int64_t>(encoded.scales.size())) one.scales.push_back(encoded.scales[c]);
    emit(joined.push(codec.decode_model_chunk(one)));
    report(options, (c + 1) * frames, chunks * frames);
  }
  emit(joined.finish());
}

}  // namespace

void encode_chunks(const Codec& codec, AudioSource& source, double bandwidth,
                   const LongAudioOptions& options, const CodesSink& sink) {
  if (codec.chunks_itself()) {
    encode_model_chunks(codec, source, bandwidth, options, sink);
    return;
  }
  const int64_t hop = codec.frame_samples(), length = source.length();
  const Plan plan = plan_for(codec, approximate_frames(codec, length), options, true);
  if (!chunked(plan)) {
    throw Error(ErrorCode::kInvalidArgument, codec.model_type() + ": " + std::to_string(length) +
                                                 " samples are encoded in one call, not in chunks");
  }
  const int64_t frames = encoded_frames(codec, length);
  int64_t delivered = 0;
  if (plan.method == Method::kStream) {
    const std::unique_ptr<Codec::Stream> stream = codec.encode_stream(bandwidth);
    for (int64_t start = 0; start < length; start += plan.chunk * hop) {
      const int64_t n = std::min(plan.chunk * hop, length - start);
      const at::Tensor codes = stream->push(source.read(n), start + n >= length);
      delivered += codes.size(-1);
      sink(codes, at::Tensor());
      report(options, (start + n + hop - 1) / hop, frames);
    }
  } else {
    WindowReader input(source);
    for (int64_t first = 0; first * hop < length; first += plan.chunk) {
      const int64_t from = std::max<int64_t>(0, first - plan.context);
      const int64_t to = std::min(length, (first + plan.chunk + plan.context) * hop);
      const bool last = (first + plan.chunk) * hop >= length;
      const at::Tensor codes = codec.encode(input.window(from * hop, to), bandwidth).codes[0];
      const int64_t offset = first - from;
      const int64_t keep = last ? codes.size(-1) - offset : plan.chunk;
      delivered += keep;
      sink(codes.narrow(-1, offset, keep), at::Tensor());
      report(options, first + plan.chunk, frames);
    }
  }
  if (delivered != frames) {
    throw Error(ErrorCode::kInternal, codec.model_type() + ": the chunked encode gave " +
                                          std::to_string(delivered) + " code frames for " +
                                          std::to_string(length) + " samples, expected " +
                                          std::to_string(frames));
  }
}

void decode_chunks(const Codec& codec, const EncodedAudioCodes& encoded,
                   const LongAudioOptions& options, const AudioSink& sink) {
  const at::Tensor& codes = encoded.codes;
  const bool model_chunks = codec.chunks_itself();
  if (!codes.defined() || codes.dim() != 4 || codes.size(0) < 1 || codes.size(3) < 1 ||
      (!model_chunks && codes.size(0) != 1)) {
    throw Error(ErrorCode::kInvalidArgument,
                codec.model_type() + ": chunked decoding takes codes [" +
                    (model_chunks ? "chunks" : "1") + ", batch, quantizers, frames]");
  }
  const int64_t frames = codes.size(3), hop = codec.frame_samples();
  const Plan plan = plan_for(codec, frames, options, false);
  if (!model_chunks && !chunked(plan)) {
    throw Error(ErrorCode::kInvalidArgument, codec.model_type() + ": " + std::to_string(frames) +
                                                 " frames are decoded in one call, not in chunks");
  }
  check_codes(codec, codes);  // every code up front, not when its window comes
  const int64_t limit = encoded.audio_length > 0 ? encoded.audio_length : INT64_MAX;
  int64_t emitted = 0;
  const auto emit = [&](const at::Tensor& audio) {
    const int64_t n = std::min(audio.size(-1), limit - emitted);
    if (n <= 0) return;
    sink(n == audio.size(-1) ? audio : audio.narrow(-1, 0, n));
    emitted += n;
  };
  if (model_chunks) {
    decode_model_chunks(codec, encoded, options, emit);
    return;
  }
  if (plan.method == Method::kStream) {
    const std::unique_ptr<Codec::Stream> stream = codec.decode_stream();
    for (int64_t first = 0; first < frames; first += plan.chunk) {
      const int64_t n = std::min(plan.chunk, frames - first);
      emit(stream->push(codes[0].narrow(-1, first, n), first + n >= frames));
      report(options, first + n, frames);
    }
    return;
  }
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
    emit(audio.narrow(-1, offset, keep));
    report(options, first + plan.chunk, frames);
  }
}

EncodedAudioCodes encode_long(const Codec& codec, const at::Tensor& audio, double bandwidth,
                              const LongAudioOptions& options) {
  const int64_t frames = approximate_frames(codec, audio.size(-1));
  if (codec.chunks_itself() || !encodes_in_chunks(codec, audio.size(-1), options)) {
    EncodedAudioCodes out = codec.encode(audio, bandwidth);
    report(options, frames, frames);
    return out;
  }
  std::vector<at::Tensor> parts;  // [B, n_q, frames] each
  const std::unique_ptr<AudioSource> source = tensor_source(audio);
  encode_chunks(codec, *source, bandwidth, options,
                [&](const at::Tensor& codes, const at::Tensor&) { parts.push_back(codes); });
  EncodedAudioCodes out;
  out.codes = at::cat(parts, -1).unsqueeze(0);
  out.scales.push_back(at::Tensor());
  out.audio_length = audio.size(-1);
  return out;
}

at::Tensor decode_long(const Codec& codec, const EncodedAudioCodes& encoded,
                       const LongAudioOptions& options) {
  const at::Tensor& codes = encoded.codes;
  if (!codes.defined() || codes.dim() != 4)
    return codec.decode(encoded);  // the codec names the problem
  const int64_t frames = codes.size(3);
  if (codec.chunks_itself() || !decodes_in_chunks(codec, encoded, options)) {
    at::Tensor audio = codec.decode(encoded);
    report(options, frames, frames);
    return audio;
  }
  std::vector<at::Tensor> parts;
  decode_chunks(codec, encoded, options, [&](const at::Tensor& audio) { parts.push_back(audio); });
  return at::cat(parts, -1);
}

}  // namespace almkit::codecs
