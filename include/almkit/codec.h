// Neural audio codecs (EnCodec, DAC, Mimi): a clip <-> its discrete codes, on plain float and
// integer buffers (no libtorch in this header).
//
//   auto codec = almkit::AudioCodec::load("encodec_24khz");
//   almkit::AudioBuffer clip = almkit::load_audio("x.wav", {codec->sample_rate()});
//   almkit::AudioCodes codes = codec->encode(clip, 6.0);  // kbps, one of bandwidths()
//   almkit::AudioBuffer back = codec->decode(codes);
//
// A loaded codec is immutable: encode and decode may run from several threads at once.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "almkit/audio.h"
#include "almkit/export.h"

namespace almkit {

struct AudioCodecOptions {
  std::string device = "cpu";  // any libtorch device string: "cpu", "cuda", "cuda:1"
  // Mimi: attend causally within the sliding window (Kyutai's streaming model). The default
  // attends across the whole call, as transformers 4.47.1 computes Mimi.
  bool causal_attention = false;
  // Intra-op threads of this codec's encode / decode calls (on the calling thread only);
  // 0 leaves the calling thread's setting, as ModelOptions::num_threads.
  int num_threads = 0;
};

// The codes of one clip.
struct AudioCodes {
  // [chunks, quantizers, frames], row-major. chunks > 1 only for models that cut their input
  // into chunks themselves (48 kHz EnCodec), as transformers' audio_codes.
  std::vector<int64_t> codes;
  int64_t chunks = 1, quantizers = 0, frames = 0;
  // One scale per chunk for models that normalise each chunk (48 kHz EnCodec), else empty.
  std::vector<float> scales;
  // Samples of the encoded clip: decode trims its output to it; 0 keeps the full decoded
  // length (Mimi's is a whole number of frames, as transformers' decode returns).
  int64_t audio_length = 0;
  int sample_rate = 0;     // of the codec that made them
  double bandwidth = 0.0;  // kbps
};

class ALMKIT_API AudioCodec {
 public:
  // <folder>/config.json (model_type encodec, dac or mimi) and its safetensors. Errors name the
  // folder and the problem (missing or unused tensors, unsupported model type).
  static std::unique_ptr<AudioCodec> load(const std::string& folder, const AudioCodecOptions& options = {});
  ~AudioCodec();
  AudioCodec(const AudioCodec&) = delete;
  AudioCodec& operator=(const AudioCodec&) = delete;

  const std::string& model_type() const;  // "encodec", "dac" or "mimi"
  int sample_rate() const;
  int channels() const;
  int64_t codebook_size() const;
  int max_quantizers() const;
  double frame_rate() const;              // code frames per second
  std::vector<double> bandwidths() const;  // kbps, ascending
  double default_bandwidth() const;       // what encode uses for bandwidth 0

  // `audio` at sample_rate() (another rate is kInvalidArgument: resample first); mono input to a
  // stereo model is duplicated, more channels than the model takes are averaged to mono.
  // bandwidth 0: default_bandwidth(); otherwise one of bandwidths().
  AudioCodes encode(const AudioBuffer& audio, double bandwidth = 0.0) const;
  // The inverse: audio at sample_rate() with channels() channels. Codes are checked first
  // (shape, codes.size(), codebook range, quantizer count, sample rate): kInvalidArgument or
  // kShapeMismatch naming the bad value.
  AudioBuffer decode(const AudioCodes& codes) const;

 private:
  struct Impl;
  explicit AudioCodec(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace almkit
