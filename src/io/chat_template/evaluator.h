// Runs a parsed chat template against a context of variables, Jinja's scoping rules included
// (for-loop bodies and macros get their own scope; namespace() objects carry values out).
#pragma once

#include <string>

#include "io/chat_template/ast.h"
#include "io/chat_template/limits.h"

namespace almkit::jinja {

// Renders `body` with `context` (on top of the built-in globals). Errors name line and column.
// Refused with kUnsupported past `limits` (limits.h).
std::string render(const Body& body, const Dict& context, const RenderLimits& limits = {});

}  // namespace almkit::jinja
