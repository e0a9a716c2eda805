// Resource limits of one chat-template render. A template comes with a checkpoint from anyone,
// and a server renders one per request: `range(100000000)`, `'ab' * 10**9`, a string doubled in
// a loop or a loop that never ends must be a clear error within a second or so, not gigabytes
// or a hung process. Real templates stay far below every bound (the largest rendered prompt of
// the reference templates is a few kB, their longest render ~10^4 steps).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "almkit/error.h"

namespace almkit::jinja {

inline constexpr size_t kMaxStringBytes = size_t{16} << 20;  // any string value, and the output
inline constexpr size_t kMaxListItems = size_t{1} << 20;     // any list (range(), list * n)
inline constexpr int64_t kMaxSteps = 10'000'000;             // statements + expressions per render
// Lists, dicts and bound methods inside one another: printing, comparing and freeing a value
// recurse once per level, so `{% set x = [x] %}` in a long loop would overflow the stack.
inline constexpr int kMaxValueDepth = 256;
inline constexpr double kMaxSeconds = 2.0;                   // wall time per render

// The per-render budget (tests lower it to check the exact count).
struct RenderLimits {
  int64_t max_steps = kMaxSteps;
  double max_seconds = kMaxSeconds;
};

// Throw almkit::Error (kUnsupported) naming `what` and the limit when `bytes` / `items` exceed
// it; call before building the value, so the refusal costs nothing.
inline void check_string_size(size_t bytes, const std::string& what) {
  if (bytes > kMaxStringBytes) {
    throw Error(ErrorCode::kUnsupported, what + " would make a string of " + std::to_string(bytes) +
                                             " bytes, beyond the chat-template limit of " +
                                             std::to_string(kMaxStringBytes));
  }
}
inline void check_list_size(size_t items, const std::string& what) {
  if (items > kMaxListItems) {
    throw Error(ErrorCode::kUnsupported, what + " would make a list of " + std::to_string(items) +
                                             " items, beyond the chat-template limit of " +
                                             std::to_string(kMaxListItems));
  }
}

}  // namespace almkit::jinja
