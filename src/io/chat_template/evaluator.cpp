#include "io/chat_template/evaluator.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <unordered_map>

#include "almkit/error.h"
#include "io/chat_template/builtins.h"
#include "io/chat_template/limits.h"

namespace almkit::jinja {
namespace {

enum class Flow { kNormal, kBreak, kContinue };

class Evaluator {
 public:
  Evaluator(const Dict& context, const RenderLimits& limits)
      : limits_(limits),
        deadline_(std::chrono::steady_clock::now() +
                  std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                      std::chrono::duration<double>(limits.max_seconds))) {
    frames_.emplace_back();
    const Dict globals = make_globals();
    for (const auto& [name, value] : globals.entries()) frames_[0][name] = value;
    for (const auto& [name, value] : context.entries()) frames_[0][name] = value;
  }

  Flow exec(const Body& body, std::string& out) {
    for (const auto& stmt : body) {
      const Flow flow = exec(*stmt, out);
      if (flow != Flow::kNormal) return flow;
    }
    return Flow::kNormal;
  }

 private:
  using Frame = std::unordered_map<std::string, Value>;

  [[noreturn]] static void fail(const Location& at, const std::string& message,
                                ErrorCode code = ErrorCode::kInvalidArgument) {
    throw Error(code, "chat template line " + std::to_string(at.line) + ", column " +
                          std::to_string(at.column) + ": " + message);
  }

  Value lookup(const std::string& name) const {
    for (auto it = frames_.rbegin(); it != frames_.rend(); ++it) {
      auto found = it->find(name);
      if (found != it->end()) return found->second;
    }
    return Value();
  }

  void assign(const std::vector<std::string>& targets, const Value& value, const Location& at) {
    if (targets.size() == 1) {
      frames_.back()[targets[0]] = value;
      return;
    }
    const List items = iterate(value);
    if (items.size() != targets.size()) {
      fail(at, "cannot unpack " + std::to_string(items.size()) + " values into " +
                   std::to_string(targets.size()) + " names");
    }
    for (size_t i = 0; i < targets.size(); ++i) frames_.back()[targets[i]] = items[i];
  }

  Flow exec(const Stmt& stmt, std::string& out) {
    step(stmt.where);
    switch (stmt.kind) {
      case StmtKind::kText:
        append(out, stmt.text, stmt.where);
        return Flow::kNormal;
      case StmtKind::kOutput:
        append(out, eval(*stmt.expr).str(), stmt.where);
        return Flow::kNormal;
      case StmtKind::kIf:
        for (size_t i = 0; i < stmt.conditions.size(); ++i) {
          if (eval(*stmt.conditions[i]).truthy()) return exec(stmt.bodies[i], out);
        }
        return exec(stmt.else_body, out);
      case StmtKind::kFor:
        return exec_for(stmt, out);
      case StmtKind::kSet:
        exec_set(stmt);
        return Flow::kNormal;
      case StmtKind::kMacro:
        define_macro(stmt);
        return Flow::kNormal;
      case StmtKind::kBreak:
        return Flow::kBreak;
      case StmtKind::kContinue:
        return Flow::kContinue;
      case StmtKind::kScope:
        return exec(stmt.bodies[0], out);
    }
    return Flow::kNormal;
  }

  void exec_set(const Stmt& stmt) {
    Value value;
    if (stmt.expr) {
      value = eval(*stmt.expr);
    } else {
      std::string captured;
      exec(stmt.bodies[0], captured);
      value = Value(std::move(captured));
    }
    if (stmt.attribute.empty()) {
      assign(stmt.targets, value, stmt.where);
      return;
    }
    Value target = lookup(stmt.targets[0]);
    if (!target.is_namespace()) {
      fail(stmt.where, "cannot set attribute '" + stmt.attribute + "' of '" + stmt.targets[0] +
                           "', which is a " + target.type_name() + ", not a namespace()");
    }
    // The one change to a built value: kept shallow and free of namespaces (Value::depth()), so
    // no cycle forms and whatever holds the namespace stays within twice the depth limit.
    if (value.holds_namespace()) {
      fail(stmt.where,
           "cannot set attribute '" + stmt.attribute + "' of namespace '" + stmt.targets[0] +
               "' to a value holding a namespace",
           ErrorCode::kUnsupported);
    }
    if (value.depth() + 1 > kMaxValueDepth) {
      fail(stmt.where,
           "attribute '" + stmt.attribute + "' of namespace '" + stmt.targets[0] + "' would nest " +
               std::to_string(value.depth() + 1) +
               " levels deep, beyond the chat-template limit of " + std::to_string(kMaxValueDepth),
           ErrorCode::kUnsupported);
    }
    target.dict_ref().set(stmt.attribute, std::move(value));
  }

  Flow exec_for(const Stmt& stmt, std::string& out) {
    List items;
    try {
      items = iterate(eval(*stmt.expr));
    } catch (const Error& error) {
      rethrow(error, stmt.where);
    }
    frames_.emplace_back();
    if (stmt.filter) {
      List kept;
      for (auto& item : items) {
        assign(stmt.targets, item, stmt.where);
        if (eval(*stmt.filter).truthy()) kept.push_back(std::move(item));
      }
      items = std::move(kept);
    }
    const auto length = static_cast<int64_t>(items.size());
    for (int64_t i = 0; i < length; ++i) {
      step(stmt.where);  // an empty body still costs a step per iteration
      Dict loop;
      loop.set("index", Value(i + 1));
      loop.set("index0", Value(i));
      loop.set("revindex", Value(length - i));
      loop.set("revindex0", Value(length - i - 1));
      loop.set("first", Value(i == 0));
      loop.set("last", Value(i == length - 1));
      loop.set("length", Value(length));
      loop.set("depth", Value(int64_t{1}));
      loop.set("depth0", Value(int64_t{0}));
      if (i > 0) loop.set("previtem", items[static_cast<size_t>(i - 1)]);
      if (i + 1 < length) loop.set("nextitem", items[static_cast<size_t>(i + 1)]);
      loop.set("cycle",
               Value::function(
                   [i](const CallArgs& args) {
                     if (args.positional.empty()) return Value();
                     return args.positional[static_cast<size_t>(i) % args.positional.size()];
                   },
                   "loop.cycle"));
      frames_.back()["loop"] = Value::dict(std::move(loop));
      assign(stmt.targets, items[static_cast<size_t>(i)], stmt.where);
      if (exec(stmt.bodies[0], out) == Flow::kBreak) break;
    }
    frames_.pop_back();
    if (length == 0) return exec(stmt.else_body, out);
    return Flow::kNormal;
  }

  void define_macro(const Stmt& stmt) {
    const Stmt* macro = &stmt;
    frames_.back()[stmt.targets[0]] = Value::function(
        [this, macro](const CallArgs& args) {
          Frame frame;
          size_t next_positional = 0;
          for (size_t i = 0; i < macro->parameters.size(); ++i) {
            const auto& parameter = macro->parameters[i];
            const Value* given = nullptr;
            if (next_positional < args.positional.size()) {
              given = &args.positional[next_positional++];
            } else {
              for (const auto& [key, value] : args.keyword) {
                if (key == parameter.name) given = &value;
              }
            }
            frame[parameter.name] = given                     ? *given
                                    : parameter.default_value ? eval(*parameter.default_value)
                                                              : Value();
          }
          frames_.push_back(std::move(frame));
          std::string out;
          try {
            exec(macro->bodies[0], out);
          } catch (...) {
            frames_.pop_back();
            throw;
          }
          frames_.pop_back();
          return Value(std::move(out));
        },
        stmt.targets[0]);
  }

  void append(std::string& out, const std::string& text, const Location& at) {
    if (out.size() + text.size() > kMaxStringBytes) {
      fail(at, "the rendered text would pass " + std::to_string(kMaxStringBytes) +
                   " bytes, the chat-template limit", ErrorCode::kUnsupported);
    }
    out += text;
  }

  // Every statement, expression and loop iteration is a step: a render past max_steps, or past
  // max_seconds of wall time (one step can copy a long string), is refused where it is.
  void step(const Location& at) {
    if (++steps_ > limits_.max_steps) {
      fail(at, "rendering took more than " + std::to_string(limits_.max_steps) +
                   " steps, the chat-template limit (a loop without end?)", ErrorCode::kUnsupported);
    }
    if (steps_ % 64 == 0 && std::chrono::steady_clock::now() > deadline_) {
      char seconds[32];
      std::snprintf(seconds, sizeof(seconds), "%g", limits_.max_seconds);
      fail(at, std::string("rendering took more than ") + seconds + " s, the chat-template limit",
           ErrorCode::kUnsupported);
    }
  }

  [[noreturn]] static void rethrow(const Error& error, const Location& at) {
    const std::string message = error.what();
    if (message.rfind("chat template line", 0) == 0) throw error;
    fail(at, message, error.code());
  }

  CallArgs eval_arguments(const Expr& expr, size_t first) {
    CallArgs args;
    for (size_t i = first; i < expr.children.size(); ++i)
      args.positional.push_back(eval(*expr.children[i]));
    for (const auto& [key, value] : expr.keywords) args.keyword.emplace_back(key, eval(*value));
    return args;
  }

  // A template from a checkpoint may recurse without end ({% macro f() %}{{ f() }}...): refuse
  // beyond this depth instead of overflowing the stack.
  static constexpr int kMaxDepth = 256;

  Value eval(const Expr& expr) {
    if (depth_ >= kMaxDepth) {
      fail(expr.where, "evaluation nested deeper than " + std::to_string(kMaxDepth) +
                           " (a macro that calls itself without end?)",
           ErrorCode::kUnsupported);
    }
    step(expr.where);
    ++depth_;
    struct Leave {
      int& depth;
      ~Leave() { --depth; }
    } leave{depth_};
    try {
      return eval_node(expr);
    } catch (const Error& error) {
      rethrow(error, expr.where);
    }
  }

  Value eval_node(const Expr& expr) {
    switch (expr.kind) {
      case ExprKind::kLiteral:
        return expr.value;
      case ExprKind::kName:
        return lookup(expr.name);
      case ExprKind::kAttribute:
        return get_attribute(eval(*expr.children[0]), expr.name);
      case ExprKind::kItem:
        return get_item(eval(*expr.children[0]), eval(*expr.children[1]));
      case ExprKind::kSlice: {
        auto optional = [&](size_t i) {
          return expr.children[i] ? eval(*expr.children[i]) : Value();
        };
        return slice(eval(*expr.children[0]), optional(1), optional(2), optional(3));
      }
      case ExprKind::kCall: {
        const Value callee = eval(*expr.children[0]);
        if (!callee.is_function()) {
          const std::string what = expr.children[0]->kind == ExprKind::kName
                                       ? "'" + expr.children[0]->name + "'"
                                   : expr.children[0]->kind == ExprKind::kAttribute
                                       ? "method '" + expr.children[0]->name + "'"
                                       : "the expression";
          fail(expr.where, what + " is not callable (it is " + callee.type_name() + ")",
               callee.is_undefined() ? ErrorCode::kUnsupported : ErrorCode::kInvalidArgument);
        }
        return callee.call()(eval_arguments(expr, 1));
      }
      case ExprKind::kFilter:
        return apply_filter(expr.name, eval(*expr.children[0]), eval_arguments(expr, 1));
      case ExprKind::kTest: {
        const bool result = apply_test(expr.name, eval(*expr.children[0]), eval_arguments(expr, 1));
        return Value(result != expr.negated);
      }
      case ExprKind::kUnary: {
        const Value operand = eval(*expr.children[0]);
        if (expr.name == "not") return Value(!operand.truthy());
        if (!operand.is_number())
          fail(expr.where, "unary '" + expr.name + "' needs a number, got " + operand.type_name());
        if (expr.name == "+") return operand;
        if (!operand.is_int()) return Value(-operand.as_double());
        if (operand.as_int() == INT64_MIN)  // -(-2**63) needs 65 bits
          fail(expr.where, "integer overflow in -(" + std::to_string(INT64_MIN) + ")",
               ErrorCode::kUnsupported);
        return Value(-operand.as_int());
      }
      case ExprKind::kAnd: {
        Value left = eval(*expr.children[0]);
        return left.truthy() ? eval(*expr.children[1]) : left;
      }
      case ExprKind::kOr: {
        Value left = eval(*expr.children[0]);
        return left.truthy() ? left : eval(*expr.children[1]);
      }
      case ExprKind::kConditional:
        if (eval(*expr.children[0]).truthy()) return eval(*expr.children[1]);
        return expr.children[2] ? eval(*expr.children[2]) : Value();
      case ExprKind::kList:
      case ExprKind::kTuple: {
        List items;
        for (const auto& child : expr.children) items.push_back(eval(*child));
        return Value(std::move(items));
      }
      case ExprKind::kDict: {
        Dict dict;
        for (size_t i = 0; i + 1 < expr.children.size(); i += 2) {
          const Value key = eval(*expr.children[i]);
          dict.set(key.is_string() ? key.as_string() : key.str(), eval(*expr.children[i + 1]));
        }
        return Value::dict(std::move(dict));
      }
      case ExprKind::kBinary:
        return binary(expr, eval(*expr.children[0]), eval(*expr.children[1]));
    }
    return Value();
  }

  Value binary(const Expr& expr, const Value& a, const Value& b) {
    const std::string& op = expr.name;
    if (op == "==") return Value(a.equals(b));
    if (op == "!=") return Value(!a.equals(b));
    if (op == "in" || op == "not in") {
      bool found;
      if (b.is_string()) {
        if (!a.is_string())
          fail(expr.where, "'in <string>' requires a string on the left, got " + a.type_name());
        found = b.as_string().find(a.as_string()) != std::string::npos;
      } else if (b.is_dict()) {
        found = a.is_string() && b.dict_ref().find(a.as_string()) != nullptr;
      } else {
        const List items = iterate(b);
        found = std::any_of(items.begin(), items.end(),
                            [&](const Value& item) { return item.equals(a); });
      }
      return Value(found == (op == "in"));
    }
    if (op == "<" || op == ">" || op == "<=" || op == ">=") {
      const int c = detail::compare(a, b);
      return Value(op == "<" ? c < 0 : op == ">" ? c > 0 : op == "<=" ? c <= 0 : c >= 0);
    }
    if (op == "~") {
      std::string left = a.str(), right = b.str();
      check_string_size(left.size() + right.size(), "'~'");
      return Value(left + right);
    }
    if (op == "+") {
      if (a.is_string() && b.is_string()) {
        check_string_size(a.as_string().size() + b.as_string().size(), "'+'");
        return Value(a.as_string() + b.as_string());
      }
      if (a.is_list() && b.is_list()) {
        check_list_size(a.list().size() + b.list().size(), "'+'");
        List items = a.list();
        items.insert(items.end(), b.list().begin(), b.list().end());
        return Value(std::move(items));
      }
    }
    if (op == "*" && (a.is_string() || a.is_list()) && b.is_int()) {
      // sizes checked before building: 'ab' * 10**9 is refused at once
      const size_t times = static_cast<size_t>(std::max<int64_t>(0, b.as_int()));
      const size_t unit = a.is_string() ? a.as_string().size() : a.list().size();
      const size_t total = unit == 0 || times <= SIZE_MAX / unit ? unit * times : SIZE_MAX;
      if (a.is_string()) check_string_size(total, "'*'");
      else check_list_size(total, "'*'");
      if (a.is_string()) {
        std::string out = times > 0 ? a.as_string() : std::string();
        out.reserve(total);
        while (out.size() < total) out.append(out, 0, std::min(out.size(), total - out.size()));
        return Value(std::move(out));
      }
      List items;
      items.reserve(total);
      for (size_t i = 0; i < times; ++i) items.insert(items.end(), a.list().begin(), a.list().end());
      return Value(std::move(items));
    }
    if (!(a.is_number() || a.is_bool()) || !(b.is_number() || b.is_bool())) {
      fail(expr.where,
           "unsupported operand types for " + op + ": " + a.type_name() + " and " + b.type_name());
    }
    const bool integers = (a.is_int() || a.is_bool()) && (b.is_int() || b.is_bool());
    // Read only for integer operands: a float operand (1e300 + 1) stays a float.
    auto integer = [integers](const Value& v) -> int64_t {
      if (!integers) return 0;
      return v.is_bool() ? v.as_bool() : v.as_int();
    };
    const int64_t x = integer(a), y = integer(b);
    const double p = a.is_bool() ? a.as_bool() : a.as_double(),
                 q = b.is_bool() ? b.as_bool() : b.as_double();
    // Python's integers have no limit; beyond 64 bits is refused rather than wrapped (or UB).
    auto overflow = [&]() -> Value {
      fail(expr.where, "integer overflow in " + std::to_string(x) + " " + op + " " + std::to_string(y),
           ErrorCode::kUnsupported);
    };
    int64_t result = 0;
    if (op == "+") {
      if (!integers) return Value(p + q);
      return __builtin_add_overflow(x, y, &result) ? overflow() : Value(result);
    }
    if (op == "-") {
      if (!integers) return Value(p - q);
      return __builtin_sub_overflow(x, y, &result) ? overflow() : Value(result);
    }
    if (op == "*") {
      if (!integers) return Value(p * q);
      return __builtin_mul_overflow(x, y, &result) ? overflow() : Value(result);
    }
    if (op == "/") {
      if (q == 0) fail(expr.where, "division by zero");
      return Value(p / q);
    }
    if (op == "//" || op == "%") {
      if (q == 0) fail(expr.where, "integer division or modulo by zero");
      if (integers) {
        if (x == INT64_MIN && y == -1) {  // the quotient 2**63 needs 65 bits; x / y traps
          if (op == "//") overflow();
          return Value(int64_t{0});
        }
        int64_t quotient = x / y, remainder = x % y;
        if (remainder != 0 && ((remainder < 0) != (y < 0))) {
          --quotient;
          remainder += y;
        }
        return Value(op == "//" ? quotient : remainder);
      }
      const double quotient = std::floor(p / q);
      return Value(op == "//" ? quotient : p - quotient * q);
    }
    if (op == "**") {
      if (integers && y >= 0) {
        // by squaring: 2 ** 10**18 is 60 steps to an overflow error, not 10**18 multiplications
        int64_t power = 1, base = x, exponent = y;
        while (exponent > 0) {
          if ((exponent & 1) && __builtin_mul_overflow(power, base, &power)) overflow();
          exponent >>= 1;
          if (exponent > 0 && __builtin_mul_overflow(base, base, &base)) overflow();
        }
        return Value(power);
      }
      return Value(std::pow(p, q));
    }
    fail(expr.where, "unknown operator '" + op + "'", ErrorCode::kUnsupported);
  }

  std::vector<Frame> frames_;
  int depth_ = 0;
  int64_t steps_ = 0;
  const RenderLimits limits_;
  const std::chrono::steady_clock::time_point deadline_;
};

}  // namespace

std::string render(const Body& body, const Dict& context, const RenderLimits& limits) {
  Evaluator evaluator(context, limits);
  std::string out;
  evaluator.exec(body, out);
  return out;
}

}  // namespace almkit::jinja
