#include "serve/audio_parts.h"

#include <cctype>
#include <cmath>
#include <cstdio>

#include "almkit/error.h"
#include "serve/api_error.h"

namespace almkit::serve {
namespace {

int base64_value(unsigned char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

std::string seconds_text(double seconds) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.2f", seconds);
  return text;
}

}  // namespace

std::vector<uint8_t> decode_base64(const std::string& text, const std::string& param) {
  std::vector<uint8_t> out;
  out.reserve(text.size() / 4 * 3 + 3);
  uint32_t accumulator = 0;
  int bits = 0;
  size_t symbols = 0, padding = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\r' || c == '\n') continue;
    if (c == '=') {
      ++padding;
      continue;
    }
    const int value = base64_value(c);
    if (value < 0 || padding > 0) {
      throw bad_request(param,
                        param + " is not valid base64 (character " +
                            std::to_string(static_cast<int>(c)) + " at offset " +
                            std::to_string(i) + ")",
                        "invalid_base64");
    }
    accumulator = (accumulator << 6) | static_cast<uint32_t>(value);
    bits += 6;
    ++symbols;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<uint8_t>((accumulator >> bits) & 0xFF));
    }
  }
  if (symbols % 4 == 1 || padding > 2 || (padding > 0 && (symbols + padding) % 4 != 0)) {
    throw bad_request(
        param, param + " is not valid base64 (truncated: " + std::to_string(symbols) + " symbols)",
        "invalid_base64");
  }
  return out;
}

std::string encode_base64(const uint8_t* data, size_t size) {
  static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((size + 2) / 3 * 4);
  for (size_t i = 0; i < size; i += 3) {
    const uint32_t chunk = (static_cast<uint32_t>(data[i]) << 16) |
                           (i + 1 < size ? static_cast<uint32_t>(data[i + 1]) << 8 : 0) |
                           (i + 2 < size ? static_cast<uint32_t>(data[i + 2]) : 0);
    out.push_back(alphabet[(chunk >> 18) & 63]);
    out.push_back(alphabet[(chunk >> 12) & 63]);
    out.push_back(i + 1 < size ? alphabet[(chunk >> 6) & 63] : '=');
    out.push_back(i + 2 < size ? alphabet[chunk & 63] : '=');
  }
  return out;
}

AudioBuffer decode_audio_bytes(const std::vector<uint8_t>& bytes, const std::string& format,
                               const AudioLimits& limits, const std::string& param) {
  if (bytes.empty()) throw bad_request(param, param + " holds no audio bytes", "invalid_audio");
  for (char c : format) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.') {
      throw bad_request(param, param + ": format must be a short name such as \"wav\"",
                        "invalid_audio_format");
    }
  }
  AudioLoadOptions options;
  options.target_sample_rate = limits.sample_rate;
  options.mono = true;
  AudioBuffer audio;
  try {
    audio = load_audio_from_memory(bytes.data(), bytes.size(), options, param);
  } catch (const Error& error) {
    throw bad_request(param, std::string("could not decode ") + param + ": " + error.what(),
                      "invalid_audio");
  }
  if (audio.duration_seconds() > limits.max_seconds + 1e-6) {
    throw bad_request(param,
                      param + " is " + seconds_text(audio.duration_seconds()) +
                          " s long; this server takes at most " + seconds_text(limits.max_seconds) +
                          " s per clip",
                      "audio_too_long");
  }
  return audio;
}

std::vector<uint8_t> decode_data_url(const std::string& url, const std::string& param,
                                     std::string& format) {
  if (url.rfind("data:", 0) != 0) {
    throw bad_request(
        param,
        param +
            " must be a data: URL (data:audio/wav;base64,...); the server fetches no remote URLs",
        "unsupported_url");
  }
  const size_t comma = url.find(',');
  if (comma == std::string::npos)
    throw bad_request(param, param + " is a data: URL without a comma", "invalid_url");
  const std::string header = url.substr(5, comma - 5);
  if (header.size() < 7 || header.compare(header.size() - 7, 7, ";base64") != 0) {
    throw bad_request(param, param + " must be base64 encoded (data:audio/wav;base64,...)",
                      "invalid_url");
  }
  const std::string mime = header.substr(0, header.size() - 7);
  const size_t slash = mime.find('/');
  format = slash == std::string::npos ? "" : mime.substr(slash + 1);
  const size_t semicolon = format.find(';');
  if (semicolon != std::string::npos) format.resize(semicolon);
  return decode_base64(url.substr(comma + 1), param);
}

}  // namespace almkit::serve
