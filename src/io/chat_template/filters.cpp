// Jinja's built-in filters and the globals transformers gives chat templates.
#include <algorithm>
#include <cmath>
#include <ctime>

#include "almkit/error.h"
#include "io/chat_template/builtins.h"
#include "io/chat_template/limits.h"
#include "io/tokenizer/unicode.h"

namespace almkit::jinja {

using namespace detail;

namespace {

// Python's integers have no limit; beyond 64 bits is refused, as the evaluator's operators do.
[[noreturn]] void integer_overflow(const std::string& what) {
  throw Error(ErrorCode::kUnsupported, "integer overflow in " + what);
}

// Arguments after the first `skip` positional ones (for map / select passing on arguments).
CallArgs rest(const CallArgs& args, size_t skip) {
  CallArgs out;
  for (size_t i = skip; i < args.positional.size(); ++i)
    out.positional.push_back(args.positional[i]);
  out.keyword = args.keyword;
  return out;
}

std::string html_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&#34;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

Value to_int(const Value& input, const Value& fallback) {
  if (input.is_int()) return input;
  if (input.is_bool()) return Value(static_cast<int64_t>(input.as_bool()));
  // int(nan) is Python's ValueError, which the filter turns into the default; inf and floats
  // beyond 64 bits are refused by float_to_int.
  auto from_float = [&](double real) {
    return std::isnan(real) ? fallback : Value(float_to_int(std::trunc(real)));
  };
  if (input.type() == Value::Type::kFloat) return from_float(input.as_double());
  if (input.is_string()) {
    const std::string text = strip(input.as_string(), Value::none(), true, true);
    try {
      size_t used = 0;
      const long long value = std::stoll(text, &used, 10);
      if (used == text.size()) return Value(static_cast<int64_t>(value));
    } catch (const std::exception&) {  // not an integer, or beyond 64 bits: try it as a float
    }
    double real = 0;
    try {
      size_t used = 0;
      real = std::stod(text, &used);
      if (used != text.size()) return fallback;
    } catch (const std::exception&) {
      return fallback;
    }
    return from_float(real);
  }
  return fallback;
}

Value to_float(const Value& input, const Value& fallback) {
  if (input.is_number()) return Value(input.as_double());
  if (input.is_bool()) return Value(input.as_bool() ? 1.0 : 0.0);
  if (input.is_string()) {
    try {
      size_t used = 0;
      const std::string text = strip(input.as_string(), Value::none(), true, true);
      const double value = std::stod(text, &used);
      if (used == text.size()) return Value(value);
    } catch (const std::exception&) {
    }
  }
  return fallback;
}

// Sort key: the item or its attribute, lowercased when comparing case-insensitively.
Value sort_key(const Value& item, const Value& attribute, bool case_sensitive) {
  Value key = attribute.is_string() ? attribute_path(item, attribute.as_string()) : item;
  if (!case_sensitive && key.is_string()) return Value(tokenizer::to_lower(key.as_string()));
  return key;
}

List select_items(const Value& input, const CallArgs& args, bool by_attribute, bool keep_matching) {
  List out;
  const size_t test_index = by_attribute ? 1 : 0;
  const Value* test = args.get(test_index, "__test");
  const CallArgs test_args = rest(args, test_index + 1);
  for (const auto& item : iterate(input)) {
    const Value subject =
        by_attribute
            ? attribute_path(
                  item, require_string(argument(args, 0, "attribute", "selectattr"), "selectattr"))
            : item;
    const bool matches = test ? apply_test(require_string(*test, "select test"), subject, test_args)
                              : subject.truthy();
    if (matches == keep_matching) out.push_back(item);
  }
  return out;
}

Value min_max(const Value& input, const CallArgs& args, bool want_max) {
  const List items = iterate(input);
  if (items.empty()) return Value();
  const Value attribute = optional_argument(args, 1, "attribute", Value());
  const bool case_sensitive = optional_argument(args, 0, "case_sensitive", Value(false)).truthy();
  size_t best = 0;
  for (size_t i = 1; i < items.size(); ++i) {
    const int c = compare(sort_key(items[i], attribute, case_sensitive),
                          sort_key(items[best], attribute, case_sensitive));
    if (want_max ? c > 0 : c < 0) best = i;
  }
  return items[best];
}

}  // namespace

Value apply_filter(const std::string& name, const Value& input, const CallArgs& args) {
  if (name == "length" || name == "count") {
    if (input.is_string()) return Value(static_cast<int64_t>(utf8_length(input.as_string())));
    if (input.is_dict()) return Value(static_cast<int64_t>(input.dict_ref().size()));
    return Value(static_cast<int64_t>(iterate(input).size()));
  }
  if (name == "default" || name == "d") {
    const bool boolean = optional_argument(args, 1, "boolean", Value(false)).truthy();
    if (input.is_undefined() || (boolean && !input.truthy()))
      return optional_argument(args, 0, "default_value", Value(""));
    return input;
  }
  if (name == "tojson") {
    const Value indent = optional_argument(args, 0, "indent", Value::none());
    const bool sort_keys = optional_argument(args, 99, "sort_keys", Value(false)).truthy();
    return Value(
        input.to_json(indent.is_number() ? static_cast<int>(std::min<int64_t>(indent.as_int(), 1 << 20)) : -1, sort_keys));
  }
  if (name == "trim")
    return Value(strip(require_string(input, "trim"),
                       optional_argument(args, 0, "chars", Value::none()), true, true));
  if (name == "upper") return Value(tokenizer::to_upper(require_string(input, "upper")));
  if (name == "lower") return Value(tokenizer::to_lower(require_string(input, "lower")));
  if (name == "capitalize") return Value(capitalize(require_string(input, "capitalize")));
  if (name == "title") return Value(title(require_string(input, "title")));
  if (name == "string") return input.is_string() ? input : Value(input.str());
  if (name == "safe") return input;
  if (name == "escape" || name == "e") return Value(html_escape(input.str()));
  if (name == "int") return to_int(input, optional_argument(args, 0, "default", Value(int64_t{0})));
  if (name == "float") return to_float(input, optional_argument(args, 0, "default", Value(0.0)));
  if (name == "abs") {
    if (input.is_int()) {
      if (input.as_int() == INT64_MIN) integer_overflow("abs(" + input.str() + ")");
      return Value(static_cast<int64_t>(std::llabs(input.as_int())));
    }
    if (input.is_number()) return Value(std::fabs(input.as_double()));
    bad("abs expects a number, got " + input.type_name());
  }
  if (name == "round") {
    const int64_t precision = optional_argument(args, 0, "precision", Value(int64_t{0})).as_int();
    const std::string method = optional_argument(args, 1, "method", Value("common")).str();
    const double scale = std::pow(10.0, static_cast<double>(precision));
    double x = input.as_double() * scale;
    x = method == "ceil" ? std::ceil(x) : method == "floor" ? std::floor(x) : std::round(x);
    return Value(x / scale);
  }
  if (name == "replace") {
    return Value(replace(input.str(),
                         require_string(argument(args, 0, "old", "replace"), "replace"),
                         require_string(argument(args, 1, "new", "replace"), "replace"),
                         optional_argument(args, 2, "count", Value(int64_t{-1})).as_int()));
  }
  if (name == "list") return Value(iterate(input));
  if (name == "first" || name == "last") {
    const List items = iterate(input);
    if (items.empty()) return Value();
    return name == "first" ? items.front() : items.back();
  }
  if (name == "reverse") {
    if (input.is_string()) {
      auto characters = utf8_characters(input.as_string());
      std::string out;
      for (auto it = characters.rbegin(); it != characters.rend(); ++it) out += *it;
      return Value(std::move(out));
    }
    List items = iterate(input);
    std::reverse(items.begin(), items.end());
    return Value(std::move(items));
  }
  if (name == "join") {
    const std::string separator = optional_argument(args, 0, "d", Value("")).str();
    const Value attribute = optional_argument(args, 1, "attribute", Value());
    std::string out;
    const List items = iterate(input);
    for (size_t i = 0; i < items.size(); ++i) {
      out += (i ? separator : "") +
             (attribute.is_string() ? attribute_path(items[i], attribute.as_string()) : items[i])
                 .str();
      check_string_size(out.size(), "join");
    }
    return Value(std::move(out));
  }
  if (name == "items") {
    if (!input.is_dict()) bad("items expects a mapping, got " + input.type_name());
    return get_attribute(input, "items").call()(CallArgs{});
  }
  if (name == "dictsort") {
    if (!input.is_dict()) bad("dictsort expects a mapping, got " + input.type_name());
    const bool case_sensitive = optional_argument(args, 0, "case_sensitive", Value(false)).truthy();
    const bool by_value = optional_argument(args, 1, "by", Value("key")).str() == "value";
    const bool reverse = optional_argument(args, 2, "reverse", Value(false)).truthy();
    List items = get_attribute(input, "items").call()(CallArgs{}).list();
    std::stable_sort(items.begin(), items.end(), [&](const Value& a, const Value& b) {
      const int c = compare(sort_key(a.list()[by_value], Value(), case_sensitive),
                            sort_key(b.list()[by_value], Value(), case_sensitive));
      return reverse ? c > 0 : c < 0;
    });
    return Value(std::move(items));
  }
  if (name == "sort") {
    const bool reverse = optional_argument(args, 0, "reverse", Value(false)).truthy();
    const bool case_sensitive = optional_argument(args, 1, "case_sensitive", Value(false)).truthy();
    const Value attribute = optional_argument(args, 2, "attribute", Value());
    List items = iterate(input);
    std::stable_sort(items.begin(), items.end(), [&](const Value& a, const Value& b) {
      const int c =
          compare(sort_key(a, attribute, case_sensitive), sort_key(b, attribute, case_sensitive));
      return reverse ? c > 0 : c < 0;
    });
    return Value(std::move(items));
  }
  if (name == "unique") {
    const bool case_sensitive = optional_argument(args, 0, "case_sensitive", Value(false)).truthy();
    const Value attribute = optional_argument(args, 1, "attribute", Value());
    List out, seen;
    for (const auto& item : iterate(input)) {
      const Value key = sort_key(item, attribute, case_sensitive);
      if (std::none_of(seen.begin(), seen.end(), [&](const Value& s) { return s.equals(key); })) {
        seen.push_back(key);
        out.push_back(item);
      }
    }
    return Value(std::move(out));
  }
  if (name == "map") {
    List out;
    const Value* attribute = args.get(99, "attribute");
    for (const auto& item : iterate(input)) {
      if (attribute) {
        Value mapped = attribute_path(item, require_string(*attribute, "map attribute"));
        if (mapped.is_undefined()) mapped = optional_argument(args, 99, "default", Value());
        out.push_back(std::move(mapped));
      } else {
        out.push_back(apply_filter(require_string(argument(args, 0, "filter", "map"), "map"), item,
                                   rest(args, 1)));
      }
    }
    return Value(std::move(out));
  }
  if (name == "select" || name == "reject")
    return Value(select_items(input, args, false, name == "select"));
  if (name == "selectattr" || name == "rejectattr")
    return Value(select_items(input, args, true, name == "selectattr"));
  if (name == "max" || name == "min") return min_max(input, args, name == "max");
  if (name == "sum") {
    const Value attribute = optional_argument(args, 0, "attribute", Value());
    Value total = optional_argument(args, 1, "start", Value(int64_t{0}));
    for (const auto& item : iterate(input)) {
      const Value term = attribute.is_string() ? attribute_path(item, attribute.as_string()) : item;
      int64_t sum = 0;
      if (!total.is_int() || !term.is_int()) {
        total = Value(total.as_double() + term.as_double());
      } else if (__builtin_add_overflow(total.as_int(), term.as_int(), &sum)) {
        integer_overflow("sum: " + total.str() + " + " + term.str());
      } else {
        total = Value(sum);
      }
    }
    return total;
  }
  if (name == "attr")
    return get_attribute(input, require_string(argument(args, 0, "name", "attr"), "attr"));
  if (name == "wordcount") {
    int64_t words = 0;
    bool in_word = false;
    for (unsigned char c : require_string(input, "wordcount")) {
      const bool word = std::isalnum(c) || c == '_' || c >= 0x80;
      words += word && !in_word;
      in_word = word;
    }
    return Value(words);
  }
  if (name == "indent") {
    const Value width = optional_argument(args, 0, "width", Value(int64_t{4}));
    // A negative width pads nothing (Python's ' ' * -1 is '').
    const auto spaces =
        static_cast<size_t>(width.is_string() ? 0 : std::max<int64_t>(0, width.as_int()));
    check_string_size(spaces, "indent width");
    const std::string pad = width.is_string() ? width.as_string() : std::string(spaces, ' ');
    const bool first = optional_argument(args, 1, "first", Value(false)).truthy();
    const bool blank = optional_argument(args, 2, "blank", Value(false)).truthy();
    const std::string& text = require_string(input, "indent");
    std::string out;
    size_t start = 0;
    bool first_line = true;
    while (start <= text.size()) {
      size_t end = text.find('\n', start);
      const bool last = end == std::string::npos;
      if (last) end = text.size();
      const std::string line = text.substr(start, end - start);
      if ((first_line ? first : true) && (blank || !line.empty())) out += pad;
      out += line;
      check_string_size(out.size(), "indent");
      if (!last) out += '\n';
      first_line = false;
      if (last) break;
      start = end + 1;
    }
    return Value(std::move(out));
  }
  throw Error(ErrorCode::kUnsupported, "unknown filter '" + name + "'");
}

Dict make_globals() {
  Dict globals;
  globals.set("range", Value::function(
                           [](const CallArgs& args) {
                             int64_t start = 0, stop = 0, step = 1;
                             if (args.positional.size() == 1) {
                               stop = args.positional[0].as_int();
                             } else if (args.positional.size() >= 2) {
                               start = args.positional[0].as_int();
                               stop = args.positional[1].as_int();
                               if (args.positional.size() > 2) step = args.positional[2].as_int();
                             } else {
                               bad("range() expects 1 to 3 arguments");
                             }
                             if (step == 0) bad("range() step must not be zero");
                             // counted exactly before anything is built: range(10**8) is refused
                             // at once, and no item steps past int64 (range(2**63-2, 2**63-1, 9))
                             const uint64_t count = range_count(start, stop, step);
                             check_list_size(count, "range()");
                             List out;
                             out.reserve(count);
                             for (uint64_t k = 0; k < count; ++k)
                               out.emplace_back(static_cast<int64_t>(
                                   static_cast<uint64_t>(start) + k * static_cast<uint64_t>(step)));
                             return Value(std::move(out));
                           },
                           "range"));
  auto make_dict = [](bool is_namespace) {
    return [is_namespace](const CallArgs& args) {
      Dict dict;
      for (const auto& positional : args.positional) {
        if (positional.is_dict()) {
          for (const auto& [key, value] : positional.dict_ref().entries()) dict.set(key, value);
        }
      }
      for (const auto& [key, value] : args.keyword) dict.set(key, value);
      return Value::dict(std::move(dict), is_namespace);
    };
  };
  globals.set("namespace", Value::function(make_dict(true), "namespace"));
  globals.set("dict", Value::function(make_dict(false), "dict"));
  globals.set("raise_exception", Value::function(
                                     [](const CallArgs& args) -> Value {
                                       const Value* message = args.get(0, "message");
                                       throw Error(ErrorCode::kInvalidArgument,
                                                   "the template raised an exception: " +
                                                       (message ? message->str() : std::string()));
                                     },
                                     "raise_exception"));
  globals.set("strftime_now",
              Value::function(
                  [](const CallArgs& args) {
                    const std::string format =
                        require_string(argument(args, 0, "format", "strftime_now"), "strftime_now");
                    const std::time_t now = std::time(nullptr);
                    std::tm local{};
                    localtime_r(&now, &local);
                    char buffer[256];
                    const size_t n = std::strftime(buffer, sizeof(buffer), format.c_str(), &local);
                    return Value(std::string(buffer, n));
                  },
                  "strftime_now"));
  return globals;
}

}  // namespace almkit::jinja
