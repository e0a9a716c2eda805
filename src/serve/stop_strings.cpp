#include "serve/stop_strings.h"

#include <algorithm>

namespace almkit::serve {

StopMatcher::StopMatcher(std::vector<std::string> stops) : stops_(std::move(stops)) {}

std::string StopMatcher::feed(const std::string& piece) {
  if (stopped_) return "";
  pending_ += piece;
  if (stops_.empty()) {
    std::string out;
    out.swap(pending_);
    emitted_ += out;
    return out;
  }
  // The earliest complete stop string ends the text.
  size_t first = std::string::npos;
  for (const auto& stop : stops_) first = std::min(first, pending_.find(stop));
  if (first != std::string::npos) {
    stopped_ = true;
    std::string out = pending_.substr(0, first);
    pending_.clear();
    emitted_ += out;
    return out;
  }
  // Hold back the longest tail that is a prefix of some stop string.
  size_t hold = 0;
  for (const auto& stop : stops_) {
    for (size_t length = std::min(stop.size() - 1, pending_.size()); length > hold; --length) {
      if (pending_.compare(pending_.size() - length, length, stop, 0, length) == 0) {
        hold = length;
        break;
      }
    }
  }
  std::string out = pending_.substr(0, pending_.size() - hold);
  pending_.erase(0, pending_.size() - hold);
  emitted_ += out;
  return out;
}

std::string StopMatcher::flush() {
  if (stopped_) return "";
  std::string out;
  out.swap(pending_);
  emitted_ += out;
  return out;
}

}  // namespace almkit::serve
