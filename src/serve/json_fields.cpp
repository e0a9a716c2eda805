#include "serve/json_fields.h"

#include <cmath>

#include "serve/api_error.h"

namespace almkit::serve {

nlohmann::json parse_json_object(const std::string& body) {
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(body);
  } catch (const nlohmann::json::exception& error) {
    throw ApiError(400, std::string("the request body is not valid JSON: ") + error.what(),
                   "invalid_request_error", "", "invalid_json");
  }
  if (!json.is_object()) {
    throw ApiError(400, "the request body must be a JSON object", "invalid_request_error", "",
                   "invalid_json");
  }
  return json;
}

Fields::Fields(const nlohmann::json& object, std::string prefix)
    : object_(object), prefix_(std::move(prefix)) {}

const nlohmann::json* Fields::get(const std::string& name) const {
  const auto it = object_.find(name);
  if (it == object_.end() || it->is_null()) return nullptr;
  return &*it;
}

std::optional<double> Fields::number(const std::string& name, double min, double max) const {
  const nlohmann::json* value = get(name);
  if (!value) return std::nullopt;
  if (!value->is_number())
    throw bad_request(param(name), param(name) + " must be a number", "invalid_type");
  const double number = value->get<double>();
  if (!std::isfinite(number) || number < min || number > max) {
    throw bad_request(param(name), param(name) + " must be between " + nlohmann::json(min).dump() +
                                       " and " + nlohmann::json(max).dump() + " (got " +
                                       value->dump() + ")");
  }
  return number;
}

std::optional<int64_t> Fields::integer(const std::string& name, int64_t min, int64_t max) const {
  const nlohmann::json* value = get(name);
  if (!value) return std::nullopt;
  // 3.0 is accepted as 3 (JSON has one number type); 3.5 is not an integer.
  const bool integral =
      value->is_number_integer() ||
      (value->is_number_float() && std::floor(value->get<double>()) == value->get<double>() &&
       std::fabs(value->get<double>()) < 9e15);
  if (!integral)
    throw bad_request(param(name), param(name) + " must be an integer", "invalid_type");
  const int64_t number =
      value->is_number_unsigned() && value->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)
          ? INT64_MAX
      : value->is_number_float() ? static_cast<int64_t>(value->get<double>())
                                 : value->get<int64_t>();
  if (number < min || number > max) {
    throw bad_request(param(name), param(name) + " must be between " + std::to_string(min) +
                                       " and " + std::to_string(max) + " (got " + value->dump() +
                                       ")");
  }
  return number;
}

std::optional<bool> Fields::boolean(const std::string& name) const {
  const nlohmann::json* value = get(name);
  if (!value) return std::nullopt;
  if (!value->is_boolean())
    throw bad_request(param(name), param(name) + " must be true or false", "invalid_type");
  return value->get<bool>();
}

std::optional<std::string> Fields::string(const std::string& name) const {
  const nlohmann::json* value = get(name);
  if (!value) return std::nullopt;
  if (!value->is_string())
    throw bad_request(param(name), param(name) + " must be a string", "invalid_type");
  return value->get<std::string>();
}

std::string Fields::required_string(const std::string& name) const {
  const auto value = string(name);
  if (!value) throw bad_request(param(name), param(name) + " is required", "missing_field");
  return *value;
}

}  // namespace almkit::serve
