// Unicode helpers the reference text normalisers need: unicodedata.category's major class and
// the value of a decimal digit (what int() reads). NFKC/NFKD: tokenizer::normalize_unicode.
#pragma once

#include <string>

namespace almkit::bench {

// The first letter of unicodedata.category(c): 'L', 'M', 'N', 'P', 'S', 'Z' or 'C'.
char unicode_major_category(char32_t c);
bool unicode_is_nonspacing_mark(char32_t c);  // category Mn
// A Unicode decimal digit (category Nd) and its value 0-9; -1 for anything else.
int unicode_decimal_value(char32_t c);

}  // namespace almkit::bench
