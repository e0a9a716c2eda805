#include "io/tokenizer/normalizer.h"

#include <utf8proc.h>

#include <algorithm>
#include <vector>

#include "almkit/error.h"
#include "io/tokenizer/regex.h"
#include "io/tokenizer/unicode.h"

namespace almkit::tokenizer {

Pattern read_pattern(const nlohmann::json& config, const std::string& source) {
  if (config.is_object() && config.contains("String") && config["String"].is_string()) {
    return {false, config["String"].get<std::string>()};
  }
  if (config.is_object() && config.contains("Regex") && config["Regex"].is_string()) {
    return {true, config["Regex"].get<std::string>()};
  }
  throw Error(
      ErrorCode::kInvalidFormat,
      source + ": pattern must be {\"String\": ...} or {\"Regex\": ...}, got " + config.dump());
}

MetaspaceOptions read_metaspace(const nlohmann::json& config, const std::string& source) {
  MetaspaceOptions options;
  options.replacement = config.value("replacement", std::string("\xE2\x96\x81"));
  // tokenizers' replacement is a char; an empty one would match everywhere and never advance.
  size_t end = 0;
  if (!options.replacement.empty()) next_code_point(options.replacement, end);
  if (options.replacement.empty() || end != options.replacement.size()) {
    throw Error(ErrorCode::kInvalidFormat, source + ": Metaspace replacement '" +
                                               options.replacement + "' is not a single character");
  }
  options.prepend_scheme = config.value("prepend_scheme", std::string());
  if (options.prepend_scheme.empty())
    options.prepend_scheme = config.value("add_prefix_space", true) ? "always" : "never";
  return options;
}

std::string replace_all(const std::string& text, const Pattern& pattern, const Regex* regex,
                        const std::string& content, size_t max_bytes) {
  std::string out;
  size_t last = 0;
  // A text may keep its length; growing past max_bytes is refused, counted before appending
  // (twenty Replace steps that each double the spaces would make 2^20 times the text).
  const size_t limit = std::max(max_bytes, text.size());
  auto grow_to = [&](size_t size) {
    if (size > limit) {
      throw Error(ErrorCode::kUnsupported, "tokenizer: Replace '" + pattern.text + "' -> '" +
                                               content + "' would make a text of more than " +
                                               std::to_string(limit) + " bytes");
    }
  };
  auto replace = [&](size_t begin, size_t end) {
    grow_to(out.size() + (begin - last) + content.size());
    out.append(text, last, begin - last);
    out += content;
    last = end;
  };
  if (!pattern.is_regex) {
    if (pattern.text.empty()) return text;
    size_t pos;
    while ((pos = text.find(pattern.text, last)) != std::string::npos) {
      replace(pos, pos + pattern.text.size());
    }
  } else {
    regex->for_each_match(text, replace);
  }
  grow_to(out.size() + (text.size() - last));
  out.append(text, last, std::string::npos);
  return out;
}

namespace {

class UnicodeNormalizer : public Normalizer {
 public:
  explicit UnicodeNormalizer(NormalizationForm form) : form_(form) {}
  std::string normalize(std::string text) const override { return normalize_unicode(text, form_); }

 private:
  NormalizationForm form_;
};

class LowercaseNormalizer : public Normalizer {
 public:
  std::string normalize(std::string text) const override { return to_lower(text); }
};

class ReplaceNormalizer : public Normalizer {
 public:
  ReplaceNormalizer(const nlohmann::json& config, const std::string& source)
      : pattern_(read_pattern(config.value("pattern", nlohmann::json()), source)),
        content_(config.value("content", std::string())) {
    if (pattern_.is_regex)
      regex_ = std::make_unique<Regex>(oniguruma_to_pcre2(pattern_.text), source);
  }
  std::string normalize(std::string text) const override {
    const size_t limit = replace_growth_limit(text.size());
    return normalize_within(std::move(text), limit);
  }
  std::string normalize_within(std::string text, size_t max_bytes) const override {
    return replace_all(text, pattern_, regex_.get(), content_, max_bytes);
  }

 private:
  Pattern pattern_;
  std::unique_ptr<Regex> regex_;
  std::string content_;
};

class PrependNormalizer : public Normalizer {
 public:
  explicit PrependNormalizer(std::string prepend) : prepend_(std::move(prepend)) {}
  std::string normalize(std::string text) const override {
    return text.empty() ? text : prepend_ + text;
  }

 private:
  std::string prepend_;
};

class StripNormalizer : public Normalizer {
 public:
  StripNormalizer(bool left, bool right) : left_(left), right_(right) {}
  std::string normalize(std::string text) const override {
    return std::string(trim_whitespace(text, left_, right_));
  }

 private:
  bool left_, right_;
};

class StripAccentsNormalizer : public Normalizer {
 public:
  std::string normalize(std::string text) const override {
    std::string out;
    size_t pos = 0;
    while (pos < text.size()) {
      const char32_t c = next_code_point(text, pos);
      if (utf8proc_category(static_cast<utf8proc_int32_t>(c)) != UTF8PROC_CATEGORY_MN) {
        append_utf8(out, c);
      }
    }
    return out;
  }
};

class SequenceNormalizer : public Normalizer {
 public:
  explicit SequenceNormalizer(std::vector<std::unique_ptr<Normalizer>> steps)
      : steps_(std::move(steps)) {}
  std::string normalize(std::string text) const override {
    const size_t limit = replace_growth_limit(text.size());  // of the text before the first step
    return normalize_within(std::move(text), limit);
  }
  std::string normalize_within(std::string text, size_t max_bytes) const override {
    for (const auto& step : steps_) text = step->normalize_within(std::move(text), max_bytes);
    return text;
  }

 private:
  std::vector<std::unique_ptr<Normalizer>> steps_;
};

}  // namespace

std::unique_ptr<Normalizer> make_normalizer(const nlohmann::json& config,
                                            const std::string& source) {
  if (config.is_null()) return nullptr;
  if (!config.is_object() || !config.contains("type") || !config["type"].is_string()) {
    throw Error(ErrorCode::kInvalidFormat,
                source + ": normalizer without a \"type\": " + config.dump().substr(0, 200));
  }
  const std::string type = config["type"];
  if (type == "NFC") return std::make_unique<UnicodeNormalizer>(NormalizationForm::kNFC);
  if (type == "NFD") return std::make_unique<UnicodeNormalizer>(NormalizationForm::kNFD);
  if (type == "NFKC") return std::make_unique<UnicodeNormalizer>(NormalizationForm::kNFKC);
  if (type == "NFKD") return std::make_unique<UnicodeNormalizer>(NormalizationForm::kNFKD);
  if (type == "Lowercase") return std::make_unique<LowercaseNormalizer>();
  if (type == "Replace") return std::make_unique<ReplaceNormalizer>(config, source);
  if (type == "Prepend") {
    return std::make_unique<PrependNormalizer>(config.value("prepend", std::string()));
  }
  if (type == "Strip") {
    return std::make_unique<StripNormalizer>(config.value("strip_left", true),
                                             config.value("strip_right", true));
  }
  if (type == "StripAccents") return std::make_unique<StripAccentsNormalizer>();
  if (type == "Sequence") {
    std::vector<std::unique_ptr<Normalizer>> steps;
    for (const auto& step : config.value("normalizers", nlohmann::json::array())) {
      if (auto normalizer = make_normalizer(step, source)) steps.push_back(std::move(normalizer));
    }
    return std::make_unique<SequenceNormalizer>(std::move(steps));
  }
  throw Error(ErrorCode::kUnsupported,
              source + ": normalizer type '" + type +
                  "' is not supported (supported: NFC, NFD, NFKC, NFKD, Lowercase, Replace, "
                  "Prepend, Strip, StripAccents, Sequence)");
}

}  // namespace almkit::tokenizer
