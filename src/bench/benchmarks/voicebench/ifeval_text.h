// Python str semantics that IFEval's checkers depend on and python_text.h does not cover:
// str.isupper() / str.islower() with CPython's own case flags (generated tables), whether
// json.loads accepts a string, and IFEval's count_words (nltk RegexpTokenizer(r"\w+")).
#pragma once

#include <string>
#include <vector>

namespace almkit::bench {

// CPython's one-character case flags (Py_UNICODE_ISUPPER / ISLOWER / ISTITLE).
bool python_char_isupper(char32_t c);
bool python_char_islower(char32_t c);
bool python_char_istitle(char32_t c);
// str.isupper(): at least one cased character and none lower or title case; islower() likewise.
bool python_isupper(const std::string& text);
bool python_islower(const std::string& text);

// Whether CPython's json.loads(text) returns (true) or raises ValueError (false): its C scanner's
// grammar, which also takes NaN, Infinity, -Infinity and lone surrogate escapes, rejects a
// leading BOM and (3.11+) integers of more than 4300 digits.
bool python_json_loads_ok(const std::string& text);

// str.split(separator) for a non-empty separator.
std::vector<std::string> python_str_split(const std::string& text, const std::string& separator);

// instructions_util.count_words: the number of maximal runs of Python `\w` characters.
size_t ifeval_count_words(const std::string& text);

}  // namespace almkit::bench
