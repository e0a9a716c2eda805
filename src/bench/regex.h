// A small PCRE2 wrapper (UTF + UCP) with Python `re.finditer` iteration semantics, so patterns
// copied from the official Python scorers behave as they do there.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace almkit::bench {

struct RegexMatch {
  size_t start = 0, end = 0;        // byte offsets in the subject
  std::vector<std::string> groups;  // groups[0] is the whole match; unset groups are empty
  std::vector<bool> group_set;
};

class Regex {
 public:
  // `caseless` and `multiline` mirror re.IGNORECASE and re.MULTILINE; inline (?i) works too.
  explicit Regex(const std::string& pattern, bool caseless = false, bool multiline = false);
  ~Regex();
  Regex(Regex&&) noexcept;
  Regex& operator=(Regex&&) noexcept;

  // All non-overlapping matches, left to right, as re.finditer finds them.
  std::vector<RegexMatch> find_all(const std::string& subject) const;
  // The first match (re.search), or false.
  bool search(const std::string& subject, RegexMatch* match = nullptr) const;
  // re.match: anchored at the start.
  bool match_start(const std::string& subject) const;
  // re.sub(pattern, replacement, subject) with a literal replacement; count 0 = all.
  std::string replace_all(const std::string& subject, const std::string& replacement,
                          int count = 0) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// re.escape for a literal inside a pattern.
std::string regex_escape(const std::string& literal);

}  // namespace almkit::bench
