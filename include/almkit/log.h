// Logging control. almkit logs through spdlog to stderr; the level starts from ALMKIT_LOG_LEVEL
// (trace, debug, info, warn, error, off; default warn) and can be changed here, and the lines can
// go to a callback instead (as whisper.cpp's whisper_log_set).
#pragma once

#include <functional>
#include <string>

#include "almkit/export.h"

namespace almkit {

enum class LogLevel { kTrace, kDebug, kInfo, kWarn, kError, kOff };

ALMKIT_API void set_log_level(LogLevel level);
ALMKIT_API LogLevel log_level();
// Parses "trace" .. "off" (case-insensitive); throws Error(kInvalidArgument) naming the value.
ALMKIT_API LogLevel parse_log_level(const std::string& name);

// Receives each log line at or above the level (the message alone, no time or level prefix)
// instead of stderr: called on the thread that logs, one call at a time (never concurrently).
// An empty function restores stderr. The callback must not log through almkit itself.
using LogCallback = std::function<void(LogLevel level, const std::string& message)>;
ALMKIT_API void set_log_callback(LogCallback callback);

}  // namespace almkit
