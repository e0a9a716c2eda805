// UTF-8 and Unicode helpers shared by the tokenizer stages: validation, lossy decoding, the
// GPT-2 byte <-> printable-character map, normalization forms and case mapping (utf8proc).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace almkit::tokenizer {

// Byte offset of the first invalid UTF-8 sequence, or std::string::npos when `text` is valid.
size_t find_invalid_utf8(std::string_view text);
// Length in bytes of the UTF-8 sequence starting with `lead` (1 for a stray continuation byte).
inline size_t utf8_sequence_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead >> 5) == 0x6) return 2;
  if ((lead >> 4) == 0xE) return 3;
  if ((lead >> 3) == 0x1E) return 4;
  return 1;
}
// Decodes the code point at `text[pos]` (valid UTF-8 assumed) and advances `pos`.
char32_t next_code_point(std::string_view text, size_t& pos);
void append_utf8(std::string& out, char32_t code_point);
// `bytes` as UTF-8 with every maximal invalid subsequence replaced by U+FFFD (WHATWG / Rust's
// from_utf8_lossy policy, which Hugging Face's decoders use).
std::string utf8_lossy(std::string_view bytes);

// GPT-2's byte-level alphabet: byte b <-> one printable code point ("Ġ" for space).
const std::array<std::string, 256>& byte_to_unicode();
// The byte a byte-level character stands for, or -1 when `code_point` is not in the alphabet.
int unicode_to_byte(char32_t code_point);

enum class NormalizationForm { kNFC, kNFD, kNFKC, kNFKD };
std::string normalize_unicode(std::string_view text, NormalizationForm form);
std::string to_lower(std::string_view text);
std::string to_upper(std::string_view text);
bool is_whitespace(char32_t code_point);  // Unicode White_Space
// Word characters as Rust's regex \w sees them (letters, marks, digits, connector punctuation).
bool is_word_character(char32_t code_point);
// Removes Unicode White_Space from the start and/or end.
std::string_view trim_whitespace(std::string_view text, bool left, bool right);

}  // namespace almkit::tokenizer
