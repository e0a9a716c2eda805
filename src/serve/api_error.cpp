#include "serve/api_error.h"

#include <nlohmann/json.hpp>

namespace almkit::serve {

ApiError::ApiError(int status, std::string message, std::string type, std::string param,
                   std::string code)
    : std::runtime_error(std::move(message)),
      status_(status),
      type_(std::move(type)),
      param_(std::move(param)),
      code_(std::move(code)) {}

std::string ApiError::body() const {
  return error_body(status_, what(), type_, param_, code_);
}

ApiError bad_request(const std::string& param, const std::string& message,
                     const std::string& code) {
  return ApiError(400, message, "invalid_request_error", param, code);
}

std::string error_body(int, const std::string& message, const std::string& type,
                       const std::string& param, const std::string& code) {
  nlohmann::json error = {
      {"message", message}, {"type", type}, {"param", nullptr}, {"code", nullptr}};
  if (!param.empty()) error["param"] = param;
  if (!code.empty()) error["code"] = code;
  // Invalid UTF-8 echoed from a request must not make the error itself unserialisable.
  return nlohmann::json({{"error", error}})
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace almkit::serve
