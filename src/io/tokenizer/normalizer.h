// tokenizer.json "normalizer": text -> text before pre-tokenization (NFC/NFKC/..., Lowercase,
// Replace, Prepend, Strip, StripAccents, Sequence).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

namespace almkit::tokenizer {

class Normalizer {
 public:
  virtual ~Normalizer() = default;
  virtual std::string normalize(std::string text) const = 0;
  // The same as a step of a Sequence whose text may grow to at most `max_bytes`: Replace obeys
  // it (Replace steps whose content holds their pattern grow a text exponentially); no other
  // step can grow a text without bound.
  virtual std::string normalize_within(std::string text, size_t max_bytes) const {
    static_cast<void>(max_bytes);
    return normalize(std::move(text));
  }
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
// The "replacement" (one character, ▁ by default) and "prepend_scheme" (always, first or never;
// from the older "add_prefix_space") of a Metaspace pre-tokenizer or decoder.
struct MetaspaceOptions {
  std::string replacement;
  std::string prepend_scheme;
};
MetaspaceOptions read_metaspace(const nlohmann::json& config, const std::string& source);
// Replaces every match of `pattern` in `text` by `content`; kUnsupported if the result would pass
// `max_bytes`.
class Regex;
std::string replace_all(const std::string& text, const Pattern& pattern, const Regex* regex,
                        const std::string& content, size_t max_bytes = SIZE_MAX);
// How long Replace steps may make a text (normalizers) or the tokens of one decode (decoders)
// of `input_bytes`: 16 times, and at least 1 MiB.
inline size_t replace_growth_limit(size_t input_bytes) {
  return input_bytes < (size_t{1} << 16) ? size_t{1} << 20 : 16 * input_bytes;
}

}  // namespace almkit::tokenizer
