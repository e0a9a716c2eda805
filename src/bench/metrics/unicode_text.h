// Unicode helpers the reference text normalisers need: Python's unicodedata.normalize and
// unicodedata.category's major class, and the value of a decimal digit (what int() reads).
#pragma once

#include <string>

namespace almkit::bench {

enum class UnicodeForm { kNfc, kNfd, kNfkc, kNfkd };
// unicodedata.normalize(form, text) (utf8proc's tables).
std::string unicode_normalize(const std::string& text, UnicodeForm form);
// The first letter of unicodedata.category(c): 'L', 'M', 'N', 'P', 'S', 'Z' or 'C'.
char unicode_major_category(char32_t c);
bool unicode_is_nonspacing_mark(char32_t c);  // category Mn
// A Unicode decimal digit (category Nd) and its value 0-9; -1 for anything else.
int unicode_decimal_value(char32_t c);

}  // namespace almkit::bench
