// Audio that arrives inside requests: base64 (`input_audio.data`), data: URLs (`audio_url`) and
// multipart uploads, decoded in memory with the limits the server was started with. Every failure
// is an ApiError naming the request field, so a bad clip is a 400, never a crash.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "almkit/audio.h"

namespace almkit::serve {

// Strict RFC 4648 base64 (standard alphabet; '=' padding optional; CR/LF ignored). Throws
// ApiError 400 naming `param` on any other character or a bad length.
std::vector<uint8_t> decode_base64(const std::string& text, const std::string& param);
std::string encode_base64(const uint8_t* data, size_t size);

struct AudioLimits {
  int sample_rate = 16000;    // clips are resampled to the model's rate
  double max_seconds = 30.0;  // longer clips are refused (413-free 400: the body was fine)
};

// Decodes an encoded file (WAV, FLAC, Ogg, MP3: whatever libsndfile reads) to mono at the
// model's rate. `format` is the client's hint ("wav", "mp3", ...; may be empty) and is only
// checked to be a name; libsndfile detects the real container.
AudioBuffer decode_audio_bytes(const std::vector<uint8_t>& bytes, const std::string& format,
                               const AudioLimits& limits, const std::string& param);

// `data:audio/wav;base64,....` -> bytes (and the subtype as the format hint). Remote http(s)
// URLs are refused: the server never fetches on a client's behalf.
std::vector<uint8_t> decode_data_url(const std::string& url, const std::string& param,
                                     std::string& format);

}  // namespace almkit::serve
