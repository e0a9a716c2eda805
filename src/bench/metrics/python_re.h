// Python `re` semantics on top of PCRE2 for the patterns the reference normalisers and
// tokenizers use: `\b`, `\s`, `\d` and `\w` mean what they mean on a Python str (PCRE2's UCP
// classes differ: its `\w` takes combining marks, its `\s` misses U+001C..U+001F and U+0085),
// and re.sub / re.split with `\1`-style templates.
#pragma once

#include <string>
#include <vector>

#include "bench/regex.h"

namespace almkit::bench {

// Compiles a pattern written for Python's re: `\b`, `\B`, `\s`, `\S`, `\d`, `\D`, `\w`, `\W`
// are rewritten to explicit Unicode sets with Python's meaning, inside character classes too.
Regex python_regex(const std::string& pattern);
// re.sub(pattern, template, subject): `\1`..`\9` in the template are groups (unset = empty).
std::string python_sub(const Regex& regex, const std::string& subject,
                       const std::string& replacement_template);
// re.split(pattern, subject) for a pattern without groups.
std::vector<std::string> python_split_on(const Regex& regex, const std::string& subject);

}  // namespace almkit::bench
