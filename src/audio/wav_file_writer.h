// Writes a WAV file block by block (libsndfile fixes the header's sizes on close), so long
// decoded audio goes to disk as it is produced.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "almkit/audio.h"

namespace almkit {

class WavFileWriter {
 public:
  // Throws kIo naming the path when it cannot be created; kInvalidArgument for a bad rate/channels.
  WavFileWriter(const std::string& path, int sample_rate, int channels,
                WavEncoding encoding = WavEncoding::kPcm16);
  // Removes the file if close() was not called: an unfinished WAV is not left behind.
  ~WavFileWriter();
  WavFileWriter(const WavFileWriter&) = delete;
  WavFileWriter& operator=(const WavFileWriter&) = delete;

  // Appends interleaved frames; PCM output clips samples outside [-1, 1] instead of wrapping.
  void write(const float* interleaved, int64_t frames);
  void close();
  int64_t frames_written() const { return frames_written_; }

 private:
  struct Handle;
  std::unique_ptr<Handle> handle_;
  std::string path_;
  int64_t frames_written_ = 0;
};

}  // namespace almkit
