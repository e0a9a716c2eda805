// The live progress line of a run (stderr): done/total, items/s, ETA. Quiet mode logs a line at
// every tenth instead, for batch logs.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

namespace almkit::bench {

class Progress {
 public:
  Progress(int64_t total, int64_t already_done, bool quiet);
  // One more unit finished (thread-safe).
  void advance(const std::string& last_id);
  // Ends the line (prints a final one).
  void finish();

 private:
  void print(bool final_line);
  int64_t total_, done_, computed_ = 0;
  bool quiet_, live_;
  int last_tenth_ = -1;
  std::chrono::steady_clock::time_point start_, last_print_;
  std::string last_id_;
  std::mutex mutex_;
};

}  // namespace almkit::bench
