#include "io/chat_template/parser.h"

#include <cstdlib>
#include <set>
#include <stdexcept>

#include "almkit/error.h"

namespace almkit::jinja {
namespace {

class Parser {
 public:
  explicit Parser(const std::vector<Token>& tokens) : tokens_(tokens) {}

  Body parse_template() {
    Body body;
    const std::string stop = parse_body(body, {});
    if (!stop.empty()) fail(previous(), "unexpected '{% " + stop + " %}'");
    return body;
  }

 private:
  const Token& peek(size_t ahead = 0) const {
    return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)];
  }
  const Token& previous() const { return tokens_[pos_ > 0 ? pos_ - 1 : 0]; }
  const Token& next() { return tokens_[std::min(pos_++, tokens_.size() - 1)]; }
  bool at_operator(const char* op, size_t ahead = 0) const {
    return peek(ahead).kind == TokenKind::kOperator && peek(ahead).text == op;
  }
  bool at_name(const char* name, size_t ahead = 0) const {
    return peek(ahead).kind == TokenKind::kName && peek(ahead).text == name;
  }
  bool accept_operator(const char* op) {
    if (!at_operator(op)) return false;
    ++pos_;
    return true;
  }
  bool accept_name(const char* name) {
    if (!at_name(name)) return false;
    ++pos_;
    return true;
  }

  [[noreturn]] static void fail(const Token& at, const std::string& message,
                                ErrorCode code = ErrorCode::kInvalidFormat) {
    throw Error(code, "chat template line " + std::to_string(at.where.line) + ", column " +
                          std::to_string(at.where.column) + ": " + message);
  }
  // Python's ints have no bound; almkit's are int64, and a longer literal is refused by name.
  static int64_t integer_literal(const Token& token) {
    try {
      return static_cast<int64_t>(std::stoll(token.text));
    } catch (const std::out_of_range&) {
      fail(token, "integer " + token.text + " does not fit in 64 bits", ErrorCode::kUnsupported);
    }
  }
  static std::string describe(const Token& token) {
    switch (token.kind) {
      case TokenKind::kEnd:
        return "end of template";
      case TokenKind::kOutputEnd:
        return "'}}'";
      case TokenKind::kStatementEnd:
        return "'%}'";
      case TokenKind::kString:
        return "string '" + token.text + "'";
      default:
        return "'" + token.text + "'";
    }
  }
  void expect_operator(const char* op) {
    if (!accept_operator(op))
      fail(peek(), std::string("expected '") + op + "', found " + describe(peek()));
  }
  std::string expect_name() {
    if (peek().kind != TokenKind::kName) fail(peek(), "expected a name, found " + describe(peek()));
    return next().text;
  }
  void expect_statement_end() {
    if (peek().kind != TokenKind::kStatementEnd)
      fail(peek(), "expected '%}', found " + describe(peek()));
    ++pos_;
  }

  // Parses statements into `body` until a {% name %} in `stops` (returned, with `{% name`
  // consumed) or the end of the template ("").
  std::string parse_body(Body& body, const std::set<std::string>& stops) {
    while (true) {
      const Token& token = peek();
      switch (token.kind) {
        case TokenKind::kEnd:
          return "";
        case TokenKind::kText: {
          auto stmt = make_stmt(StmtKind::kText, token);
          stmt->text = token.text;
          body.push_back(std::move(stmt));
          ++pos_;
          break;
        }
        case TokenKind::kOutputBegin: {
          ++pos_;
          auto stmt = make_stmt(StmtKind::kOutput, token);
          stmt->expr = parse_expression();
          if (peek().kind != TokenKind::kOutputEnd)
            fail(peek(), "expected '}}', found " + describe(peek()));
          ++pos_;
          body.push_back(std::move(stmt));
          break;
        }
        case TokenKind::kStatementBegin: {
          ++pos_;
          const Token& keyword = peek();
          if (keyword.kind != TokenKind::kName)
            fail(keyword, "expected a tag name, found " + describe(keyword));
          if (stops.count(keyword.text)) {
            ++pos_;
            return keyword.text;
          }
          body.push_back(parse_statement());
          break;
        }
        default:
          fail(token, "unexpected " + describe(token));
      }
    }
  }

  static StmtPtr make_stmt(StmtKind kind, const Token& at) {
    auto stmt = std::make_unique<Stmt>();
    stmt->kind = kind;
    stmt->where = at.where;
    return stmt;
  }

  void expect_stop(const std::string& found, const std::string& wanted, const Token& opener) {
    if (found.empty())
      fail(opener, "'{% " + opener.text + " %}' is never closed (expected '{% " + wanted + " %}')");
  }

  StmtPtr parse_statement() {
    const Nested nested = enter("statements");
    const Token& keyword = next();
    const std::string& name = keyword.text;
    if (name == "if") return parse_if(keyword);
    if (name == "for") return parse_for(keyword);
    if (name == "set") return parse_set(keyword);
    if (name == "macro") return parse_macro(keyword);
    if (name == "break" || name == "continue") {
      expect_statement_end();
      return make_stmt(name == "break" ? StmtKind::kBreak : StmtKind::kContinue, keyword);
    }
    if (name == "generation") {
      expect_statement_end();
      auto stmt = make_stmt(StmtKind::kScope, keyword);
      stmt->bodies.emplace_back();
      expect_stop(parse_body(stmt->bodies[0], {"endgeneration"}), "endgeneration", keyword);
      expect_statement_end();
      return stmt;
    }
    static const std::set<std::string> kKnown = {"call",       "filter",  "include", "import",
                                                 "from",       "extends", "block",   "with",
                                                 "autoescape", "do"};
    if (kKnown.count(name)) {
      fail(keyword,
           "the '{% " + name + " %}' tag is not supported by almkit's chat-template interpreter",
           ErrorCode::kUnsupported);
    }
    fail(keyword, "unknown tag '" + name + "'", ErrorCode::kUnsupported);
  }

  StmtPtr parse_if(const Token& keyword) {
    auto stmt = make_stmt(StmtKind::kIf, keyword);
    stmt->conditions.push_back(parse_expression());
    expect_statement_end();
    while (true) {
      Body body;
      const std::string stop = parse_body(body, {"elif", "else", "endif"});
      expect_stop(stop, "endif", keyword);
      stmt->bodies.push_back(std::move(body));
      if (stop == "elif") {
        stmt->conditions.push_back(parse_expression());
        expect_statement_end();
        continue;
      }
      expect_statement_end();
      if (stop == "else") {
        expect_stop(parse_body(stmt->else_body, {"endif"}), "endif", keyword);
        expect_statement_end();
      }
      return stmt;
    }
  }

  StmtPtr parse_for(const Token& keyword) {
    auto stmt = make_stmt(StmtKind::kFor, keyword);
    const bool parenthesized = accept_operator("(");
    do {
      stmt->targets.push_back(expect_name());
    } while (accept_operator(","));
    if (parenthesized) expect_operator(")");
    if (!accept_name("in")) fail(peek(), "expected 'in' in for loop, found " + describe(peek()));
    stmt->expr = parse_expression(false);
    if (accept_name("if")) stmt->filter = parse_expression(false);
    if (at_name("recursive"))
      fail(peek(), "recursive for loops are not supported", ErrorCode::kUnsupported);
    expect_statement_end();
    stmt->bodies.emplace_back();
    const std::string stop = parse_body(stmt->bodies[0], {"else", "endfor"});
    expect_stop(stop, "endfor", keyword);
    expect_statement_end();
    if (stop == "else") {
      expect_stop(parse_body(stmt->else_body, {"endfor"}), "endfor", keyword);
      expect_statement_end();
    }
    return stmt;
  }

  StmtPtr parse_set(const Token& keyword) {
    auto stmt = make_stmt(StmtKind::kSet, keyword);
    stmt->targets.push_back(expect_name());
    if (accept_operator(".")) {
      stmt->attribute = expect_name();
    } else {
      while (accept_operator(",")) stmt->targets.push_back(expect_name());
    }
    if (accept_operator("=")) {
      stmt->expr = parse_expression();
      if (at_operator(",")) {  // set a, b = 1, 2
        auto tuple = make_expr(ExprKind::kTuple, peek());
        tuple->children.push_back(std::move(stmt->expr));
        while (accept_operator(",")) tuple->children.push_back(parse_expression());
        stmt->expr = std::move(tuple);
      }
      expect_statement_end();
      return stmt;
    }
    if (!stmt->attribute.empty() || stmt->targets.size() != 1) fail(peek(), "expected '=' in set");
    expect_statement_end();
    stmt->bodies.emplace_back();
    expect_stop(parse_body(stmt->bodies[0], {"endset"}), "endset", keyword);
    expect_statement_end();
    return stmt;
  }

  StmtPtr parse_macro(const Token& keyword) {
    auto stmt = make_stmt(StmtKind::kMacro, keyword);
    stmt->targets.push_back(expect_name());
    expect_operator("(");
    while (!accept_operator(")")) {
      MacroParameter parameter;
      parameter.name = expect_name();
      if (accept_operator("=")) parameter.default_value = parse_expression();
      stmt->parameters.push_back(std::move(parameter));
      if (!at_operator(")")) expect_operator(",");
    }
    expect_statement_end();
    stmt->bodies.emplace_back();
    expect_stop(parse_body(stmt->bodies[0], {"endmacro"}), "endmacro", keyword);
    if (peek().kind == TokenKind::kName) ++pos_;  // {% endmacro name %}
    expect_statement_end();
    return stmt;
  }

  static ExprPtr make_expr(ExprKind kind, const Token& at) {
    auto expr = std::make_unique<Expr>();
    expr->kind = kind;
    expr->where = at.where;
    return expr;
  }
  static ExprPtr make_binary(ExprKind kind, const Token& at, std::string op, ExprPtr left,
                             ExprPtr right) {
    auto expr = make_expr(kind, at);
    expr->name = std::move(op);
    expr->children.push_back(std::move(left));
    expr->children.push_back(std::move(right));
    return expr;
  }

  // Templates come with checkpoints: a stranger's "((((...))))", "not not not ...", "- - - ..."
  // or {% if %} inside {% if %} thousands deep must not overflow the stack. Every recursive rule
  // holds one of these while it runs.
  static constexpr int kMaxNesting = 200;
  struct Nested {
    int& depth;
    ~Nested() { --depth; }
  };
  Nested enter(const char* what) {
    if (nesting_ >= kMaxNesting) {
      fail(peek(), std::string(what) + " nested deeper than " + std::to_string(kMaxNesting),
           ErrorCode::kUnsupported);
    }
    ++nesting_;
    return Nested{nesting_};
  }

  ExprPtr parse_expression(bool with_conditional = true) {
    const Nested nested = enter("expressions");
    ExprPtr expr = parse_or();
    while (with_conditional && at_name("if")) {
      const Token& at = next();
      auto conditional = make_expr(ExprKind::kConditional, at);
      conditional->children.push_back(parse_or());
      conditional->children.push_back(std::move(expr));
      conditional->children.push_back(accept_name("else") ? parse_expression() : nullptr);
      expr = std::move(conditional);
    }
    return expr;
  }

  ExprPtr parse_or() {
    ExprPtr left = parse_and();
    while (at_name("or")) {
      const Token& at = next();
      left = make_binary(ExprKind::kOr, at, "or", std::move(left), parse_and());
    }
    return left;
  }

  ExprPtr parse_and() {
    ExprPtr left = parse_not();
    while (at_name("and")) {
      const Token& at = next();
      left = make_binary(ExprKind::kAnd, at, "and", std::move(left), parse_not());
    }
    return left;
  }

  ExprPtr parse_not() {
    if (at_name("not")) {
      const Nested nested = enter("'not' operators");
      const Token& at = next();
      auto expr = make_expr(ExprKind::kUnary, at);
      expr->name = "not";
      expr->children.push_back(parse_not());
      return expr;
    }
    return parse_compare();
  }

  // One comparison (==, !=, <, >, <=, >=, in, not in). Jinja's chains (a < b < c) are rejected:
  // no chat template uses them and @huggingface/jinja does not support them either.
  ExprPtr parse_compare() {
    ExprPtr left = parse_math1();
    const Token& at = peek();
    std::string op;
    if (at_comparison()) {
      op = at.kind == TokenKind::kOperator ? at.text : at_name("in") ? "in" : "not in";
      pos_ += op == "not in" ? 2 : 1;
    } else {
      return left;
    }
    ExprPtr comparison = make_binary(ExprKind::kBinary, at, op, std::move(left), parse_math1());
    if (at_comparison()) {
      fail(peek(), "chained comparisons are not supported; use 'and'", ErrorCode::kUnsupported);
    }
    return comparison;
  }

  bool at_comparison() const {
    static const std::set<std::string> kOperators = {"==", "!=", "<", ">", "<=", ">="};
    const Token& token = peek();
    return (token.kind == TokenKind::kOperator && kOperators.count(token.text)) || at_name("in") ||
           (at_name("not") && at_name("in", 1));
  }

  ExprPtr parse_math1() {
    ExprPtr left = parse_concat();
    while (at_operator("+") || at_operator("-")) {
      const Token& at = next();
      left = make_binary(ExprKind::kBinary, at, at.text, std::move(left), parse_concat());
    }
    return left;
  }

  ExprPtr parse_concat() {
    ExprPtr left = parse_math2();
    while (at_operator("~")) {
      const Token& at = next();
      left = make_binary(ExprKind::kBinary, at, "~", std::move(left), parse_math2());
    }
    return left;
  }

  ExprPtr parse_math2() {
    ExprPtr left = parse_pow();
    while (at_operator("*") || at_operator("/") || at_operator("//") || at_operator("%")) {
      const Token& at = next();
      left = make_binary(ExprKind::kBinary, at, at.text, std::move(left), parse_pow());
    }
    return left;
  }

  ExprPtr parse_pow() {
    ExprPtr left = parse_unary(true);
    while (at_operator("**")) {
      const Token& at = next();
      left = make_binary(ExprKind::kBinary, at, "**", std::move(left), parse_unary(true));
    }
    return left;
  }

  ExprPtr parse_unary(bool with_filter) {
    ExprPtr expr;
    if (at_operator("-") || at_operator("+")) {
      const Nested nested = enter("unary operators");
      const Token& at = next();
      expr = make_expr(ExprKind::kUnary, at);
      expr->name = at.text;
      expr->children.push_back(parse_unary(false));
    } else {
      expr = parse_primary();
    }
    expr = parse_postfix(std::move(expr));
    return with_filter ? parse_filters(std::move(expr)) : std::move(expr);
  }

  ExprPtr parse_primary() {
    const Token& token = next();
    switch (token.kind) {
      case TokenKind::kName: {
        if (token.text == "true" || token.text == "True") return literal(token, Value(true));
        if (token.text == "false" || token.text == "False") return literal(token, Value(false));
        if (token.text == "none" || token.text == "None") return literal(token, Value::none());
        auto expr = make_expr(ExprKind::kName, token);
        expr->name = token.text;
        return expr;
      }
      case TokenKind::kString: {
        std::string text = token.text;
        while (peek().kind == TokenKind::kString) text += next().text;  // 'a' 'b' is 'ab'
        return literal(token, Value(std::move(text)));
      }
      case TokenKind::kInteger:
        return literal(token, Value(integer_literal(token)));
      case TokenKind::kFloat:
        return literal(token, Value(std::strtod(token.text.c_str(), nullptr)));  // 1e999: inf, as Python
      case TokenKind::kOperator: {
        if (token.text == "(") {
          if (accept_operator(")")) return make_expr(ExprKind::kTuple, token);
          ExprPtr first = parse_expression();
          if (accept_operator(")")) return first;
          auto tuple = make_expr(ExprKind::kTuple, token);
          tuple->children.push_back(std::move(first));
          while (accept_operator(",")) {
            if (at_operator(")")) break;
            tuple->children.push_back(parse_expression());
          }
          expect_operator(")");
          return tuple;
        }
        if (token.text == "[") {
          auto list = make_expr(ExprKind::kList, token);
          while (!accept_operator("]")) {
            list->children.push_back(parse_expression());
            if (!at_operator("]")) expect_operator(",");
          }
          return list;
        }
        if (token.text == "{") {
          auto dict = make_expr(ExprKind::kDict, token);
          while (!accept_operator("}")) {
            dict->children.push_back(parse_expression());
            expect_operator(":");
            dict->children.push_back(parse_expression());
            if (!at_operator("}")) expect_operator(",");
          }
          return dict;
        }
        break;
      }
      default:
        break;
    }
    fail(token, "unexpected " + describe(token) + " in expression");
  }

  static ExprPtr literal(const Token& at, Value value) {
    auto expr = make_expr(ExprKind::kLiteral, at);
    expr->value = std::move(value);
    return expr;
  }

  ExprPtr parse_postfix(ExprPtr expr) {
    while (true) {
      if (at_operator(".")) {
        const Token& at = next();
        if (peek().kind == TokenKind::kInteger) {  // foo.0 is foo[0]
          auto item = make_expr(ExprKind::kItem, at);
          item->children.push_back(std::move(expr));
          item->children.push_back(
              literal(peek(), Value(integer_literal(next()))));
          expr = std::move(item);
          continue;
        }
        auto attribute = make_expr(ExprKind::kAttribute, at);
        attribute->name = expect_name();
        attribute->children.push_back(std::move(expr));
        expr = std::move(attribute);
      } else if (at_operator("[")) {
        expr = parse_subscript(std::move(expr));
      } else if (at_operator("(")) {
        expr = parse_call(std::move(expr), ExprKind::kCall, "");
      } else {
        return expr;
      }
    }
  }

  ExprPtr parse_subscript(ExprPtr target) {
    const Token& at = next();  // [
    ExprPtr start, stop, step;
    if (!at_operator(":")) start = parse_expression();
    if (!accept_operator(":")) {
      expect_operator("]");
      auto item = make_expr(ExprKind::kItem, at);
      item->children.push_back(std::move(target));
      item->children.push_back(std::move(start));
      return item;
    }
    if (!at_operator(":") && !at_operator("]")) stop = parse_expression();
    if (accept_operator(":") && !at_operator("]")) step = parse_expression();
    expect_operator("]");
    auto slice = make_expr(ExprKind::kSlice, at);
    slice->children.push_back(std::move(target));
    slice->children.push_back(std::move(start));
    slice->children.push_back(std::move(stop));
    slice->children.push_back(std::move(step));
    return slice;
  }

  // `(args)` after a callee, filter or test; `expr` becomes children[0].
  ExprPtr parse_call(ExprPtr expr, ExprKind kind, const std::string& name) {
    auto call = make_expr(kind, peek());
    call->name = name;
    call->children.push_back(std::move(expr));
    expect_operator("(");
    while (!accept_operator(")")) {
      if (peek().kind == TokenKind::kName && at_operator("=", 1)) {
        std::string key = next().text;
        ++pos_;
        call->keywords.emplace_back(std::move(key), parse_expression());
      } else {
        call->children.push_back(parse_expression());
      }
      if (!at_operator(")")) expect_operator(",");
    }
    return call;
  }

  ExprPtr parse_filters(ExprPtr expr) {
    while (true) {
      if (at_operator("|")) {
        const Token& at = next();
        const std::string name = expect_name();
        if (at_operator("(")) {
          expr = parse_call(std::move(expr), ExprKind::kFilter, name);
        } else {
          auto filter = make_expr(ExprKind::kFilter, at);
          filter->name = name;
          filter->children.push_back(std::move(expr));
          expr = std::move(filter);
        }
        expr->where = at.where;
      } else if (at_name("is")) {
        const Token& at = next();
        const bool negated = accept_name("not");
        const std::string name = expect_name();
        if (at_operator("(")) {
          expr = parse_call(std::move(expr), ExprKind::kTest, name);
        } else {
          auto test = make_expr(ExprKind::kTest, at);
          test->name = name;
          test->children.push_back(std::move(expr));
          const Token& arg = peek();
          const bool has_argument = arg.kind == TokenKind::kString ||
                                    arg.kind == TokenKind::kInteger ||
                                    arg.kind == TokenKind::kFloat ||
                                    (arg.kind == TokenKind::kName && arg.text != "else" &&
                                     arg.text != "or" && arg.text != "and" && arg.text != "if" &&
                                     arg.text != "is" && arg.text != "in" && arg.text != "not");
          if (has_argument) test->children.push_back(parse_postfix(parse_primary()));
          expr = std::move(test);
        }
        expr->where = at.where;
        expr->negated = negated;
      } else if (at_operator("(")) {
        expr = parse_call(std::move(expr), ExprKind::kCall, "");
      } else {
        return expr;
      }
    }
  }

  const std::vector<Token>& tokens_;
  size_t pos_ = 0;
  int nesting_ = 0;
};

}  // namespace

Body parse(const std::vector<Token>& tokens) {
  return Parser(tokens).parse_template();
}

}  // namespace almkit::jinja
