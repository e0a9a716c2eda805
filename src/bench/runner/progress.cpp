#include "bench/runner/progress.h"

#include <unistd.h>

#include <cstdio>

namespace almkit::bench {
namespace {

std::string clock_text(double seconds) {
  if (seconds < 0 || seconds > 360000) return "--:--";
  const auto total = static_cast<long long>(seconds + 0.5);
  char text[32];
  if (total >= 3600) {
    std::snprintf(text, sizeof(text), "%lld:%02lld:%02lld", total / 3600, (total / 60) % 60,
                  total % 60);
  } else {
    std::snprintf(text, sizeof(text), "%lld:%02lld", total / 60, total % 60);
  }
  return text;
}

}  // namespace

Progress::Progress(int64_t total, int64_t already_done, bool quiet)
    : total_(total), done_(already_done), quiet_(quiet), live_(!quiet && isatty(STDERR_FILENO)) {
  start_ = last_print_ = std::chrono::steady_clock::now();
  if (!quiet_ && !live_) last_tenth_ = total_ ? int(10 * done_ / total_) : 10;
}

void Progress::track_items(std::map<std::string, int64_t> remaining_units, int64_t items_total) {
  std::lock_guard<std::mutex> lock(mutex_);
  remaining_units_ = std::move(remaining_units);
  items_total_ = items_total;
  items_done_ = items_total - static_cast<int64_t>(remaining_units_.size());
  tracking_items_ = true;
}

void Progress::advance(const std::string& item_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++done_;
  ++computed_;
  last_id_ = item_id;
  auto item = remaining_units_.find(item_id);
  if (item != remaining_units_.end() && --item->second == 0) {
    remaining_units_.erase(item);
    ++items_done_;
    ++items_computed_;
  }
  const auto now = std::chrono::steady_clock::now();
  if (live_) {
    if (now - last_print_ > std::chrono::milliseconds(200) || done_ == total_) {
      last_print_ = now;
      print(false);
    }
    return;
  }
  const int tenth = total_ ? int(10 * done_ / total_) : 10;
  if (tenth != last_tenth_) {
    last_tenth_ = tenth;
    print(false);
  }
}

std::string Progress::line(bool final_line) const {
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double rate = elapsed > 0 ? double(computed_) / elapsed : 0.0;
  const double eta = rate > 0 ? double(total_ - done_) / rate : -1.0;
  char text[320];
  std::string items;
  if (tracking_items_) {
    const double item_rate = elapsed > 0 ? double(items_computed_) / elapsed : 0.0;
    std::snprintf(text, sizeof(text), "%lld/%lld items %.2f/s | ",
                  static_cast<long long>(items_done_), static_cast<long long>(items_total_),
                  item_rate);
    items = text;
  }
  std::snprintf(text, sizeof(text), "eval: %s%lld/%lld model calls %.2f/s | elapsed %s  ETA %s  %s",
                items.c_str(), static_cast<long long>(done_), static_cast<long long>(total_), rate,
                clock_text(elapsed).c_str(), final_line ? "0:00" : clock_text(eta).c_str(),
                last_id_.substr(0, 32).c_str());
  return text;
}

void Progress::print(bool final_line) {
  const std::string text = line(final_line);
  if (live_) {
    std::fprintf(stderr, "\r%-130s", text.c_str());
    if (final_line) std::fputc('\n', stderr);
  } else {
    std::fprintf(stderr, "%s\n", text.c_str());
  }
  std::fflush(stderr);
}

void Progress::finish() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (live_) print(true);
}

}  // namespace almkit::bench
