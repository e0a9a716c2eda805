#include "io/chat_template/value.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "io/chat_template/limits.h"

namespace almkit::jinja {

const Value* CallArgs::get(size_t index, const std::string& name) const {
  if (index < positional.size()) return &positional[index];
  for (const auto& [key, value] : keyword) {
    if (key == name) return &value;
  }
  return nullptr;
}

const Value* Dict::find(const std::string& key) const {
  auto it = index_.find(key);
  return it == index_.end() ? nullptr : &entries_[it->second].second;
}

Value* Dict::find(const std::string& key) {
  auto it = index_.find(key);
  return it == index_.end() ? nullptr : &entries_[it->second].second;
}

void Dict::set(const std::string& key, Value value) {
  auto it = index_.find(key);
  if (it != index_.end()) {
    entries_[it->second].second = std::move(value);
    return;
  }
  index_.emplace(key, entries_.size());
  entries_.emplace_back(key, std::move(value));
}

Value Value::none() {
  Value v;
  v.type_ = Type::kNone;
  return v;
}
Value::Value(bool value) : type_(Type::kBool), bool_(value) {}
Value::Value(int64_t value) : type_(Type::kInt), int_(value) {}
Value::Value(double value) : type_(Type::kFloat), float_(value) {}
Value::Value(std::string value)
    : type_(Type::kString), string_(std::make_shared<const std::string>(std::move(value))) {}
Value::Value(List value) : type_(Type::kList), list_(std::make_shared<List>(std::move(value))) {
  depth_ = 1;
  for (const auto& item : *list_) contain(item);
  check_depth();
}

void Value::contain(const Value& item) {
  depth_ = std::max(depth_, item.depth_ + 1);
  holds_namespace_ = holds_namespace_ || item.holds_namespace_;
}

void Value::check_depth() const {
  if (depth_ > kMaxValueDepth) {
    throw Error(ErrorCode::kUnsupported, "a " + type_name() + " nested " + std::to_string(depth_) +
                                             " levels deep, beyond the chat-template limit of " +
                                             std::to_string(kMaxValueDepth));
  }
}

Value Value::dict(Dict value, bool is_namespace) {
  Value v;
  v.type_ = Type::kDict;
  v.dict_ = std::make_shared<Dict>(std::move(value));
  v.is_namespace_ = is_namespace;
  v.depth_ = 1;
  for (const auto& [key, item] : v.dict_->entries()) {
    if (is_namespace && item.holds_namespace_) {
      throw Error(ErrorCode::kUnsupported, "namespace() attribute '" + key +
                                               "' would hold a namespace; a namespace cannot hold "
                                               "another");
    }
    v.contain(item);
  }
  v.holds_namespace_ = v.holds_namespace_ || is_namespace;
  v.check_depth();
  return v;
}

Value Value::function(Function function, std::string name) {
  Value v;
  v.type_ = Type::kFunction;
  v.function_ =
      std::make_shared<std::pair<Function, std::string>>(std::move(function), std::move(name));
  return v;
}

Value Value::function(Function function, std::string name, const Value& captured) {
  Value v = Value::function(std::move(function), std::move(name));
  v.contain(captured);
  v.check_depth();
  return v;
}

namespace {

Value value_from_json(const nlohmann::ordered_json& json, int level) {
  // Refused on the way down: a megabyte of '[' must not recurse half a million times.
  if (level > kMaxValueDepth) {
    throw Error(ErrorCode::kUnsupported, "JSON nested deeper than the chat-template limit of " +
                                             std::to_string(kMaxValueDepth) + " levels");
  }
  switch (json.type()) {
    case nlohmann::ordered_json::value_t::array: {
      List items;
      items.reserve(json.size());
      for (const auto& item : json) items.push_back(value_from_json(item, level + 1));
      return Value(std::move(items));
    }
    case nlohmann::ordered_json::value_t::object: {
      Dict dict;
      for (const auto& [key, item] : json.items()) dict.set(key, value_from_json(item, level + 1));
      return Value::dict(std::move(dict));
    }
    default:
      return Value::from_json(json);
  }
}

}  // namespace

Value Value::from_json(const nlohmann::ordered_json& json) {
  switch (json.type()) {
    case nlohmann::ordered_json::value_t::null:
      return none();
    case nlohmann::ordered_json::value_t::boolean:
      return Value(json.get<bool>());
    case nlohmann::ordered_json::value_t::number_integer:
      return Value(json.get<int64_t>());
    case nlohmann::ordered_json::value_t::number_unsigned: {
      // Never wrapped to a negative number (ChatTemplate's context reader names the field).
      const uint64_t number = json.get<uint64_t>();
      if (number > static_cast<uint64_t>(INT64_MAX)) {
        throw Error(ErrorCode::kUnsupported,
                    "integer " + std::to_string(number) + " does not fit in 64 bits");
      }
      return Value(static_cast<int64_t>(number));
    }
    case nlohmann::ordered_json::value_t::number_float:
      return Value(json.get<double>());
    case nlohmann::ordered_json::value_t::string:
      return Value(json.get<std::string>());
    case nlohmann::ordered_json::value_t::array:
    case nlohmann::ordered_json::value_t::object:
      return value_from_json(json, 1);
    default:
      return Value();
  }
}

bool Value::truthy() const {
  switch (type_) {
    case Type::kUndefined:
    case Type::kNone:
      return false;
    case Type::kBool:
      return bool_;
    case Type::kInt:
      return int_ != 0;
    case Type::kFloat:
      return float_ != 0.0;
    case Type::kString:
      return !string_->empty();
    case Type::kList:
      return !list_->empty();
    case Type::kDict:
      return dict_->size() > 0;
    case Type::kFunction:
      return true;
  }
  return false;
}

std::string format_float(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  char buffer[64];
  auto result =
      std::to_chars(buffer, buffer + sizeof(buffer), value, std::chars_format::scientific);
  std::string scientific(buffer, result.ptr);
  const size_t e = scientific.find('e');
  std::string mantissa = scientific.substr(0, e);
  const int exponent = std::stoi(scientific.substr(e + 1));
  const bool negative = mantissa[0] == '-';
  if (negative) mantissa.erase(0, 1);
  std::string digits;
  for (char c : mantissa) {
    if (c != '.') digits += c;
  }
  std::string out;
  if (exponent >= -4 && exponent < 16) {
    if (exponent < 0) {
      out = "0." + std::string(static_cast<size_t>(-exponent - 1), '0') + digits;
    } else if (static_cast<int>(digits.size()) <= exponent + 1) {
      out = digits +
            std::string(static_cast<size_t>(exponent + 1 - static_cast<int>(digits.size())), '0') +
            ".0";
    } else {
      out = digits.substr(0, static_cast<size_t>(exponent + 1)) + "." +
            digits.substr(static_cast<size_t>(exponent + 1));
    }
  } else {
    char exp[16];  // "e-" and up to 10 digits: a double's exponent needs 3, the compiler cannot tell
    std::snprintf(exp, sizeof(exp), "e%c%02d", exponent < 0 ? '-' : '+', std::abs(exponent));
    out = digits.substr(0, 1) + (digits.size() > 1 ? "." + digits.substr(1) : "") + exp;
  }
  return negative ? "-" + out : out;
}

int64_t float_to_int(double value) {
  // 2^63 is exact in a double; every double below it and at or above -2^63 fits.
  if (!(value >= -9223372036854775808.0 && value < 9223372036854775808.0)) {
    throw Error(ErrorCode::kUnsupported,
                "float " + format_float(value) + " does not fit in a 64-bit integer");
  }
  return static_cast<int64_t>(value);
}

namespace {

std::string python_string_repr(const std::string& text) {
  const bool has_single = text.find('\'') != std::string::npos;
  const bool has_double = text.find('"') != std::string::npos;
  const char quote = has_single && !has_double ? '"' : '\'';
  std::string out(1, quote);
  for (unsigned char c : text) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c == static_cast<unsigned char>(quote)) {
          out += '\\';
          out += static_cast<char>(c);
        } else if (c < 0x20 || c == 0x7F) {
          char hex[8];
          std::snprintf(hex, sizeof(hex), "\\x%02x", c);
          out += hex;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + quote;
}

void json_string(std::string& out, const std::string& text) {
  out += '"';
  for (unsigned char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (c < 0x20) {
          char hex[8];
          std::snprintf(hex, sizeof(hex), "\\u%04x", c);
          out += hex;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

void to_json_into(const Value& value, std::string& out, int indent, bool sort_keys, int depth) {
  check_string_size(out.size() + size_t(std::max(indent, 0)) * size_t(depth + 1), "tojson");
  const std::string newline =
      indent >= 0 ? "\n" + std::string(static_cast<size_t>(indent * (depth + 1)), ' ') : "";
  const std::string closing =
      indent >= 0 ? "\n" + std::string(static_cast<size_t>(indent * depth), ' ') : "";
  const char* item_separator = indent >= 0 ? "," : ", ";
  switch (value.type()) {
    case Value::Type::kUndefined:
    case Value::Type::kNone:
      out += "null";
      return;
    case Value::Type::kBool:
      out += value.as_bool() ? "true" : "false";
      return;
    case Value::Type::kInt:
      out += std::to_string(value.as_int());
      return;
    case Value::Type::kFloat:
      out += format_float(value.as_double());
      return;
    case Value::Type::kString:
      json_string(out, value.as_string());
      return;
    case Value::Type::kFunction:
      out += "null";
      return;
    case Value::Type::kList: {
      const List& items = value.list();
      if (items.empty()) {
        out += "[]";
        return;
      }
      out += '[';
      for (size_t i = 0; i < items.size(); ++i) {
        if (i) out += item_separator;
        out += newline;
        to_json_into(items[i], out, indent, sort_keys, depth + 1);
        check_string_size(out.size(), "tojson");
      }
      out += closing + ']';
      return;
    }
    case Value::Type::kDict: {
      auto entries = value.dict_ref().entries();
      if (entries.empty()) {
        out += "{}";
        return;
      }
      if (sort_keys) {
        std::stable_sort(entries.begin(), entries.end(),
                         [](const auto& a, const auto& b) { return a.first < b.first; });
      }
      out += '{';
      for (size_t i = 0; i < entries.size(); ++i) {
        if (i) out += item_separator;
        out += newline;
        json_string(out, entries[i].first);
        out += ": ";
        to_json_into(entries[i].second, out, indent, sort_keys, depth + 1);
        check_string_size(out.size(), "tojson");
      }
      out += closing + '}';
      return;
    }
  }
}

}  // namespace

std::string Value::to_json(int indent, bool sort_keys) const {
  std::string out;
  to_json_into(*this, out, indent, sort_keys, 0);
  return out;
}

std::string Value::repr() const {
  if (type_ == Type::kString) return python_string_repr(*string_);
  return str();
}

std::string Value::str() const {
  switch (type_) {
    case Type::kUndefined:
      return "";
    case Type::kNone:
      return "None";
    case Type::kBool:
      return bool_ ? "True" : "False";
    case Type::kInt:
      return std::to_string(int_);
    case Type::kFloat:
      return format_float(float_);
    case Type::kString:
      return *string_;
    case Type::kFunction:
      return "<function " + function_->second + ">";
    case Type::kList: {
      std::string out = "[";
      for (size_t i = 0; i < list_->size(); ++i) {
        out += (i ? ", " : "") + (*list_)[i].repr();
        check_string_size(out.size(), "printing a list");
      }
      return out + "]";
    }
    case Type::kDict: {
      std::string out = is_namespace_ ? "<Namespace {" : "{";
      const auto& entries = dict_->entries();
      for (size_t i = 0; i < entries.size(); ++i) {
        out += (i ? ", " : "") + python_string_repr(entries[i].first) + ": " +
               entries[i].second.repr();
        check_string_size(out.size(), "printing a dict");
      }
      return out + (is_namespace_ ? "}>" : "}");
    }
  }
  return "";
}

std::string Value::type_name() const {
  switch (type_) {
    case Type::kUndefined:
      return "undefined";
    case Type::kNone:
      return "none";
    case Type::kBool:
      return "boolean";
    case Type::kInt:
      return "integer";
    case Type::kFloat:
      return "float";
    case Type::kString:
      return "string";
    case Type::kList:
      return "list";
    case Type::kDict:
      return is_namespace_ ? "namespace" : "dict";
    case Type::kFunction:
      return "function";
  }
  return "?";
}

bool Value::equals(const Value& other) const {
  if (is_number() && other.is_number()) {
    if (is_int() && other.is_int()) return int_ == other.int_;
    return as_double() == other.as_double();
  }
  if (is_bool() && other.is_number()) return Value(static_cast<int64_t>(bool_)).equals(other);
  if (is_number() && other.is_bool()) return other.equals(*this);
  if (type_ != other.type_) return false;
  switch (type_) {
    case Type::kUndefined:
    case Type::kNone:
      return true;
    case Type::kBool:
      return bool_ == other.bool_;
    case Type::kString:
      return *string_ == *other.string_;
    case Type::kList: {
      if (list_->size() != other.list_->size()) return false;
      for (size_t i = 0; i < list_->size(); ++i) {
        if (!(*list_)[i].equals((*other.list_)[i])) return false;
      }
      return true;
    }
    case Type::kDict: {
      if (dict_->size() != other.dict_->size()) return false;
      for (const auto& [key, item] : dict_->entries()) {
        const Value* found = other.dict_->find(key);
        if (!found || !item.equals(*found)) return false;
      }
      return true;
    }
    case Type::kFunction:
      return function_ == other.function_;
    default:
      return false;
  }
}

size_t utf8_length(const std::string& text) {
  size_t count = 0;
  for (unsigned char c : text) count += (c & 0xC0) != 0x80;
  return count;
}

std::vector<std::string> utf8_characters(const std::string& text) {
  std::vector<std::string> out;
  for (size_t i = 0; i < text.size();) {
    size_t j = i + 1;
    while (j < text.size() && (static_cast<unsigned char>(text[j]) & 0xC0) == 0x80) ++j;
    out.push_back(text.substr(i, j - i));
    i = j;
  }
  return out;
}

}  // namespace almkit::jinja
