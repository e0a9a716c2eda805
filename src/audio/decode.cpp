// Decoding through libsndfile, block by block: downmix and resample happen per block so a long
// file never exists twice in memory.
#include <sndfile.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <string>

#include "almkit/audio.h"
#include "almkit/error.h"
#include "audio/resampler.h"
#include "audio/sndfile_checks.h"

namespace almkit {
namespace {

constexpr sf_count_t kBlockFrames = 1 << 16;

struct MemoryFile {
  const uint8_t* data;
  sf_count_t size;
  sf_count_t position;
};

sf_count_t memory_length(void* user) { return static_cast<MemoryFile*>(user)->size; }
sf_count_t memory_seek(sf_count_t offset, int whence, void* user) {
  auto* file = static_cast<MemoryFile*>(user);
  sf_count_t target = whence == SEEK_SET ? offset
                      : whence == SEEK_CUR ? file->position + offset
                                           : file->size + offset;
  if (target < 0 || target > file->size) return -1;
  file->position = target;
  return target;
}
sf_count_t memory_read(void* out, sf_count_t count, void* user) {
  auto* file = static_cast<MemoryFile*>(user);
  const sf_count_t n = std::min(count, file->size - file->position);
  if (n > 0) std::memcpy(out, file->data + file->position, static_cast<size_t>(n));
  file->position += std::max<sf_count_t>(n, 0);
  return std::max<sf_count_t>(n, 0);
}
sf_count_t memory_write(const void*, sf_count_t, void*) { return 0; }
sf_count_t memory_tell(void* user) { return static_cast<MemoryFile*>(user)->position; }

struct SndfileCloser {
  void operator()(SNDFILE* file) const { sf_close(file); }
};
using SndfilePtr = std::unique_ptr<SNDFILE, SndfileCloser>;

AudioBuffer decode(SNDFILE* raw, const SF_INFO& info, const std::string& name,
                   const AudioLoadOptions& options) {
  SndfilePtr file(raw);
  if (info.samplerate <= 0) {
    throw Error(ErrorCode::kInvalidFormat, "'" + name + "': sample rate is " +
                                               std::to_string(info.samplerate) + " Hz");
  }
  if (info.channels <= 0) {
    throw Error(ErrorCode::kInvalidFormat, "'" + name + "': it declares no channels");
  }
  if (log_reports_truncation(file.get())) {
    throw Error(ErrorCode::kInvalidFormat,
                "'" + name + "' is truncated: its header promises more audio than the file holds");
  }
  if (options.target_sample_rate < 0 || options.offset_seconds < 0 || options.duration_seconds < 0) {
    throw Error(ErrorCode::kInvalidArgument,
                "loading '" + name + "': target rate, offset and duration must not be negative");
  }
  const int in_channels = info.channels;
  const int out_channels = options.mono ? 1 : in_channels;
  if (options.offset_seconds > 0) {
    const auto start = static_cast<sf_count_t>(std::llround(options.offset_seconds * info.samplerate));
    if (sf_seek(file.get(), start, SEEK_SET) < 0) {
      throw Error(ErrorCode::kInvalidArgument, "'" + name + "': cannot seek to " +
                                                   std::to_string(options.offset_seconds) + " s");
    }
  }
  sf_count_t remaining = -1;
  if (options.duration_seconds > 0) {
    remaining = static_cast<sf_count_t>(std::llround(options.duration_seconds * info.samplerate));
  }

  AudioBuffer out;
  out.channels = out_channels;
  out.sample_rate = info.samplerate;
  std::unique_ptr<StreamResampler> resampler;
  if (options.target_sample_rate > 0 && options.target_sample_rate != info.samplerate) {
    try {
      resampler = std::make_unique<StreamResampler>(info.samplerate, options.target_sample_rate,
                                                    out_channels);
    } catch (const Error& error) {
      throw Error(error.code(), "'" + name + "': " + error.what());
    }
    out.sample_rate = options.target_sample_rate;
  }
  if (info.frames > 0 && info.frames < (sf_count_t(1) << 40)) {
    const double ratio = static_cast<double>(out.sample_rate) / info.samplerate;
    sf_count_t frames = remaining >= 0 ? std::min(remaining, info.frames) : info.frames;
    // The header's frame count is a claim, not a promise (a 1 kB file may declare 2^39 frames):
    // reserve at most 2^25 samples up front and let the vector grow past that if the data is real.
    const double wanted = static_cast<double>(frames) * ratio * out_channels + 4096;
    out.samples.reserve(static_cast<size_t>(std::min(wanted, double(1 << 25))));
  }

  std::vector<float> block(static_cast<size_t>(kBlockFrames) * in_channels);
  std::vector<float> mixed(options.mono && in_channels > 1 ? kBlockFrames : 0);
  int64_t frames_read = 0;
  while (remaining != 0) {
    const sf_count_t want = remaining > 0 ? std::min(remaining, kBlockFrames) : kBlockFrames;
    const sf_count_t got = sf_readf_float(file.get(), block.data(), want);
    if (got <= 0) break;
    check_finite_samples(block.data(), got * in_channels, in_channels, frames_read, info.samplerate, name);
    const float* chunk = block.data();
    if (!mixed.empty()) {
      for (sf_count_t f = 0; f < got; ++f) {
        float sum = 0.f;
        for (int c = 0; c < in_channels; ++c) sum += block[f * in_channels + c];
        mixed[f] = sum / in_channels;
      }
      chunk = mixed.data();
    }
    if (resampler) {
      resampler->process(chunk, static_cast<size_t>(got), out.samples);
    } else {
      out.samples.insert(out.samples.end(), chunk, chunk + got * out_channels);
    }
    frames_read += got;
    if (remaining > 0) remaining -= got;
  }
  if (sf_error(file.get()) != SF_ERR_NO_ERROR) {
    throw Error(ErrorCode::kInvalidFormat,
                "'" + name + "' is corrupt: " + sf_strerror(file.get()) + " after " +
                    std::to_string(frames_read) + " frames");
  }
  // FLAC and others stop quietly at a cut; the frame count their header declared tells.
  const bool exact_length = (info.format & SF_FORMAT_TYPEMASK) != SF_FORMAT_MPEG;
  if (exact_length && remaining < 0 && options.offset_seconds == 0 && info.frames > 0 &&
      info.frames < (sf_count_t(1) << 40) && frames_read < info.frames) {
    throw Error(ErrorCode::kInvalidFormat,
                "'" + name + "' is truncated: it declares " + std::to_string(info.frames) +
                    " frames but only " + std::to_string(frames_read) + " could be decoded");
  }
  if (frames_read == 0) {
    throw Error(ErrorCode::kInvalidFormat, "'" + name + "' contains no audio samples");
  }
  if (resampler) resampler->finish(out.samples);
  return out;
}

}  // namespace

AudioBuffer load_audio(const std::string& path, const AudioLoadOptions& options) {
  SF_INFO info{};
  SNDFILE* file = open_audio_file(path, info);
  return decode(file, info, path, options);
}

AudioBuffer load_audio_from_memory(const void* data, size_t size, const AudioLoadOptions& options,
                                   const std::string& name) {
  if (data == nullptr || size == 0) {
    throw Error(ErrorCode::kInvalidFormat, "'" + name + "' is empty (0 bytes)");
  }
  MemoryFile memory{static_cast<const uint8_t*>(data), static_cast<sf_count_t>(size), 0};
  SF_VIRTUAL_IO io{memory_length, memory_seek, memory_read, memory_write, memory_tell};
  SF_INFO info{};
  SNDFILE* file = sf_open_virtual(&io, SFM_READ, &info, &memory);
  if (file == nullptr) {
    throw Error(ErrorCode::kInvalidFormat, "cannot decode '" + name + "': " + sf_strerror(nullptr));
  }
  return decode(file, info, name, options);
}

}  // namespace almkit
