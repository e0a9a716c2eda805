// Splits a chat template into text and tag tokens, applying whitespace control ({%- -%}),
// trim_blocks, lstrip_blocks and the dropped final newline as transformers configures Jinja.
#pragma once

#include <string>
#include <vector>

#include "io/chat_template/ast.h"

namespace almkit::jinja {

enum class TokenKind {
  kText,
  kOutputBegin,     // {{
  kOutputEnd,       // }}
  kStatementBegin,  // {%
  kStatementEnd,    // %}
  kName,
  kString,
  kInteger,
  kFloat,
  kOperator,  // + - * / // % ** ~ == != < > <= >= = ( ) [ ] { } , . : |
  kEnd,
};

struct Token {
  TokenKind kind;
  std::string text;  // text, name, operator, or the decoded string literal
  Location where;
};

// Throws kInvalidFormat naming line and column (unterminated tag or string, stray character).
std::vector<Token> tokenize(const std::string& source);

}  // namespace almkit::jinja
