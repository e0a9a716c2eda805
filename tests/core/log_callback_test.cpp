// The log callback: lines at or above the level go to it (message only) instead of stderr, and an
// empty callback restores stderr.
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "almkit/log.h"
#include "core/log.h"

namespace almkit {
namespace {

TEST(LogCallback, ReceivesLinesAtOrAboveTheLevelInsteadOfStderr) {
  const LogLevel before = log_level();
  std::vector<std::pair<LogLevel, std::string>> lines;
  set_log_level(LogLevel::kInfo);
  set_log_callback(
      [&lines](LogLevel level, const std::string& message) { lines.emplace_back(level, message); });
  logger().debug("below the level");
  logger().info("eval: {} model calls", 3);
  logger().warn("a warning");
  testing::internal::CaptureStderr();
  set_log_callback(nullptr);
  logger().warn("back on stderr");
  const std::string written = testing::internal::GetCapturedStderr();
  set_log_level(before);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], std::make_pair(LogLevel::kInfo, std::string("eval: 3 model calls")));
  EXPECT_EQ(lines[1], std::make_pair(LogLevel::kWarn, std::string("a warning")));
  EXPECT_NE(written.find("back on stderr"), std::string::npos);
}

TEST(LogCallback, IsCalledOneLineAtATimeFromSeveralThreads) {
  int calls = 0, inside = 0, overlapping = 0;
  set_log_callback([&](LogLevel, const std::string&) {
    overlapping += inside++ > 0 ? 1 : 0;
    ++calls;
    --inside;
  });
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([] {
      for (int i = 0; i < 200; ++i) logger().error("line {}", i);
    });
  }
  for (auto& thread : threads) thread.join();
  set_log_callback(nullptr);
  EXPECT_EQ(calls, 800);
  EXPECT_EQ(overlapping, 0);
}

}  // namespace
}  // namespace almkit
