// The checks every libsndfile reader in almkit makes, for the whole-file decoder (decode.cpp) and
// the block reader (audio_file_reader.cpp) alike, so both refuse bad files with the same words.
#pragma once

#include <sndfile.h>

#include <cstdint>
#include <string>

namespace almkit {

// Opens `path` for reading after checking it exists, is a file and is not empty; throws Error
// naming the path otherwise or when libsndfile cannot decode it. The caller closes the handle.
SNDFILE* open_audio_file(const std::string& path, SF_INFO& info);

// libsndfile quietly shortens a truncated WAV/AIFF to what the file holds; its log says so.
bool log_reports_truncation(SNDFILE* file);

// Throws Error naming `name`, the frame and its time when any of `count` interleaved samples
// (`channels` per frame, the first at frame `first_frame`) is NaN or infinite.
void check_finite_samples(const float* samples, int64_t count, int channels, int64_t first_frame,
                          int sample_rate, const std::string& name);

}  // namespace almkit
