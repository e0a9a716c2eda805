#include "core/log.h"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <utility>

#include "almkit/error.h"
#include "almkit/log.h"

namespace almkit {
namespace {

spdlog::level::level_enum to_spdlog(LogLevel level) {
  switch (level) {
    case LogLevel::kTrace: return spdlog::level::trace;
    case LogLevel::kDebug: return spdlog::level::debug;
    case LogLevel::kInfo: return spdlog::level::info;
    case LogLevel::kWarn: return spdlog::level::warn;
    case LogLevel::kError: return spdlog::level::err;
    case LogLevel::kOff: return spdlog::level::off;
  }
  return spdlog::level::warn;
}

LogLevel from_spdlog(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace: return LogLevel::kTrace;
    case spdlog::level::debug: return LogLevel::kDebug;
    case spdlog::level::info: return LogLevel::kInfo;
    case spdlog::level::warn: return LogLevel::kWarn;
    case spdlog::level::err: return LogLevel::kError;
    default: return LogLevel::kOff;
  }
}

// stderr, or the caller's callback once one is set: one sink whose target changes under the
// sink's own lock, so lines logged while a callback is being set go to exactly one place.
class DispatchSink : public spdlog::sinks::base_sink<std::mutex> {
 public:
  DispatchSink() : stderr_(std::make_unique<spdlog::sinks::stderr_color_sink_st>()) {}
  void set_callback(LogCallback callback) {
    std::lock_guard<std::mutex> lock(mutex_);
    callback_ = std::move(callback);
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& message) override {
    if (callback_) {
      callback_(from_spdlog(message.level),
                std::string(message.payload.data(), message.payload.size()));
    } else {
      stderr_->log(message);
    }
  }
  void flush_() override { stderr_->flush(); }
  void set_pattern_(const std::string& pattern) override { stderr_->set_pattern(pattern); }
  void set_formatter_(std::unique_ptr<spdlog::formatter> formatter) override {
    stderr_->set_formatter(std::move(formatter));
  }

 private:
  std::unique_ptr<spdlog::sinks::stderr_color_sink_st> stderr_;
  LogCallback callback_;
};

const std::shared_ptr<DispatchSink>& dispatch_sink() {
  static const std::shared_ptr<DispatchSink> sink = std::make_shared<DispatchSink>();
  return sink;
}

std::shared_ptr<spdlog::logger> make_logger() {
  // Logs go to stderr so that stdout stays clean for results (JSON, ids) a script may parse.
  auto log = std::make_shared<spdlog::logger>("almkit", dispatch_sink());
  log->set_pattern("[%H:%M:%S.%e] [almkit] [%^%l%$] %v");
  LogLevel level = LogLevel::kWarn;
  if (const char* env = std::getenv("ALMKIT_LOG_LEVEL")) {
    try {
      level = parse_log_level(env);
    } catch (const Error&) {
      log->warn("ignoring ALMKIT_LOG_LEVEL='{}': expected trace, debug, info, warn, error or off",
                env);
    }
  }
  log->set_level(to_spdlog(level));
  return log;
}

}  // namespace

spdlog::logger& logger() {
  static std::shared_ptr<spdlog::logger> instance = make_logger();
  return *instance;
}

void set_log_level(LogLevel level) { logger().set_level(to_spdlog(level)); }

LogLevel log_level() {
  return from_spdlog(logger().level());
}

void set_log_callback(LogCallback callback) {
  logger();  // the sink exists before the first line
  dispatch_sink()->set_callback(std::move(callback));
}

LogLevel parse_log_level(const std::string& name) {
  std::string lower = name;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == "trace") return LogLevel::kTrace;
  if (lower == "debug") return LogLevel::kDebug;
  if (lower == "info") return LogLevel::kInfo;
  if (lower == "warn" || lower == "warning") return LogLevel::kWarn;
  if (lower == "error") return LogLevel::kError;
  if (lower == "off") return LogLevel::kOff;
  throw Error(ErrorCode::kInvalidArgument,
              "unknown log level '" + name + "' (expected trace, debug, info, warn, error, off)");
}

}  // namespace almkit
