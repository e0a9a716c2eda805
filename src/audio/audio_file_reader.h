// Reads an audio file block by block through libsndfile (optionally downmixed to mono), so a long
// file is processed without ever being held whole; the frame count is known before reading.
// Checks as load_audio: missing file, a directory, empty, undecodable, truncated, NaN/Inf samples.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace almkit {

class AudioFileReader {
 public:
  explicit AudioFileReader(const std::string& path, bool mono = true);
  ~AudioFileReader();
  AudioFileReader(const AudioFileReader&) = delete;
  AudioFileReader& operator=(const AudioFileReader&) = delete;

  int sample_rate() const { return sample_rate_; }
  int channels() const { return out_channels_; }  // 1 when mono
  // The frames the header declares; exact unless !exact_length() (MP3 headers estimate).
  int64_t frames() const { return frames_; }
  bool exact_length() const { return exact_length_; }
  const std::string& path() const { return path_; }

  // Replaces `out` with up to `frames` next frames, interleaved; returns how many (0 at the end).
  // At the end of a file shorter than its header declares, throws kInvalidFormat (truncated).
  int64_t read(int64_t frames, std::vector<float>& out);

 private:
  struct Handle;
  std::unique_ptr<Handle> handle_;
  std::string path_;
  int sample_rate_ = 0, in_channels_ = 0, out_channels_ = 0;
  int64_t frames_ = 0, frames_read_ = 0;
  bool exact_length_ = true;
  std::vector<float> block_;
};

}  // namespace almkit
