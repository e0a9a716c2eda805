// JSON files with errors that name the file, the field and what was wrong.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "almkit/error.h"

namespace almkit {

// Throws kFileNotFound, or kInvalidFormat with the parser's byte offset and message.
nlohmann::json read_json_file(const std::string& path);
nlohmann::json parse_json_text(const std::string& text, const std::string& source);

// `object[key]` as T, or `fallback` when the key is absent or null; a value of the wrong type
// is an error naming source and key.
template <typename T>
T json_value_or(const nlohmann::json& object, const std::string& key, const T& fallback,
                const std::string& source) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return fallback;
  try {
    return it->get<T>();
  } catch (const nlohmann::json::exception& error) {
    throw Error(ErrorCode::kInvalidFormat,
                source + ": field '" + key + "' has the wrong type (" + it->type_name() + "): " +
                    error.what());
  }
}

// `object[key]` as T; a missing key is an error naming source and key.
template <typename T>
T json_required(const nlohmann::json& object, const std::string& key, const std::string& source) {
  if (!object.is_object() || !object.contains(key) || object.at(key).is_null()) {
    throw Error(ErrorCode::kInvalidFormat, source + ": required field '" + key + "' is missing");
  }
  return json_value_or<T>(object, key, T{}, source);
}

}  // namespace almkit
