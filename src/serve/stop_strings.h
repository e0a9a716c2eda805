// OpenAI `stop` strings over streamed text: pieces go in, text that can safely be shown comes out.
// Text that might be the start of a stop string is held back until it is known not to be, so a
// stream never shows the first half of a stop string.
#pragma once

#include <string>
#include <vector>

namespace almkit::serve {

class StopMatcher {
 public:
  explicit StopMatcher(std::vector<std::string> stops);

  // Adds a piece; returns the text now safe to emit. After a stop string is found, `stopped()`
  // is true and the text before it has been returned; later pieces return "".
  std::string feed(const std::string& piece);
  // The held-back tail once generation ends (no more pieces).
  std::string flush();
  bool stopped() const { return stopped_; }
  // Everything emitted so far (feed + flush results).
  const std::string& text() const { return emitted_; }

 private:
  std::vector<std::string> stops_;
  std::string pending_, emitted_;
  bool stopped_ = false;
};

}  // namespace almkit::serve
