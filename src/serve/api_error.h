// An HTTP error in OpenAI's shape: {"error": {"message", "type", "param", "code"}}. Request parsing
// and the endpoints throw it; the HTTP layer turns it into the response, so a bad request can never
// escape as an exception that takes a connection thread (or the server) down.
#pragma once

#include <stdexcept>
#include <string>

namespace almkit::serve {

class ApiError : public std::runtime_error {
 public:
  // `type` is OpenAI's error type ("invalid_request_error", "authentication_error", ...);
  // `param` the offending request field ("" when none); `code` a short machine-readable reason.
  ApiError(int status, std::string message, std::string type = "invalid_request_error",
           std::string param = "", std::string code = "");

  int status() const { return status_; }
  const std::string& type() const { return type_; }
  const std::string& param() const { return param_; }
  const std::string& code() const { return code_; }
  // The JSON body clients expect.
  std::string body() const;

 private:
  int status_;
  std::string type_, param_, code_;
};

// A 400 naming the field: the common case.
ApiError bad_request(const std::string& param, const std::string& message,
                     const std::string& code = "invalid_value");

// The JSON error body for a status with no ApiError behind it (404 route, 413 from the HTTP
// library).
std::string error_body(int status, const std::string& message, const std::string& type,
                       const std::string& param = "", const std::string& code = "");

}  // namespace almkit::serve
