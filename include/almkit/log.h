// Logging level control. almkit logs through spdlog; the level starts from ALMKIT_LOG_LEVEL
// (trace, debug, info, warn, error, off; default warn) and can be changed here.
#pragma once

#include <string>

#include "almkit/export.h"

namespace almkit {

enum class LogLevel { kTrace, kDebug, kInfo, kWarn, kError, kOff };

ALMKIT_API void set_log_level(LogLevel level);
ALMKIT_API LogLevel log_level();
// Parses "trace" .. "off" (case-insensitive); throws Error(kInvalidArgument) naming the value.
ALMKIT_API LogLevel parse_log_level(const std::string& name);

}  // namespace almkit
