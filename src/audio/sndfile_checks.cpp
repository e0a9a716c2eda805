#include "audio/sndfile_checks.h"

#include <sys/stat.h>

#include <cmath>
#include <cstring>

#include "almkit/error.h"

namespace almkit {

SNDFILE* open_audio_file(const std::string& path, SF_INFO& info) {
  struct stat status {};
  if (stat(path.c_str(), &status) != 0) {
    throw Error(ErrorCode::kFileNotFound, "audio file '" + path + "' does not exist");
  }
  if (S_ISDIR(status.st_mode)) {
    throw Error(ErrorCode::kInvalidArgument, "'" + path + "' is a directory, not an audio file");
  }
  if (status.st_size == 0) {
    throw Error(ErrorCode::kInvalidFormat, "audio file '" + path + "' is empty (0 bytes)");
  }
  info = SF_INFO{};
  SNDFILE* file = sf_open(path.c_str(), SFM_READ, &info);
  if (file == nullptr) {
    throw Error(ErrorCode::kInvalidFormat, "cannot decode '" + path + "': " + sf_strerror(nullptr));
  }
  return file;
}

bool log_reports_truncation(SNDFILE* file) {
  char log[4096] = {0};
  sf_command(file, SFC_GET_LOG_INFO, log, sizeof(log));
  return std::strstr(log, "should be") != nullptr || std::strstr(log, "truncated") != nullptr ||
         std::strstr(log, "exceeds file size") != nullptr;
}

void check_finite_samples(const float* samples, int64_t count, int channels, int64_t first_frame,
                          int sample_rate, const std::string& name) {
  for (int64_t i = 0; i < count; ++i) {
    if (!std::isfinite(samples[i])) {
      const int64_t frame = first_frame + i / channels;
      throw Error(ErrorCode::kInvalidFormat,
                  "'" + name + "' has a non-finite sample (NaN or Inf) at frame " +
                      std::to_string(frame) + " (" +
                      std::to_string(static_cast<double>(frame) / sample_rate) + " s)");
    }
  }
}

}  // namespace almkit
