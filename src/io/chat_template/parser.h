// Parses chat-template tokens into a syntax tree (Jinja's grammar and operator precedence for
// the subset real chat templates use).
#pragma once

#include <vector>

#include "io/chat_template/ast.h"
#include "io/chat_template/lexer.h"

namespace almkit::jinja {

// Throws kInvalidFormat for a syntax error and kUnsupported for a valid Jinja tag outside the
// supported subset (call, filter blocks, include, extends, ...), naming line and column.
Body parse(const std::vector<Token>& tokens);

}  // namespace almkit::jinja
