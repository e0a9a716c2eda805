#include "bench/runner/audio_windows.h"

#include <sndfile.h>

#include <cmath>
#include <cstdio>
#include <filesystem>

#include "almkit/error.h"

namespace almkit::bench {

double audio_file_seconds(const std::string& path) {
  if (!std::filesystem::exists(path))
    throw Error(ErrorCode::kFileNotFound, path + ": audio file not found");
  SF_INFO info{};
  SNDFILE* file = sf_open(path.c_str(), SFM_READ, &info);
  if (!file) {
    throw Error(ErrorCode::kInvalidFormat,
                path + ": not a readable audio file (" + sf_strerror(nullptr) + ")");
  }
  sf_close(file);
  // Some compressed formats report no frame count; the model call then checks the length.
  if (info.samplerate <= 0 || info.frames <= 0 || info.frames == SF_COUNT_MAX) return 0.0;
  return double(info.frames) / double(info.samplerate);
}

int window_count(double seconds, double max_seconds) {
  if (max_seconds <= 0.0 || seconds <= max_seconds + 1e-9) return 1;
  return static_cast<int>(std::ceil(seconds / max_seconds - 1e-9));
}

std::vector<AudioBuffer> split_into_windows(const AudioBuffer& clip, double max_seconds) {
  const int windows = window_count(clip.duration_seconds(), max_seconds);
  if (windows == 1) return {clip};
  std::vector<AudioBuffer> out;
  const int64_t frames = clip.num_frames();
  for (int w = 0; w < windows; ++w) {
    const int64_t begin = frames * w / windows, end = frames * (w + 1) / windows;
    AudioBuffer part;
    part.sample_rate = clip.sample_rate;
    part.channels = clip.channels;
    part.samples.assign(clip.samples.begin() + begin * clip.channels,
                        clip.samples.begin() + end * clip.channels);
    out.push_back(std::move(part));
  }
  return out;
}

std::vector<AudioBuffer> apply_long_audio_policy(AudioBuffer clip, const std::string& path,
                                                 const std::string& policy, double max_seconds) {
  if (max_seconds <= 0.0 || clip.duration_seconds() <= max_seconds + 1e-9) return {std::move(clip)};
  if (policy == "refuse") {
    char text[160];
    std::snprintf(text, sizeof(text), ": %.2f s is longer than the %.2f s audio window",
                  clip.duration_seconds(), max_seconds);
    throw Error(ErrorCode::kInvalidArgument, path + text + " (--long-audio refuse)");
  }
  if (policy == "truncate") {
    const auto frames = static_cast<int64_t>(std::floor(max_seconds * clip.sample_rate));
    clip.samples.resize(size_t(frames * clip.channels));
    return {std::move(clip)};
  }
  return split_into_windows(clip, max_seconds);
}

}  // namespace almkit::bench
