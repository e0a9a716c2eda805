// Python's text semantics, reproduced for the official scorers: str.lower() (full Unicode case
// mapping, final sigma), `\w` and `re.findall(r'\b\w+\b', ...)`, str.split() and str.strip().
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace almkit::bench {

// UTF-8 <-> code points; invalid bytes decode as U+FFFD (Python would have failed earlier).
std::u32string utf8_to_codepoints(const std::string& text);
std::string codepoints_to_utf8(const std::u32string& codepoints);

// Python's str.lower(): the full lowercase mapping (U+0130 -> "i\u0307") and the Final_Sigma
// rule for U+03A3, with utf8proc's Unicode tables.
std::string python_lower(const std::string& text);

// Python's `\w` on str: letters (L*), numbers (N*) and '_'. Combining marks are not word
// characters in Python (they are in PCRE2 10.43+), which splits decomposed accents.
bool python_is_word_char(char32_t c);
// Python's str.isspace() characters (what str.split() splits on).
bool python_is_space(char32_t c);

// set(re.findall(r'\b\w+\b', text)): the maximal runs of word characters.
std::set<std::string> python_word_set(const std::string& text);
// str.split() with no argument.
std::vector<std::string> python_split(const std::string& text);
// str.strip() / lstrip() / rstrip() with no argument (Unicode whitespace).
std::string python_strip(const std::string& text);
std::string python_lstrip(const std::string& text);
std::string python_rstrip(const std::string& text);
// str.strip(chars) for an ASCII character set.
std::string strip_chars(const std::string& text, const std::string& chars);
// ASCII lower-casing (for keys and labels that are ASCII by definition).
std::string ascii_lower(std::string text);

}  // namespace almkit::bench
