// Jinja's built-in filters, tests, globals and the Python methods templates call on strings,
// lists and dicts (message.content.startswith(...), dict.items(), ...). Errors thrown here carry
// no location; the evaluator adds the line and column of the expression.
#pragma once

#include <string>

#include "io/chat_template/value.h"

namespace almkit::jinja {

// Throws kUnsupported for an unknown filter, kInvalidArgument for a bad argument.
Value apply_filter(const std::string& name, const Value& input, const CallArgs& args);
bool apply_test(const std::string& name, const Value& input, const CallArgs& args);
// object.name: a dict item, or a bound method of a string, list or dict; undefined if neither.
Value get_attribute(const Value& object, const std::string& name);
// object[key] with Python semantics (negative list indexes, string characters).
Value get_item(const Value& object, const Value& key);
// Python slicing of a list or a string (by characters).
Value slice(const Value& object, const Value& start, const Value& stop, const Value& step);
// The functions every template sees: range, namespace, dict, raise_exception, strftime_now.
Dict make_globals();
// Items a for loop visits: list items, dict keys, string characters.
List iterate(const Value& value);

namespace detail {
// Helpers shared by builtins.cpp and filters.cpp.
[[noreturn]] void bad(const std::string& message);
const Value& argument(const CallArgs& args, size_t index, const std::string& name,
                      const std::string& what);
Value optional_argument(const CallArgs& args, size_t index, const std::string& name,
                        Value fallback);
const std::string& require_string(const Value& value, const std::string& what);
std::string strip(const std::string& text, const Value& chars, bool left, bool right);
std::string replace(const std::string& text, const std::string& from, const std::string& to,
                    int64_t count);
std::string capitalize(const std::string& text);
std::string title(const std::string& text);
int compare(const Value& a, const Value& b);
// How many items range(start, stop, step) has (step != 0), exactly and without overflow.
uint64_t range_count(int64_t start, int64_t stop, int64_t step);
Value attribute_path(const Value& value, const std::string& path);
}  // namespace detail

}  // namespace almkit::jinja
