// A compiled PCRE2 pattern (UTF + UCP, JIT when available) for the tokenizer's split and replace
// patterns, with the Oniguruma meaning of \s that Hugging Face tokenizers use.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace almkit::tokenizer {

class Regex {
 public:
  // Throws kInvalidFormat naming `source` (where the pattern came from) on a syntax error.
  Regex(const std::string& pattern, const std::string& source);
  ~Regex();
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;

  // Calls `on_match(begin, end)` for each successive non-overlapping match in `text` (byte
  // offsets). An empty match advances by one character, as Rust's find_iter does.
  void for_each_match(std::string_view text,
                      const std::function<void(size_t, size_t)>& on_match) const;

  const std::string& pattern() const { return pattern_; }

 private:
  std::string pattern_;
  struct Compiled;
  std::unique_ptr<Compiled> compiled_;
};

// `pattern` with \s / \S widened to Unicode White_Space (PCRE2's UCP \s lacks U+0085).
std::string oniguruma_to_pcre2(const std::string& pattern);
// A literal string as a PCRE2 pattern.
std::string escape_regex(const std::string& literal);

}  // namespace almkit::tokenizer
