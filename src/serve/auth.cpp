#include "serve/auth.h"

#include <algorithm>

namespace almkit::serve {

bool constant_time_equal(const std::string& a, const std::string& b) {
  // Always walks the longer string; a length mismatch is folded into the result, not an early exit.
  const size_t length = std::max(a.size(), b.size());
  volatile unsigned char difference = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < length; ++i) {
    const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    const unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    difference = difference | static_cast<unsigned char>(x ^ y);
  }
  return difference == 0;
}

bool authorized(const std::string& authorization, const std::string& key) {
  return constant_time_equal(authorization, "Bearer " + key);
}

}  // namespace almkit::serve
