// Audio in and out: decode any file libsndfile reads (WAV, FLAC, Ogg Vorbis, Opus, MP3) from a
// path or memory, downmix, resample with libsoxr, write WAV. Samples are float32 in [-1, 1].
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "almkit/export.h"

namespace almkit {

// Interleaved samples: frame f, channel c is samples[f * channels + c].
struct AudioBuffer {
  int sample_rate = 0;
  int channels = 0;
  std::vector<float> samples;

  int64_t num_frames() const { return channels > 0 ? static_cast<int64_t>(samples.size()) / channels : 0; }
  double duration_seconds() const {
    return sample_rate > 0 ? static_cast<double>(num_frames()) / sample_rate : 0.0;
  }
  // One channel as a contiguous vector (0-based); throws if out of range.
  std::vector<float> channel(int index) const;
  // The mean of all channels.
  std::vector<float> mono() const;
};

struct AudioLoadOptions {
  int target_sample_rate = 0;  // 0 keeps the file's rate; otherwise resampled with soxr HQ
  bool mono = true;            // average channels (false keeps them, e.g. for spatial tasks)
  double offset_seconds = 0.0;
  double duration_seconds = 0.0;  // 0 reads to the end
};

// Throws Error naming the file: kFileNotFound, kInvalidFormat (corrupt, truncated, not audio,
// zero samples, NaN/Inf samples), kInvalidArgument (a directory, a bad option), kUnsupported (a
// target rate more than 64 times the file's).
ALMKIT_API AudioBuffer load_audio(const std::string& path, const AudioLoadOptions& options = {});
// Same from an encoded file held in memory; `name` appears in error messages.
ALMKIT_API AudioBuffer load_audio_from_memory(const void* data, size_t size,
                                              const AudioLoadOptions& options = {},
                                              const std::string& name = "<memory>");

// High-quality (soxr HQ) resampling of every channel; returns a copy when the rate is the same.
ALMKIT_API AudioBuffer resample(const AudioBuffer& audio, int target_sample_rate);

// Checks an in-memory buffer: rate > 0, channels > 0, samples a whole number of frames, at least
// one frame, all finite. `source` names the buffer in the error.
ALMKIT_API void validate_audio(const AudioBuffer& audio, const std::string& source);

enum class WavEncoding { kPcm16, kFloat32 };
ALMKIT_API void write_wav(const std::string& path, const AudioBuffer& audio,
                          WavEncoding encoding = WavEncoding::kPcm16);
ALMKIT_API std::vector<uint8_t> encode_wav(const AudioBuffer& audio,
                                           WavEncoding encoding = WavEncoding::kPcm16);

}  // namespace almkit
