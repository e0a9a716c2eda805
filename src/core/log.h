// Internal access to almkit's spdlog logger (public code only sees almkit/log.h).
#pragma once

#include <spdlog/spdlog.h>

namespace almkit {

spdlog::logger& logger();

}  // namespace almkit
