// almkit.h: the thread-local error message, status names, version and log level.
#include <cstring>

#include "almkit/log.h"
#include "almkit/version.h"
#include "capi/capi_internal.h"

namespace almkit::capi {
namespace {

// The message lives in a thread-local string; when even that allocation fails, a fixed text
// stands in (fallback != nullptr).
thread_local std::string last_error_message;
thread_local const char* last_error_fallback = nullptr;

}  // namespace

almkit_status fail(almkit_status status, const char* function,
                   const std::string& message) noexcept {
  try {
    last_error_message.assign(function);
    last_error_message.append(": ");
    last_error_message.append(message);
    last_error_fallback = nullptr;
  } catch (...) {
    last_error_fallback = "almkit: out of memory while recording an error";
  }
  return status;
}

void clear_error() noexcept {
  last_error_message.clear();  // keeps capacity: no allocation, no throw
  last_error_fallback = nullptr;
}

almkit_status write_text(const char* function, const std::string& text, char* buffer,
                         size_t capacity, size_t* length) {
  *length = text.size();
  if (buffer == nullptr && capacity == 0) return ALMKIT_OK;  // size query
  if (buffer == nullptr) return null_argument(function, "buffer (with capacity > 0)");
  if (capacity < text.size() + 1) {
    buffer[0] = '\0';
    return fail(ALMKIT_ERR_BUFFER_TOO_SMALL, function,
                "the text needs " + std::to_string(text.size() + 1) +
                    " bytes (NUL included); the buffer has " + std::to_string(capacity));
  }
  std::memcpy(buffer, text.data(), text.size());
  buffer[text.size()] = '\0';
  return ALMKIT_OK;
}

}  // namespace almkit::capi

using almkit::capi::fail;
using almkit::capi::guarded;

extern "C" {

const char* almkit_last_error(void) {
  using namespace almkit::capi;
  return last_error_fallback != nullptr ? last_error_fallback : last_error_message.c_str();
}

const char* almkit_status_name(almkit_status status) {
  switch (status) {
    case ALMKIT_OK:
      return "ok";
    case ALMKIT_ERR_INVALID_ARGUMENT:
      return "invalid_argument";
    case ALMKIT_ERR_FILE_NOT_FOUND:
      return "file_not_found";
    case ALMKIT_ERR_IO:
      return "io_error";
    case ALMKIT_ERR_INVALID_FORMAT:
      return "invalid_format";
    case ALMKIT_ERR_SHAPE_MISMATCH:
      return "shape_mismatch";
    case ALMKIT_ERR_UNSUPPORTED:
      return "unsupported";
    case ALMKIT_ERR_NOT_FOUND:
      return "not_found";
    case ALMKIT_ERR_CANCELLED:
      return "cancelled";
    case ALMKIT_ERR_INTERNAL:
      return "internal";
    case ALMKIT_ERR_OUT_OF_MEMORY:
      return "out_of_memory";
    case ALMKIT_ERR_BUFFER_TOO_SMALL:
      return "buffer_too_small";
  }
  return "unknown";
}

// Function-local statics: initialised once, thread-safely; the strings never change afterwards.
// Should building the string throw, a fixed text is returned (the next call tries again).
const char* almkit_version(void) {
  try {
    static const std::string text = almkit::version();
    return text.c_str();
  } catch (...) {
    return "unknown";
  }
}

const char* almkit_build_info(void) {
  try {
    static const std::string text = almkit::build_info();
    return text.c_str();
  } catch (...) {
    return "unknown";
  }
}

const char* almkit_active_blas(void) {
  try {
    static const std::string text = almkit::active_blas();
    return text.c_str();
  } catch (...) {
    return "unknown";
  }
}

almkit_status almkit_set_log_level(almkit_log_level level) {
  const char* const fn = __func__;  // inside the lambda __func__ would be "operator()"
  return guarded(fn, [&] {
    if (level < ALMKIT_LOG_TRACE || level > ALMKIT_LOG_OFF) {
      return fail(ALMKIT_ERR_INVALID_ARGUMENT, fn,
                  "level " + std::to_string(static_cast<int>(level)) +
                      " is not an almkit_log_level (0..5)");
    }
    almkit::set_log_level(static_cast<almkit::LogLevel>(level));
    return ALMKIT_OK;
  });
}

void almkit_log_set(almkit_log_callback callback, void* user_data) {
  try {
    if (callback == nullptr) {
      almkit::set_log_callback(nullptr);
      return;
    }
    almkit::set_log_callback(
        [callback, user_data](almkit::LogLevel level, const std::string& message) {
          callback(static_cast<almkit_log_level>(level), message.c_str(), user_data);
        });
  } catch (...) {
    // Nothing to report to: logging stays where it was.
  }
}

}  // extern "C"
