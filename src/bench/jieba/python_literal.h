// Reads the one assignment a generated Python module such as jieba's finalseg/prob_emit.py holds
// (`P={'B': {'\u4e00': -3.65, ...}, ...}`), so its tables can be used without a Python runtime.
// Only literals: dicts, strings (quotes, escapes), ints and floats, True/False/None; nothing is
// evaluated.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace almkit::bench::jieba {

// The value assigned to `name` in `source` (the text of a .py file; `from`/`import` lines and
// comments are skipped). Throws almkit::Error(kInvalidFormat) naming `file` and the line when the
// text is anything else or the literal is malformed.
nlohmann::json parse_python_assignment(const std::string& source, const std::string& name,
                                       const std::string& file);

}  // namespace almkit::bench::jieba
