// Values of the chat-template interpreter: Python/Jinja semantics for none, booleans, numbers,
// strings, lists and insertion-ordered dicts, plus callables (macros, methods, globals).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace almkit::jinja {

class Value;
using List = std::vector<Value>;
// int(value) for a float that fits in 64 bits; kUnsupported naming the value otherwise (a plain
// cast of 1e300 or nan is undefined behaviour).
int64_t float_to_int(double value);

// Arguments of a call: positional, then keyword (name = value).
struct CallArgs {
  std::vector<Value> positional;
  std::vector<std::pair<std::string, Value>> keyword;
  // Positional `index`, else keyword `name`, else nullptr.
  const Value* get(size_t index, const std::string& name) const;
};

using Function = std::function<Value(const CallArgs&)>;

class Dict {
 public:
  const Value* find(const std::string& key) const;
  Value* find(const std::string& key);
  void set(const std::string& key, Value value);
  const std::vector<std::pair<std::string, Value>>& entries() const { return entries_; }
  size_t size() const { return entries_.size(); }

 private:
  std::vector<std::pair<std::string, Value>> entries_;
  std::unordered_map<std::string, size_t> index_;
};

class Value {
 public:
  enum class Type { kUndefined, kNone, kBool, kInt, kFloat, kString, kList, kDict, kFunction };

  Value() = default;  // undefined
  static Value none();
  Value(bool value);
  Value(int value) : Value(static_cast<int64_t>(value)) {}
  Value(int64_t value);
  Value(double value);
  Value(std::string value);
  Value(const char* value) : Value(std::string(value)) {}
  Value(List value);
  static Value dict(Dict value = {}, bool is_namespace = false);
  static Value function(Function function, std::string name);
  // A bound method: the depth and namespaces of `captured`, the value it holds, count as its own.
  static Value function(Function function, std::string name, const Value& captured);
  static Value from_json(const nlohmann::ordered_json& json);

  Type type() const { return type_; }
  bool is_undefined() const { return type_ == Type::kUndefined; }
  bool is_none() const { return type_ == Type::kNone; }
  bool is_bool() const { return type_ == Type::kBool; }
  bool is_int() const { return type_ == Type::kInt; }
  bool is_number() const { return type_ == Type::kInt || type_ == Type::kFloat; }
  bool is_string() const { return type_ == Type::kString; }
  bool is_list() const { return type_ == Type::kList; }
  bool is_dict() const { return type_ == Type::kDict; }
  bool is_function() const { return type_ == Type::kFunction; }
  bool is_namespace() const { return type_ == Type::kDict && is_namespace_; }
  // Levels of containers (and bound methods) in this value: 0 for a scalar, 2 for [[1]]. Every
  // constructor refuses a value deeper than kMaxValueDepth (kUnsupported).
  int depth() const { return depth_; }
  // Whether a namespace() is inside (or is) this value. A namespace is the one value that changes
  // after it is built, so it may not hold another: no cycle, and no nesting that grows unseen.
  bool holds_namespace() const { return holds_namespace_; }

  bool as_bool() const { return bool_; }
  // A float truncates toward zero, as Python's int(); nan, inf or beyond 64 bits is an error.
  int64_t as_int() const { return type_ == Type::kFloat ? float_to_int(float_) : int_; }
  double as_double() const { return type_ == Type::kInt ? static_cast<double>(int_) : float_; }
  const std::string& as_string() const { return *string_; }
  List& list() const { return *list_; }
  Dict& dict_ref() const { return *dict_; }
  const Function& call() const { return function_->first; }
  const std::string& function_name() const { return function_->second; }

  bool truthy() const;
  // Python str(): what {{ value }} prints.
  std::string str() const;
  // Python repr() (items inside printed lists and dicts).
  std::string repr() const;
  // Python json.dumps(value, ensure_ascii=False, indent=..., sort_keys=...), transformers' tojson.
  std::string to_json(int indent = -1, bool sort_keys = false) const;
  std::string type_name() const;

  // Deep equality, numbers compare across int/float (Python ==).
  bool equals(const Value& other) const;

 private:
  Type type_ = Type::kUndefined;
  bool bool_ = false;
  bool is_namespace_ = false;
  bool holds_namespace_ = false;
  int depth_ = 0;
  // Sets depth_ and holds_namespace_ from the values this one contains; throws past the limit.
  void contain(const Value& item);
  void check_depth() const;
  int64_t int_ = 0;
  double float_ = 0;
  std::shared_ptr<const std::string> string_;
  std::shared_ptr<List> list_;
  std::shared_ptr<Dict> dict_;
  std::shared_ptr<std::pair<Function, std::string>> function_;
};

// Python float repr (shortest round-trip digits; "1.0", "2.5", "1e-05").
std::string format_float(double value);

// Number of code points of UTF-8 text, and the code point substring [begin, end).
size_t utf8_length(const std::string& text);
std::vector<std::string> utf8_characters(const std::string& text);

}  // namespace almkit::jinja
