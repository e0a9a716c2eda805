#include "audio/audio_file_reader.h"

#include <sndfile.h>

#include "almkit/error.h"
#include "audio/sndfile_checks.h"

namespace almkit {

struct AudioFileReader::Handle {
  SNDFILE* file = nullptr;
  ~Handle() {
    if (file) sf_close(file);
  }
};

AudioFileReader::AudioFileReader(const std::string& path, bool mono)
    : handle_(new Handle), path_(path) {
  SF_INFO info{};
  handle_->file = open_audio_file(path, info);
  if (info.samplerate <= 0 || info.channels <= 0) {
    throw Error(ErrorCode::kInvalidFormat, "'" + path + "': sample rate " +
                                               std::to_string(info.samplerate) + " Hz, " +
                                               std::to_string(info.channels) + " channel(s)");
  }
  if (log_reports_truncation(handle_->file)) {
    throw Error(ErrorCode::kInvalidFormat,
                "'" + path + "' is truncated: its header promises more audio than the file holds");
  }
  sample_rate_ = info.samplerate;
  in_channels_ = info.channels;
  out_channels_ = mono ? 1 : info.channels;
  exact_length_ =
      (info.format & SF_FORMAT_TYPEMASK) != SF_FORMAT_MPEG && info.frames < (sf_count_t(1) << 40);
  frames_ = info.frames;
  if (frames_ <= 0)
    throw Error(ErrorCode::kInvalidFormat, "'" + path + "' contains no audio samples");
}

AudioFileReader::~AudioFileReader() = default;

int64_t AudioFileReader::read(int64_t frames, std::vector<float>& out) {
  block_.resize(static_cast<size_t>(frames) * in_channels_);
  const sf_count_t got = frames > 0 ? sf_readf_float(handle_->file, block_.data(), frames) : 0;
  if (sf_error(handle_->file) != SF_ERR_NO_ERROR) {
    throw Error(ErrorCode::kInvalidFormat,
                "'" + path_ + "' is corrupt: " + sf_strerror(handle_->file) + " after " +
                    std::to_string(frames_read_) + " frames");
  }
  check_finite_samples(block_.data(), got * in_channels_, in_channels_, frames_read_, sample_rate_, path_);
  if (frames > 0 && got == 0 && exact_length_ && frames_read_ < frames_) {
    throw Error(ErrorCode::kInvalidFormat, "'" + path_ + "' is truncated: it declares " +
                                               std::to_string(frames_) + " frames but only " +
                                               std::to_string(frames_read_) + " could be decoded");
  }
  out.resize(static_cast<size_t>(got) * out_channels_);
  if (out_channels_ == in_channels_) {
    std::copy(block_.begin(), block_.begin() + got * in_channels_, out.begin());
  } else {
    for (sf_count_t f = 0; f < got; ++f) {
      float sum = 0.f;
      for (int c = 0; c < in_channels_; ++c) sum += block_[f * in_channels_ + c];
      out[f] = sum / in_channels_;
    }
  }
  frames_read_ += got;
  return got;
}

}  // namespace almkit
