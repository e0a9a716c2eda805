// Standard base64 (RFC 4648, with padding): how OpenAI's API carries audio bytes in JSON.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace almkit::remote {

std::string base64_encode(const uint8_t* data, size_t size);
inline std::string base64_encode(const std::string& bytes) {
  return base64_encode(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
}

}  // namespace almkit::remote
