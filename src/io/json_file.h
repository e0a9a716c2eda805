// JSON files with errors that name the file, the field and what was wrong.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <type_traits>
#include <vector>

#include "almkit/error.h"

namespace almkit {

// Throws kFileNotFound, or kInvalidFormat with the parser's byte offset and message.
nlohmann::json read_json_file(const std::string& path);
// The same, keeping the file's key order (files almkit rewrites in their own layout).
nlohmann::ordered_json read_ordered_json_file(const std::string& path);
nlohmann::json parse_json_text(const std::string& text, const std::string& source);

namespace json_detail {

template <typename T>
struct is_vector : std::false_type {};
template <typename U, typename A>
struct is_vector<std::vector<U, A>> : std::true_type {};

// nlohmann turns a float into an integer with a plain cast, undefined behaviour for 1e300 (found
// by fuzz/config_fuzzer), and wraps an integer beyond T (18446744073709551615 became -1): an
// integer field must hold a whole number within T's range.
template <typename T>
void check_integer_range(const nlohmann::json& value, const std::string& source,
                         const std::string& key) {
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    using Limits = std::numeric_limits<T>;
    bool in_range = true;
    if (value.is_number_float()) {
      const double number = value.get<double>();
      const double lower = static_cast<double>(Limits::min());
      const double upper = static_cast<double>(Limits::max()) + 1.0;
      in_range = number >= lower && number < upper && number == std::trunc(number);
    } else if (value.is_number_unsigned()) {
      in_range = value.get<uint64_t>() <= static_cast<uint64_t>(Limits::max());
    } else if (value.is_number_integer()) {
      const int64_t number = value.get<int64_t>();
      in_range = std::is_signed_v<T>
                     ? number >= static_cast<int64_t>(Limits::min()) &&
                           number <= static_cast<int64_t>(Limits::max())
                     : number >= 0 && static_cast<uint64_t>(number) <= Limits::max();
    }
    if (!in_range) {
      throw Error(ErrorCode::kInvalidFormat,
                  source + ": field '" + key + "' should be an integer, got " + value.dump() +
                      " (the range is " + std::to_string(Limits::min()) + " to " +
                      std::to_string(Limits::max()) + ")");
    }
  } else if constexpr (is_vector<T>::value) {
    if (!value.is_array()) return;
    for (const auto& item : value) check_integer_range<typename T::value_type>(item, source, key);
  }
}

}  // namespace json_detail

// `object[key]` as T, or `fallback` when the key is absent or null; a value of the wrong type
// is an error naming source and key.
template <typename T>
T json_value_or(const nlohmann::json& object, const std::string& key, const T& fallback,
                const std::string& source) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return fallback;
  json_detail::check_integer_range<T>(*it, source, key);
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
