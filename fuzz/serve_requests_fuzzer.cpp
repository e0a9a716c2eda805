// Fuzzes what `almkit serve` reads from clients before the engine sees it: chat and completion
// bodies (every field, audio parts as base64 input_audio and data: URLs), base64 itself, data
// URLs, and uploaded audio bytes (the transcription endpoint's file field). An input may only be
// refused with ApiError (or almkit::Error): anything else would be a 500 instead of a 400.
#include <cstdint>
#include <string>

#include "almkit/error.h"
#include "serve/api_error.h"
#include "serve/audio_parts.h"
#include "serve/requests.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t mode = data[0];
  const std::string body(reinterpret_cast<const char*>(data + 1), size - 1);
  almkit::serve::ModelInfo model;
  model.served_name = "almkit-test";
  model.accepts_audio = (mode & 0x80) == 0;
  model.max_positions = 4096;
  model.audio.max_seconds = 2.0;
  try {
    switch ((mode & 0x7f) % 5) {
      case 0:
        (void)almkit::serve::parse_chat_request(body, model);
        break;
      case 1:
        (void)almkit::serve::parse_completion_request(body, model);
        break;
      case 2: {
        const std::vector<uint8_t> bytes = almkit::serve::decode_base64(body, "input_audio.data");
        const std::string round_trip = almkit::serve::encode_base64(bytes.data(), bytes.size());
        if (almkit::serve::decode_base64(round_trip, "x") != bytes) __builtin_trap();
        break;
      }
      case 3: {
        std::string format;
        const auto bytes = almkit::serve::decode_data_url(body, "audio_url.url", format);
        (void)almkit::serve::decode_audio_bytes(bytes, format, model.audio, "audio_url");
        break;
      }
      case 4: {
        const std::vector<uint8_t> bytes(body.begin(), body.end());
        (void)almkit::serve::decode_audio_bytes(bytes, "wav", model.audio, "file");
        break;
      }
    }
  } catch (const almkit::serve::ApiError&) {
  } catch (const almkit::Error&) {
  }
  return 0;
}
