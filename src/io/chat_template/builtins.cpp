#include "io/chat_template/builtins.h"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <set>

#include "almkit/error.h"
#include "io/chat_template/limits.h"
#include "io/tokenizer/unicode.h"

namespace almkit::jinja {
namespace detail {

[[noreturn]] void bad(const std::string& message) {
  throw Error(ErrorCode::kInvalidArgument, message);
}

const Value& argument(const CallArgs& args, size_t index, const std::string& name,
                      const std::string& what) {
  const Value* value = args.get(index, name);
  if (!value) bad(what + ": missing argument '" + name + "'");
  return *value;
}

Value optional_argument(const CallArgs& args, size_t index, const std::string& name,
                        Value fallback) {
  const Value* value = args.get(index, name);
  return value ? *value : std::move(fallback);
}

const std::string& require_string(const Value& value, const std::string& what) {
  if (!value.is_string()) bad(what + " expects a string, got " + value.type_name());
  return value.as_string();
}

bool is_python_space(unsigned char c) {
  return c == ' ' || (c >= '\t' && c <= '\r');
}

// str.strip([chars]) family; `chars` none means whitespace.
std::string strip(const std::string& text, const Value& chars, bool left, bool right) {
  if (chars.is_string()) {
    const std::string& set = chars.as_string();
    size_t begin = 0, end = text.size();
    if (left) begin = text.find_first_not_of(set);
    if (begin == std::string::npos) return "";
    if (right) end = text.find_last_not_of(set) + 1;
    return text.substr(begin, end - begin);
  }
  std::string_view view = tokenizer::trim_whitespace(text, left, right);
  return std::string(view);
}

std::vector<std::string> split(const std::string& text, const Value& separator, int64_t max_split) {
  std::vector<std::string> parts;
  if (separator.is_string()) {
    const std::string& sep = separator.as_string();
    if (sep.empty()) bad("split: empty separator");
    size_t last = 0, pos;
    while ((max_split < 0 || static_cast<int64_t>(parts.size()) < max_split) &&
           (pos = text.find(sep, last)) != std::string::npos) {
      check_list_size(parts.size() + 1, "split()");
      parts.push_back(text.substr(last, pos - last));
      last = pos + sep.size();
    }
    parts.push_back(text.substr(last));
    return parts;
  }
  size_t pos = 0;
  while (pos < text.size()) {
    while (pos < text.size() && is_python_space(static_cast<unsigned char>(text[pos]))) ++pos;
    if (pos >= text.size()) break;
    if (max_split >= 0 && static_cast<int64_t>(parts.size()) == max_split) {
      std::string rest = text.substr(pos);
      while (!rest.empty() && is_python_space(static_cast<unsigned char>(rest.back())))
        rest.pop_back();
      parts.push_back(rest);
      break;
    }
    size_t end = pos;
    while (end < text.size() && !is_python_space(static_cast<unsigned char>(text[end]))) ++end;
    parts.push_back(text.substr(pos, end - pos));
    pos = end;
  }
  return parts;
}

std::string replace(const std::string& text, const std::string& from, const std::string& to,
                    int64_t count) {
  if (from.empty()) return text;
  std::string out;
  size_t last = 0, pos;
  int64_t done = 0;
  while ((count < 0 || done < count) && (pos = text.find(from, last)) != std::string::npos) {
    check_string_size(out.size() + (pos - last) + to.size(), "replace()");
    out.append(text, last, pos - last);
    out += to;
    last = pos + from.size();
    ++done;
  }
  out.append(text, last, std::string::npos);
  return out;
}

std::string capitalize(const std::string& text) {
  std::string lower = tokenizer::to_lower(text);
  if (lower.empty()) return lower;
  size_t pos = 0;
  tokenizer::next_code_point(lower, pos);
  return tokenizer::to_upper(lower.substr(0, pos)) + lower.substr(pos);
}

std::string title(const std::string& text) {
  std::string out;
  bool previous_cased = false;
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t start = pos;
    const char32_t c = tokenizer::next_code_point(text, pos);
    const std::string character = text.substr(start, pos - start);
    const bool cased = tokenizer::is_word_character(c) && !(c >= '0' && c <= '9') && c != '_';
    out += cased
               ? (previous_cased ? tokenizer::to_lower(character) : tokenizer::to_upper(character))
               : character;
    previous_cased = cased;
  }
  return out;
}

// Python ordering for sort/min/max/comparisons: numbers, strings, then lists element-wise.
int compare(const Value& a, const Value& b) {
  if ((a.is_number() || a.is_bool()) && (b.is_number() || b.is_bool())) {
    const double x = a.is_bool() ? a.as_bool() : a.as_double();
    const double y = b.is_bool() ? b.as_bool() : b.as_double();
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (a.is_string() && b.is_string())
    return a.as_string().compare(b.as_string()) < 0 ? -1 : a.as_string() == b.as_string() ? 0 : 1;
  if (a.is_list() && b.is_list()) {
    const List &x = a.list(), &y = b.list();
    for (size_t i = 0; i < std::min(x.size(), y.size()); ++i) {
      const int c = compare(x[i], y[i]);
      if (c) return c;
    }
    return x.size() < y.size() ? -1 : x.size() > y.size() ? 1 : 0;
  }
  bad("cannot compare " + a.type_name() + " with " + b.type_name());
}

uint64_t range_count(int64_t start, int64_t stop, int64_t step) {
  // Differences and magnitudes in uint64: stop - start of range(-2**63, 2**63 - 1) needs 64 bits.
  const bool up = step > 0;
  if (up ? start >= stop : start <= stop) return 0;
  const uint64_t span = up ? static_cast<uint64_t>(stop) - static_cast<uint64_t>(start)
                           : static_cast<uint64_t>(start) - static_cast<uint64_t>(stop);
  const uint64_t stride = up ? static_cast<uint64_t>(step) : 0 - static_cast<uint64_t>(step);
  return (span - 1) / stride + 1;
}

// Follows a dotted attribute path ("function.name") as Jinja's attribute= arguments do.
Value attribute_path(const Value& value, const std::string& path) {
  Value current = value;
  size_t start = 0;
  while (true) {
    const size_t dot = path.find('.', start);
    const std::string part =
        path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    // Digits index a list (longer than any list could be: looked up as an attribute, not found).
    const bool numeric = !part.empty() && part.size() < 18 && std::all_of(part.begin(), part.end(), ::isdigit);
    current = numeric && current.is_list()
                  ? get_item(current, Value(static_cast<int64_t>(std::stoll(part))))
                  : get_attribute(current, part);
    if (dot == std::string::npos) return current;
    start = dot + 1;
  }
}

Value bound(const Value& self, const std::string& name,
            std::function<Value(const Value&, const CallArgs&)> method) {
  return Value::function([self, method](const CallArgs& args) { return method(self, args); }, name,
                         self);
}

Value string_method(const Value& self, const std::string& name) {
  using A = const CallArgs&;
  const std::string what = "str." + name + "()";
  if (name == "startswith" || name == "endswith") {
    const bool starts = name == "startswith";
    return bound(self, name, [starts, what](const Value& s, A args) {
      const Value& prefix = argument(args, 0, "prefix", what);
      List options = prefix.is_list() ? prefix.list() : List{prefix};
      for (const auto& option : options) {
        const std::string& text = s.as_string();
        const std::string& p = require_string(option, what);
        if (starts ? text.compare(0, p.size(), p) == 0
                   : text.size() >= p.size() &&
                         text.compare(text.size() - p.size(), p.size(), p) == 0) {
          return Value(true);
        }
      }
      return Value(false);
    });
  }
  if (name == "strip" || name == "lstrip" || name == "rstrip") {
    const bool left = name != "rstrip", right = name != "lstrip";
    return bound(self, name, [left, right](const Value& s, A args) {
      return Value(
          strip(s.as_string(), optional_argument(args, 0, "chars", Value::none()), left, right));
    });
  }
  if (name == "split" || name == "rsplit") {
    return bound(self, name, [](const Value& s, A args) {
      const Value separator = optional_argument(args, 0, "sep", Value::none());
      const Value max_split = optional_argument(args, 1, "maxsplit", Value(int64_t{-1}));
      List parts;
      for (auto& part : split(s.as_string(), separator, max_split.as_int()))
        parts.emplace_back(std::move(part));
      return Value(std::move(parts));
    });
  }
  if (name == "upper")
    return bound(self, name,
                 [](const Value& s, A) { return Value(tokenizer::to_upper(s.as_string())); });
  if (name == "lower")
    return bound(self, name,
                 [](const Value& s, A) { return Value(tokenizer::to_lower(s.as_string())); });
  if (name == "title")
    return bound(self, name, [](const Value& s, A) { return Value(title(s.as_string())); });
  if (name == "capitalize")
    return bound(self, name, [](const Value& s, A) { return Value(capitalize(s.as_string())); });
  if (name == "replace") {
    return bound(self, name, [what](const Value& s, A args) {
      return Value(replace(s.as_string(), require_string(argument(args, 0, "old", what), what),
                           require_string(argument(args, 1, "new", what), what),
                           optional_argument(args, 2, "count", Value(int64_t{-1})).as_int()));
    });
  }
  if (name == "join") {
    return bound(self, name, [](const Value& s, A args) {
      std::string out;
      const List items = iterate(argument(args, 0, "iterable", "str.join()"));
      for (size_t i = 0; i < items.size(); ++i) {
        out += (i ? s.as_string() : "") + items[i].str();
        check_string_size(out.size(), "str.join()");
      }
      return Value(std::move(out));
    });
  }
  if (name == "find" || name == "count") {
    const bool find = name == "find";
    return bound(self, name, [find, what](const Value& s, A args) {
      const std::string& needle = require_string(argument(args, 0, "sub", what), what);
      const std::string& text = s.as_string();
      if (find) {
        const size_t pos = text.find(needle);
        return Value(pos == std::string::npos
                         ? int64_t{-1}
                         : static_cast<int64_t>(utf8_length(text.substr(0, pos))));
      }
      int64_t count = 0;
      for (size_t pos = text.find(needle); pos != std::string::npos && !needle.empty();
           pos = text.find(needle, pos + needle.size()))
        ++count;
      return Value(count);
    });
  }
  if (name == "isdigit" || name == "isspace" || name == "isalpha" || name == "isalnum") {
    return bound(self, name, [name](const Value& s, A) {
      const std::string& text = s.as_string();
      if (text.empty()) return Value(false);
      for (unsigned char c : text) {
        const bool ok = name == "isdigit"   ? std::isdigit(c)
                        : name == "isspace" ? is_python_space(c)
                        : name == "isalpha" ? std::isalpha(c)
                                            : std::isalnum(c);
        if (!ok) return Value(false);
      }
      return Value(true);
    });
  }
  return Value();
}

Value dict_method(const Value& self, const std::string& name) {
  using A = const CallArgs&;
  if (name == "items") {
    return bound(self, name, [](const Value& d, A) {
      List items;
      for (const auto& [key, value] : d.dict_ref().entries())
        items.emplace_back(List{Value(key), value});
      return Value(std::move(items));
    });
  }
  if (name == "keys" || name == "values") {
    const bool keys = name == "keys";
    return bound(self, name, [keys](const Value& d, A) {
      List items;
      for (const auto& [key, value] : d.dict_ref().entries())
        items.push_back(keys ? Value(key) : value);
      return Value(std::move(items));
    });
  }
  if (name == "get") {
    return bound(self, name, [](const Value& d, A args) {
      const Value& key = argument(args, 0, "key", "dict.get()");
      const Value* found = d.dict_ref().find(key.is_string() ? key.as_string() : key.str());
      return found ? *found : optional_argument(args, 1, "default", Value::none());
    });
  }
  return Value();
}

}  // namespace detail

using namespace detail;

List iterate(const Value& value) {
  switch (value.type()) {
    case Value::Type::kList:
      return value.list();
    case Value::Type::kDict: {
      List keys;
      for (const auto& [key, item] : value.dict_ref().entries()) keys.emplace_back(key);
      return keys;
    }
    case Value::Type::kString: {
      check_list_size(value.as_string().size(), "iterating over a string");
      List characters;
      for (auto& character : utf8_characters(value.as_string()))
        characters.emplace_back(std::move(character));
      return characters;
    }
    case Value::Type::kUndefined:
    case Value::Type::kNone:
      return {};
    default:
      bad("'" + value.type_name() + "' object is not iterable");
  }
}

Value get_attribute(const Value& object, const std::string& name) {
  if (object.is_dict()) {
    if (!object.is_namespace()) {
      if (const Value* found = object.dict_ref().find(name)) return *found;
      return dict_method(object, name);
    }
    const Value* found = object.dict_ref().find(name);
    return found ? *found : Value();
  }
  if (object.is_string()) return string_method(object, name);
  return Value();
}

Value get_item(const Value& object, const Value& key) {
  if (object.is_dict()) {
    if (const Value* found = object.dict_ref().find(key.is_string() ? key.as_string() : key.str()))
      return *found;
    return key.is_string() ? get_attribute(object, key.as_string()) : Value();
  }
  if (object.is_list() || object.is_string()) {
    if (!key.is_int()) {
      if (key.is_string() && object.is_string()) return get_attribute(object, key.as_string());
      bad("indices must be integers, not " + key.type_name());
    }
    const List items = object.is_list() ? List() : iterate(object);
    const List& sequence = object.is_list() ? object.list() : items;
    int64_t index = key.as_int();
    if (index < 0) index += static_cast<int64_t>(sequence.size());
    if (index < 0 || index >= static_cast<int64_t>(sequence.size())) return Value();
    return sequence[static_cast<size_t>(index)];
  }
  return Value();
}

Value slice(const Value& object, const Value& start_value, const Value& stop_value,
            const Value& step_value) {
  const List items = iterate(object);
  const auto n = static_cast<int64_t>(items.size());
  const int64_t step = step_value.is_undefined() || step_value.is_none() ? 1 : step_value.as_int();
  if (step == 0) bad("slice step cannot be zero");
  auto bound_index = [&](const Value& v, int64_t fallback) {
    if (v.is_undefined() || v.is_none()) return fallback;
    int64_t i = v.as_int();
    if (i < 0) i += n;
    return step > 0 ? std::clamp<int64_t>(i, 0, n) : std::clamp<int64_t>(i, -1, n - 1);
  };
  const int64_t start = bound_index(start_value, step > 0 ? 0 : n - 1);
  const int64_t stop = bound_index(stop_value, step > 0 ? n : -1);
  List out;
  const uint64_t count = range_count(start, stop, step);  // no i += step past int64
  for (uint64_t k = 0; k < count; ++k)
    out.push_back(
        items[static_cast<size_t>(static_cast<uint64_t>(start) + k * static_cast<uint64_t>(step))]);
  if (!object.is_string()) return Value(std::move(out));
  std::string text;
  for (const auto& character : out) text += character.as_string();
  return Value(std::move(text));
}

bool apply_test(const std::string& name, const Value& input, const CallArgs& args) {
  using T = Value::Type;
  if (name == "defined") return !input.is_undefined();
  if (name == "undefined") return input.is_undefined();
  if (name == "none") return input.is_none();
  if (name == "boolean") return input.is_bool();
  if (name == "true") return input.is_bool() && input.as_bool();
  if (name == "false") return input.is_bool() && !input.as_bool();
  if (name == "integer") return input.type() == T::kInt;
  if (name == "float") return input.type() == T::kFloat;
  if (name == "number") return input.is_number();
  if (name == "string") return input.is_string();
  if (name == "mapping") return input.is_dict();
  if (name == "iterable") return input.is_list() || input.is_dict() || input.is_string();
  if (name == "sequence") return input.is_list() || input.is_dict() || input.is_string();
  if (name == "callable") return input.is_function();
  if (name == "odd" || name == "even") {
    if (!input.is_int()) bad("test '" + name + "' expects an integer");
    return (input.as_int() % 2 != 0) == (name == "odd");
  }
  if (name == "divisibleby") {
    const int64_t divisor = argument(args, 0, "num", "divisibleby").as_int();
    if (divisor == 0) bad("divisibleby 0: integer modulo by zero");
    return divisor == -1 || input.as_int() % divisor == 0;  // INT64_MIN % -1 traps
  }
  if (name == "eq" || name == "equalto" || name == "==")
    return input.equals(argument(args, 0, "other", name));
  if (name == "ne" || name == "!=") return !input.equals(argument(args, 0, "other", name));
  if (name == "lt" || name == "lessthan" || name == "<")
    return compare(input, argument(args, 0, "other", name)) < 0;
  if (name == "gt" || name == "greaterthan" || name == ">")
    return compare(input, argument(args, 0, "other", name)) > 0;
  if (name == "le" || name == "<=") return compare(input, argument(args, 0, "other", name)) <= 0;
  if (name == "ge" || name == ">=") return compare(input, argument(args, 0, "other", name)) >= 0;
  if (name == "in") {
    const List items = iterate(argument(args, 0, "seq", name));
    return std::any_of(items.begin(), items.end(), [&](const Value& v) { return v.equals(input); });
  }
  if (name == "lower")
    return input.is_string() && tokenizer::to_lower(input.as_string()) == input.as_string();
  if (name == "upper")
    return input.is_string() && tokenizer::to_upper(input.as_string()) == input.as_string();
  if (name == "sameas") {
    const Value& other = argument(args, 0, "other", name);
    return input.type() == other.type() && input.equals(other);
  }
  throw Error(ErrorCode::kUnsupported, "unknown test '" + name + "'");
}

}  // namespace almkit::jinja
