#include <cmath>
#include <string>

#include "almkit/audio.h"
#include "almkit/error.h"
#include "audio/resampler.h"

namespace almkit {

std::vector<float> AudioBuffer::channel(int index) const {
  if (index < 0 || index >= channels) {
    throw Error(ErrorCode::kInvalidArgument, "channel " + std::to_string(index) +
                                                 " requested from audio with " +
                                                 std::to_string(channels) + " channel(s)");
  }
  const int64_t frames = num_frames();
  std::vector<float> out(static_cast<size_t>(frames));
  for (int64_t f = 0; f < frames; ++f) out[f] = samples[f * channels + index];
  return out;
}

std::vector<float> AudioBuffer::mono() const {
  if (channels == 1) return samples;
  if (channels <= 0) throw Error(ErrorCode::kInvalidArgument, "audio buffer has no channels");
  const int64_t frames = num_frames();
  std::vector<float> out(static_cast<size_t>(frames));
  for (int64_t f = 0; f < frames; ++f) {
    float sum = 0.f;
    for (int c = 0; c < channels; ++c) sum += samples[f * channels + c];
    out[f] = sum / channels;
  }
  return out;
}

void validate_audio(const AudioBuffer& audio, const std::string& source) {
  if (audio.sample_rate <= 0) {
    throw Error(ErrorCode::kInvalidArgument, source + ": sample rate must be positive, got " +
                                                 std::to_string(audio.sample_rate) + " Hz");
  }
  if (audio.channels <= 0) {
    throw Error(ErrorCode::kInvalidArgument,
                source + ": channel count must be positive, got " + std::to_string(audio.channels));
  }
  if (audio.samples.size() % static_cast<size_t>(audio.channels) != 0) {
    throw Error(ErrorCode::kShapeMismatch,
                source + ": " + std::to_string(audio.samples.size()) +
                    " samples is not a whole number of " + std::to_string(audio.channels) +
                    "-channel frames");
  }
  if (audio.samples.empty()) throw Error(ErrorCode::kInvalidArgument, source + ": audio is empty");
  for (size_t i = 0; i < audio.samples.size(); ++i) {
    if (!std::isfinite(audio.samples[i])) {
      throw Error(ErrorCode::kInvalidArgument,
                  source + ": sample " + std::to_string(i) + " is not finite (NaN or Inf)");
    }
  }
}

AudioBuffer resample(const AudioBuffer& audio, int target_sample_rate) {
  validate_audio(audio, "resample input");
  if (target_sample_rate <= 0) {
    throw Error(ErrorCode::kInvalidArgument,
                "resample: target rate must be positive, got " + std::to_string(target_sample_rate));
  }
  if (target_sample_rate == audio.sample_rate) return audio;
  AudioBuffer out;
  out.sample_rate = target_sample_rate;
  out.channels = audio.channels;
  StreamResampler resampler(audio.sample_rate, target_sample_rate, audio.channels);
  resampler.process(audio.samples.data(), static_cast<size_t>(audio.num_frames()), out.samples);
  resampler.finish(out.samples);
  return out;
}

}  // namespace almkit
