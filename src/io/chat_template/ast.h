// Syntax tree of a parsed chat template: expressions and statements, each with the line and
// column it came from for error messages.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "io/chat_template/value.h"

namespace almkit::jinja {

struct Location {
  int line = 1, column = 1;
};

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

enum class ExprKind {
  kLiteral,    // value
  kName,       // name
  kAttribute,  // children[0].name
  kItem,       // children[0][children[1]]
  kSlice,      // children[0][children[1]:children[2]:children[3]] (null = omitted)
  kCall,       // children[0](children[1..], keywords)
  kFilter,     // children[0] | name(children[1..], keywords)
  kTest,       // children[0] is [not] name(children[1..])
  kUnary,      // op children[0]: "not", "-", "+"
  kBinary,     // children[0] op children[1]: arithmetic, comparison, "in", "not in", "~"
  kAnd,
  kOr,
  kConditional,  // children[1] if children[0] else children[2] (children[2] may be null)
  kList,
  kTuple,
  kDict,  // children: key0, value0, key1, value1, ...
};

struct Expr {
  ExprKind kind;
  Location where;
  std::string name;  // name, attribute, filter, test or operator
  Value value;       // literal
  bool negated = false;
  std::vector<ExprPtr> children;
  std::vector<std::pair<std::string, ExprPtr>> keywords;
};

struct Stmt;
using StmtPtr = std::unique_ptr<Stmt>;
using Body = std::vector<StmtPtr>;

enum class StmtKind {
  kText,    // text
  kOutput,  // {{ expr }}
  kIf,      // conditions[i] -> bodies[i]; else_body
  kFor,     // for targets in expr [if filter]: body; else_body
  kSet,     // set targets = expr | set target.attribute = expr | set name %}body{% endset
  kMacro,   // macro name(parameters): body
  kBreak,
  kContinue,
  kScope,  // a body run as is ({% generation %} ... {% endgeneration %})
};

struct MacroParameter {
  std::string name;
  ExprPtr default_value;  // may be null
};

struct Stmt {
  StmtKind kind;
  Location where;
  std::string text;                  // kText
  ExprPtr expr;                      // kOutput, kFor iterable, kSet value
  ExprPtr filter;                    // kFor "if" filter
  std::vector<std::string> targets;  // kFor loop variables, kSet names, kMacro name (targets[0])
  std::string attribute;             // kSet: "ns.attribute" target
  std::vector<ExprPtr> conditions;   // kIf
  std::vector<Body> bodies;          // kIf (one per condition), kFor/kSet/kMacro/kScope: bodies[0]
  Body else_body;                    // kIf, kFor
  std::vector<MacroParameter> parameters;
};

}  // namespace almkit::jinja
