// Fuzzes audio decoding through libsndfile from memory (WAV, FLAC, Ogg, MP3, AIFF, ... whatever
// the bytes claim), with the mono mix, offset / duration cut and soxr resampling after it.
#include <cstdint>

#include "almkit/audio.h"
#include "almkit/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  // The first byte picks the load options; the rest is the file.
  const uint8_t mode = data[0];
  almkit::AudioLoadOptions options;
  options.mono = (mode & 1) == 0;
  options.target_sample_rate = (mode & 2) ? 16000 : 0;
  if (mode & 4) options.offset_seconds = 0.01;
  if (mode & 8) options.duration_seconds = 0.02;
  try {
    const almkit::AudioBuffer audio = almkit::load_audio_from_memory(data + 1, size - 1, options);
    almkit::validate_audio(audio, "decoded");
  } catch (const almkit::Error&) {
  }
  return 0;
}
