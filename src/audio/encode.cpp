// WAV writing through libsndfile, to a path or to memory (for HTTP bodies and base64 payloads).
#include <sndfile.h>

#include <cstring>
#include <string>

#include "almkit/audio.h"
#include "almkit/error.h"

namespace almkit {
namespace {

struct GrowingBuffer {
  std::vector<uint8_t> bytes;
  sf_count_t position = 0;
};

sf_count_t buffer_length(void* user) {
  return static_cast<sf_count_t>(static_cast<GrowingBuffer*>(user)->bytes.size());
}
sf_count_t buffer_seek(sf_count_t offset, int whence, void* user) {
  auto* buffer = static_cast<GrowingBuffer*>(user);
  const auto size = static_cast<sf_count_t>(buffer->bytes.size());
  const sf_count_t target =
      whence == SEEK_SET ? offset : whence == SEEK_CUR ? buffer->position + offset : size + offset;
  if (target < 0) return -1;
  buffer->position = target;
  return target;
}
sf_count_t buffer_read(void* out, sf_count_t count, void* user) {
  auto* buffer = static_cast<GrowingBuffer*>(user);
  const auto size = static_cast<sf_count_t>(buffer->bytes.size());
  const sf_count_t n = std::max<sf_count_t>(0, std::min(count, size - buffer->position));
  if (n > 0) std::memcpy(out, buffer->bytes.data() + buffer->position, static_cast<size_t>(n));
  buffer->position += n;
  return n;
}
sf_count_t buffer_write(const void* in, sf_count_t count, void* user) {
  auto* buffer = static_cast<GrowingBuffer*>(user);
  const auto end = static_cast<size_t>(buffer->position + count);
  if (buffer->bytes.size() < end) buffer->bytes.resize(end);
  std::memcpy(buffer->bytes.data() + buffer->position, in, static_cast<size_t>(count));
  buffer->position += count;
  return count;
}
sf_count_t buffer_tell(void* user) { return static_cast<GrowingBuffer*>(user)->position; }

SF_INFO wav_info(const AudioBuffer& audio, WavEncoding encoding) {
  SF_INFO info{};
  info.samplerate = audio.sample_rate;
  info.channels = audio.channels;
  info.format = SF_FORMAT_WAV | (encoding == WavEncoding::kPcm16 ? SF_FORMAT_PCM_16 : SF_FORMAT_FLOAT);
  return info;
}

void write_frames(SNDFILE* file, const AudioBuffer& audio, const std::string& name) {
  // Clip rather than wrap when a float sample is outside [-1, 1] in a PCM file.
  sf_command(file, SFC_SET_CLIPPING, nullptr, SF_TRUE);
  const sf_count_t frames = audio.num_frames();
  const sf_count_t written = sf_writef_float(file, audio.samples.data(), frames);
  const std::string reason = sf_strerror(file);
  sf_close(file);
  if (written != frames) {
    throw Error(ErrorCode::kIo, "writing '" + name + "' stopped after " + std::to_string(written) +
                                    " of " + std::to_string(frames) + " frames: " + reason);
  }
}

}  // namespace

void write_wav(const std::string& path, const AudioBuffer& audio, WavEncoding encoding) {
  validate_audio(audio, "audio for '" + path + "'");
  SF_INFO info = wav_info(audio, encoding);
  SNDFILE* file = sf_open(path.c_str(), SFM_WRITE, &info);
  if (file == nullptr) {
    throw Error(ErrorCode::kIo, "cannot write '" + path + "': " + sf_strerror(nullptr));
  }
  write_frames(file, audio, path);
}

std::vector<uint8_t> encode_wav(const AudioBuffer& audio, WavEncoding encoding) {
  validate_audio(audio, "audio to encode as WAV");
  SF_INFO info = wav_info(audio, encoding);
  GrowingBuffer buffer;
  SF_VIRTUAL_IO io{buffer_length, buffer_seek, buffer_read, buffer_write, buffer_tell};
  SNDFILE* file = sf_open_virtual(&io, SFM_WRITE, &info, &buffer);
  if (file == nullptr) {
    throw Error(ErrorCode::kInternal, std::string("cannot encode WAV: ") + sf_strerror(nullptr));
  }
  write_frames(file, audio, "<memory>");
  return std::move(buffer.bytes);
}

}  // namespace almkit
