// The one error type almkit throws: a code a program can branch on and a message a person can act
// on (it names the file, tensor, field or value at fault).
#pragma once

#include <stdexcept>
#include <string>

#include "almkit/export.h"

namespace almkit {

enum class ErrorCode {
  kInvalidArgument = 1,  // a caller passed a bad value (rate 0, empty audio, wrong option)
  kFileNotFound = 2,     // a path that does not exist
  kIo = 3,               // the OS refused a read/write
  kInvalidFormat = 4,    // a file exists but its content is corrupt, truncated or malformed
  kShapeMismatch = 5,    // tensors or buffers with the wrong shape or size
  kUnsupported = 6,      // valid input that almkit does not handle (unknown model type, codec)
  kNotFound = 7,         // a named thing (tensor, field, token) is missing
  kCancelled = 8,        // a caller asked to stop
  kInternal = 9,         // a bug in almkit
};

ALMKIT_API const char* error_code_name(ErrorCode code);

class ALMKIT_API Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message);
  ErrorCode code() const noexcept { return code_; }

 private:
  ErrorCode code_;
};

}  // namespace almkit
