// tokenizer.json "normalizer": text -> text before pre-tokenization (NFC/NFKC/..., Lowercase,
// Replace, Prepend, Strip, StripAccents, Sequence).
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

namespace almkit::tokenizer {

class Normalizer {
 public:
  virtual ~Normalizer() = default;
  virtual std::string normalize(std::string text) const = 0;
};

// nullptr for a JSON null. Throws kUnsupported for an unknown type, kInvalidFormat for a
// malformed entry; `source` names the file in messages.
std::unique_ptr<Normalizer> make_normalizer(const nlohmann::json& config,
                                            const std::string& source);

// The literal or regex of a tokenizer.json "pattern" ({"String": ..} or {"Regex": ..}).
struct Pattern {
  bool is_regex = false;
  std::string text;
};
Pattern read_pattern(const nlohmann::json& config, const std::string& source);
// Replaces every match of `pattern` in `text` by `content`.
class Regex;
std::string replace_all(const std::string& text, const Pattern& pattern, const Regex* regex,
                        const std::string& content);

}  // namespace almkit::tokenizer
