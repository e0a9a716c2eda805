#include "bench/python_text.h"

#include <utf8proc.h>

namespace almkit::bench {

std::u32string utf8_to_codepoints(const std::string& text) {
  std::u32string out;
  out.reserve(text.size());
  const auto* bytes = reinterpret_cast<const utf8proc_uint8_t*>(text.data());
  utf8proc_ssize_t remaining = static_cast<utf8proc_ssize_t>(text.size());
  while (remaining > 0) {
    utf8proc_int32_t codepoint = 0;
    utf8proc_ssize_t used = utf8proc_iterate(bytes, remaining, &codepoint);
    if (used <= 0) {
      out.push_back(0xFFFD);
      used = 1;
    } else {
      out.push_back(static_cast<char32_t>(codepoint));
    }
    bytes += used;
    remaining -= used;
  }
  return out;
}

std::string codepoints_to_utf8(const std::u32string& codepoints) {
  std::string out;
  out.reserve(codepoints.size());
  utf8proc_uint8_t buffer[4];
  for (char32_t c : codepoints) {
    const utf8proc_ssize_t n = utf8proc_encode_char(static_cast<utf8proc_int32_t>(c), buffer);
    out.append(reinterpret_cast<const char*>(buffer), static_cast<size_t>(n));
  }
  return out;
}

namespace {

utf8proc_category_t category(char32_t c) {
  return utf8proc_category(static_cast<utf8proc_int32_t>(c));
}

// Unicode "Cased": Lu, Ll, Lt, or a character with a case mapping (approximates
// Other_Lowercase / Other_Uppercase, e.g. Roman numerals and circled letters).
bool is_cased(char32_t c) {
  const auto cat = category(c);
  if (cat == UTF8PROC_CATEGORY_LU || cat == UTF8PROC_CATEGORY_LL || cat == UTF8PROC_CATEGORY_LT) {
    return true;
  }
  const auto code = static_cast<utf8proc_int32_t>(c);
  return utf8proc_tolower(code) != code || utf8proc_toupper(code) != code;
}

// Unicode "Case_Ignorable": Mn, Me, Cf, Lm, Sk and the Word_Break MidLetter / MidNumLet /
// Single_Quote characters.
bool is_case_ignorable(char32_t c) {
  switch (category(c)) {
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_ME:
    case UTF8PROC_CATEGORY_CF:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_SK:
      return true;
    default:
      break;
  }
  switch (c) {
    case U'\'':
    case U'.':
    case U':':
    case U'\u00B7':
    case U'\u0387':
    case U'\u05F4':
    case U'\u2018':
    case U'\u2019':
    case U'\u2024':
    case U'\u2027':
    case U'\uFE13':
    case U'\uFE52':
    case U'\uFE55':
    case U'\uFF07':
    case U'\uFF0E':
    case U'\uFF1A':
      return true;
    default:
      return false;
  }
}

// CPython's handle_capital_sigma: final form when preceded by a cased letter and not followed
// by one (case-ignorable characters skipped on both sides).
char32_t lower_capital_sigma(const std::u32string& text, size_t i) {
  size_t j = i;
  char32_t c = 0;
  bool found = false;
  while (j > 0) {
    c = text[--j];
    if (!is_case_ignorable(c)) {
      found = true;
      break;
    }
  }
  bool final_sigma = found && is_cased(c);
  if (final_sigma && i + 1 < text.size()) {
    size_t k = i + 1;
    for (; k < text.size(); ++k) {
      c = text[k];
      if (!is_case_ignorable(c)) break;
    }
    final_sigma = k == text.size() || !is_cased(c);
  }
  return final_sigma ? U'\u03C2' : U'\u03C3';
}

}  // namespace

std::string python_lower(const std::string& text) {
  const std::u32string in = utf8_to_codepoints(text);
  std::u32string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    const char32_t c = in[i];
    if (c == U'\u0130') {  // SpecialCasing: LATIN CAPITAL LETTER I WITH DOT ABOVE
      out.push_back(U'i');
      out.push_back(U'\u0307');
    } else if (c == U'\u03A3') {
      out.push_back(lower_capital_sigma(in, i));
    } else {
      out.push_back(static_cast<char32_t>(utf8proc_tolower(static_cast<utf8proc_int32_t>(c))));
    }
  }
  return codepoints_to_utf8(out);
}

bool python_is_word_char(char32_t c) {
  if (c < 0x80) {
    return (c >= U'a' && c <= U'z') || (c >= U'A' && c <= U'Z') || (c >= U'0' && c <= U'9') ||
           c == U'_';
  }
  switch (category(c)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
      return true;
    default:
      return false;
  }
}

bool python_is_space(char32_t c) {
  if (c < 0x80) return c == U' ' || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F);
  if (c == 0x85) return true;
  const auto cat = category(c);
  return cat == UTF8PROC_CATEGORY_ZS || cat == UTF8PROC_CATEGORY_ZL || cat == UTF8PROC_CATEGORY_ZP;
}

std::set<std::string> python_word_set(const std::string& text) {
  std::set<std::string> words;
  const std::u32string codepoints = utf8_to_codepoints(text);
  std::u32string current;
  for (char32_t c : codepoints) {
    if (python_is_word_char(c)) {
      current.push_back(c);
    } else if (!current.empty()) {
      words.insert(codepoints_to_utf8(current));
      current.clear();
    }
  }
  if (!current.empty()) words.insert(codepoints_to_utf8(current));
  return words;
}

std::vector<std::string> python_split(const std::string& text) {
  std::vector<std::string> parts;
  std::u32string current;
  for (char32_t c : utf8_to_codepoints(text)) {
    if (python_is_space(c)) {
      if (!current.empty()) parts.push_back(codepoints_to_utf8(current));
      current.clear();
    } else {
      current.push_back(c);
    }
  }
  if (!current.empty()) parts.push_back(codepoints_to_utf8(current));
  return parts;
}

namespace {
std::string strip_impl(const std::string& text, bool left, bool right) {
  const std::u32string c = utf8_to_codepoints(text);
  size_t begin = 0, end = c.size();
  if (left)
    while (begin < end && python_is_space(c[begin])) ++begin;
  if (right)
    while (end > begin && python_is_space(c[end - 1])) --end;
  return codepoints_to_utf8(c.substr(begin, end - begin));
}
}  // namespace

std::string python_strip(const std::string& text) {
  return strip_impl(text, true, true);
}
std::string python_lstrip(const std::string& text) {
  return strip_impl(text, true, false);
}
std::string python_rstrip(const std::string& text) {
  return strip_impl(text, false, true);
}

std::string strip_chars(const std::string& text, const std::string& chars) {
  size_t begin = 0, end = text.size();
  while (begin < end && chars.find(text[begin]) != std::string::npos) ++begin;
  while (end > begin && chars.find(text[end - 1]) != std::string::npos) --end;
  return text.substr(begin, end - begin);
}

std::string ascii_lower(std::string text) {
  for (char& c : text) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return text;
}

}  // namespace almkit::bench
