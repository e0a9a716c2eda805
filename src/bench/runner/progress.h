// The live progress line of a run (stderr): finished items (every unit of the item done) and
// model calls, each with its rate, and the ETA. Quiet mode logs a line at every tenth instead,
// for batch logs.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace almkit::bench {

class Progress {
 public:
  Progress(int64_t total, int64_t already_done, bool quiet);
  // Count items too: `remaining_units[id]` is how many units of item `id` this process still
  // runs; items absent from it are already finished; `items_total` counts this process's items.
  void track_items(std::map<std::string, int64_t> remaining_units, int64_t items_total);
  // One more unit of item `item_id` finished (thread-safe).
  void advance(const std::string& item_id);
  // The line as printed (for tests): "eval: 3/8 items 0.50/s | 7/16 model calls 1.17/s | ...".
  std::string line(bool final_line) const;
  // Ends the line (prints a final one).
  void finish();

 private:
  void print(bool final_line);
  int64_t total_, done_, computed_ = 0;
  std::map<std::string, int64_t> remaining_units_;
  int64_t items_total_ = 0, items_done_ = 0, items_computed_ = 0;
  bool tracking_items_ = false;
  bool quiet_, live_;
  int last_tenth_ = -1;
  std::chrono::steady_clock::time_point start_, last_print_;
  std::string last_id_;
  std::mutex mutex_;
};

}  // namespace almkit::bench
