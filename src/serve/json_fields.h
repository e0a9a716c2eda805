// Typed, range-checked reads of a request's JSON fields. A field of the wrong type or out of range
// is a 400 naming it; absent and null fields read as "not given"; unknown fields are left alone
// (clients send many options this server does not use).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace almkit::serve {

// The body as a JSON object, or a 400 (malformed JSON, not an object).
nlohmann::json parse_json_object(const std::string& body);

class Fields {
 public:
  // `object` must outlive this; `prefix` is prepended to field names in errors ("messages[0].").
  Fields(const nlohmann::json& object, std::string prefix = "");

  // Null when absent or JSON null.
  const nlohmann::json* get(const std::string& name) const;
  std::optional<double> number(const std::string& name, double min, double max) const;
  std::optional<int64_t> integer(const std::string& name, int64_t min, int64_t max) const;
  std::optional<bool> boolean(const std::string& name) const;
  std::optional<std::string> string(const std::string& name) const;
  // A string that must be present.
  std::string required_string(const std::string& name) const;
  std::string param(const std::string& name) const { return prefix_ + name; }

 private:
  const nlohmann::json& object_;
  std::string prefix_;
};

}  // namespace almkit::serve
