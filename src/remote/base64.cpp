#include "remote/base64.h"

namespace almkit::remote {

std::string base64_encode(const uint8_t* data, size_t size) {
  static const char* digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out((size + 2) / 3 * 4, '=');
  char* o = out.data();
  size_t i = 0;
  for (; i + 3 <= size; i += 3) {
    const uint32_t v = (uint32_t(data[i]) << 16) | (uint32_t(data[i + 1]) << 8) | data[i + 2];
    *o++ = digits[v >> 18];
    *o++ = digits[(v >> 12) & 63];
    *o++ = digits[(v >> 6) & 63];
    *o++ = digits[v & 63];
  }
  if (i < size) {
    const bool two = i + 1 < size;
    const uint32_t v = (uint32_t(data[i]) << 16) | (two ? uint32_t(data[i + 1]) << 8 : 0);
    *o++ = digits[v >> 18];
    *o++ = digits[(v >> 12) & 63];
    if (two) *o++ = digits[(v >> 6) & 63];
  }
  return out;
}

}  // namespace almkit::remote
