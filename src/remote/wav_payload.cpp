#include "remote/wav_payload.h"

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <sstream>

#include "almkit/audio.h"
#include "almkit/error.h"
#include "bench/runner/audio_windows.h"

namespace almkit::remote {
namespace {

uint32_t read_u32(const std::string& b, size_t at) {
  return uint32_t(uint8_t(b[at])) | uint32_t(uint8_t(b[at + 1])) << 8 |
         uint32_t(uint8_t(b[at + 2])) << 16 | uint32_t(uint8_t(b[at + 3])) << 24;
}
uint16_t read_u16(const std::string& b, size_t at) {
  return uint16_t(uint8_t(b[at]) | uint8_t(b[at + 1]) << 8);
}

}  // namespace

bool is_pcm16_mono_wav(const std::string& bytes, int sample_rate) {
  if (bytes.size() < 44 || bytes.compare(0, 4, "RIFF") != 0 || bytes.compare(8, 4, "WAVE") != 0)
    return false;
  bool format_ok = false;
  for (size_t at = 12; at + 8 <= bytes.size();) {
    const std::string id = bytes.substr(at, 4);
    const uint32_t size = read_u32(bytes, at + 4);
    if (id == "fmt " && at + 8 + 16 <= bytes.size()) {
      format_ok = read_u16(bytes, at + 8) == 1 && read_u16(bytes, at + 10) == 1 &&
                  read_u32(bytes, at + 12) == uint32_t(sample_rate) &&
                  read_u16(bytes, at + 22) == 16;
    } else if (id == "data") {
      // The whole data chunk must be there (a truncated file goes through the decoder's checks).
      return format_ok && at + 8 + uint64_t(size) <= bytes.size() && size > 0;
    }
    at += 8 + size + (size & 1);
  }
  return false;
}

std::string wav_payload(const std::string& path, int sample_rate, bool silent) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::kFileNotFound, path + ": cannot be read");
  std::ostringstream bytes;
  bytes << in.rdbuf();
  std::string file = bytes.str();
  if (is_pcm16_mono_wav(file, sample_rate)) {
    if (!silent) return file;
    // Silence of the same length without decoding: zero every sample of the data chunk.
    for (size_t at = 12; at + 8 <= file.size();) {
      const uint32_t size = read_u32(file, at + 4);
      if (file.compare(at, 4, "data") == 0) {
        std::fill(file.begin() + std::ptrdiff_t(at + 8), file.begin() + std::ptrdiff_t(at + 8 + size),
                  '\0');
        return file;
      }
      at += 8 + size + (size & 1);
    }
  }
  AudioLoadOptions load;
  load.target_sample_rate = sample_rate;
  load.mono = true;
  AudioBuffer clip = load_audio(path, load);
  if (silent) std::fill(clip.samples.begin(), clip.samples.end(), 0.0f);
  const std::vector<uint8_t> wav = encode_wav(clip, WavEncoding::kPcm16);
  return std::string(wav.begin(), wav.end());
}

std::vector<std::string> wav_payload_parts(const std::string& path, int sample_rate, bool silent,
                                           const std::string& policy, double max_seconds) {
  if (policy.empty()) return {wav_payload(path, sample_rate, silent)};
  AudioLoadOptions load;
  load.target_sample_rate = sample_rate;
  load.mono = true;
  AudioBuffer clip = load_audio(path, load);
  if (silent) std::fill(clip.samples.begin(), clip.samples.end(), 0.0f);
  std::vector<std::string> parts;
  for (const auto& part :
       bench::apply_long_audio_policy(std::move(clip), path, policy, max_seconds)) {
    const std::vector<uint8_t> wav = encode_wav(part, WavEncoding::kPcm16);
    parts.emplace_back(wav.begin(), wav.end());
  }
  return parts;
}

}  // namespace almkit::remote
