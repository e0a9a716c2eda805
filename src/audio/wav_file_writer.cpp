#include "audio/wav_file_writer.h"

#include <sndfile.h>

#include <cstdio>

#include "almkit/error.h"

namespace almkit {

struct WavFileWriter::Handle {
  SNDFILE* file = nullptr;
  ~Handle() {
    if (file) sf_close(file);
  }
};

WavFileWriter::WavFileWriter(const std::string& path, int sample_rate, int channels,
                             WavEncoding encoding)
    : handle_(new Handle), path_(path) {
  if (sample_rate <= 0 || channels <= 0) {
    throw Error(ErrorCode::kInvalidArgument, "cannot write '" + path + "' at " +
                                                 std::to_string(sample_rate) + " Hz with " +
                                                 std::to_string(channels) + " channel(s)");
  }
  SF_INFO info{};
  info.samplerate = sample_rate;
  info.channels = channels;
  info.format =
      SF_FORMAT_WAV | (encoding == WavEncoding::kPcm16 ? SF_FORMAT_PCM_16 : SF_FORMAT_FLOAT);
  handle_->file = sf_open(path.c_str(), SFM_WRITE, &info);
  if (handle_->file == nullptr)
    throw Error(ErrorCode::kIo, "cannot write '" + path + "': " + sf_strerror(nullptr));
  sf_command(handle_->file, SFC_SET_CLIPPING, nullptr, SF_TRUE);
}

WavFileWriter::~WavFileWriter() {
  if (handle_->file) {
    sf_close(handle_->file);
    handle_->file = nullptr;
    std::remove(path_.c_str());
  }
}

void WavFileWriter::write(const float* interleaved, int64_t frames) {
  if (!handle_->file) throw Error(ErrorCode::kInvalidArgument, "'" + path_ + "' is already closed");
  const sf_count_t written = frames > 0 ? sf_writef_float(handle_->file, interleaved, frames) : 0;
  if (written != frames) {
    throw Error(ErrorCode::kIo, "writing '" + path_ + "' stopped after " +
                                    std::to_string(frames_written_ + written) +
                                    " frames: " + sf_strerror(handle_->file));
  }
  frames_written_ += frames;
}

void WavFileWriter::close() {
  if (!handle_->file) return;
  sf_write_sync(handle_->file);
  const int status = sf_close(handle_->file);
  handle_->file = nullptr;
  if (status != 0)
    throw Error(ErrorCode::kIo, "closing '" + path_ + "' failed: " + sf_error_number(status));
}

}  // namespace almkit
