#include "io/tokenizer/pre_tokenizer.h"

#include <utility>

#include "almkit/error.h"
#include "io/tokenizer/normalizer.h"
#include "io/tokenizer/regex.h"
#include "io/tokenizer/unicode.h"

namespace almkit::tokenizer {

const char* const kGpt2SplitPattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

namespace {

enum class SplitBehavior { kRemoved, kIsolated, kMergedWithPrevious, kMergedWithNext, kContiguous };

SplitBehavior parse_behavior(const std::string& name, const std::string& source) {
  if (name == "Removed") return SplitBehavior::kRemoved;
  if (name == "Isolated") return SplitBehavior::kIsolated;
  if (name == "MergedWithPrevious") return SplitBehavior::kMergedWithPrevious;
  if (name == "MergedWithNext") return SplitBehavior::kMergedWithNext;
  if (name == "Contiguous") return SplitBehavior::kContiguous;
  throw Error(ErrorCode::kInvalidFormat, source + ": unknown split behavior '" + name + "'");
}

struct Span {
  size_t begin, end;
  bool is_match;
};

// Applies a split behaviour to the alternating match / non-match spans covering `text`
// (tokenizers' NormalizedString::split).
void apply_behavior(const std::string& text, std::vector<Span> spans, SplitBehavior behavior,
                    std::vector<std::string>& out) {
  std::vector<std::pair<size_t, size_t>> result;
  switch (behavior) {
    case SplitBehavior::kRemoved:
      for (const auto& span : spans) {
        if (!span.is_match) result.emplace_back(span.begin, span.end);
      }
      break;
    case SplitBehavior::kIsolated:
      for (const auto& span : spans) result.emplace_back(span.begin, span.end);
      break;
    case SplitBehavior::kContiguous: {
      bool previous_match = false;
      for (const auto& span : spans) {
        if (!result.empty() && span.is_match == previous_match) {
          result.back().second = span.end;
        } else {
          result.emplace_back(span.begin, span.end);
        }
        previous_match = span.is_match;
      }
      break;
    }
    case SplitBehavior::kMergedWithPrevious: {
      bool previous_match = false;
      for (const auto& span : spans) {
        if (span.is_match && !previous_match && !result.empty()) {
          result.back().second = span.end;
        } else {
          result.emplace_back(span.begin, span.end);
        }
        previous_match = span.is_match;
      }
      break;
    }
    case SplitBehavior::kMergedWithNext: {
      bool previous_match = false;
      for (auto it = spans.rbegin(); it != spans.rend(); ++it) {
        if (it->is_match && !previous_match && !result.empty()) {
          result.back().first = it->begin;
        } else {
          result.emplace_back(it->begin, it->end);
        }
        previous_match = it->is_match;
      }
      std::reverse(result.begin(), result.end());
      break;
    }
  }
  for (const auto& [begin, end] : result) {
    if (end > begin) out.emplace_back(text, begin, end - begin);
  }
}

// Match spans of `regex` (or of the literal) and the gaps between them.
std::vector<Span> find_spans(const std::string& text, const Regex& regex, bool invert) {
  std::vector<Span> spans;
  size_t last = 0;
  regex.for_each_match(text, [&](size_t begin, size_t end) {
    if (begin > last) spans.push_back({last, begin, invert});
    spans.push_back({begin, end, !invert});
    last = end;
  });
  if (last < text.size()) spans.push_back({last, text.size(), invert});
  return spans;
}

class RegexSplit : public PreTokenizer {
 public:
  RegexSplit(const std::string& pattern, SplitBehavior behavior, bool invert,
             const std::string& source)
      : regex_(pattern, source), behavior_(behavior), invert_(invert) {}
  void split(std::vector<std::string>& pieces, bool) const override {
    std::vector<std::string> out;
    out.reserve(pieces.size() * 4);
    for (const auto& piece : pieces) {
      apply_behavior(piece, find_spans(piece, regex_, invert_), behavior_, out);
    }
    pieces = std::move(out);
  }

 private:
  Regex regex_;
  SplitBehavior behavior_;
  bool invert_;
};

class ByteLevelPreTokenizer : public PreTokenizer {
 public:
  ByteLevelPreTokenizer(bool add_prefix_space, bool use_regex, const std::string& source)
      : add_prefix_space_(add_prefix_space) {
    if (use_regex) regex_ = std::make_unique<Regex>(oniguruma_to_pcre2(kGpt2SplitPattern), source);
  }
  void split(std::vector<std::string>& pieces, bool) const override {
    if (add_prefix_space_) {
      for (auto& piece : pieces) {
        if (piece.empty() || piece[0] != ' ') piece.insert(piece.begin(), ' ');
      }
    }
    if (!regex_) return;  // bytes are mapped by the model, which works on raw bytes
    std::vector<std::string> out;
    for (const auto& piece : pieces) {
      apply_behavior(piece, find_spans(piece, *regex_, false), SplitBehavior::kIsolated, out);
    }
    pieces = std::move(out);
  }
  bool is_byte_level() const override { return true; }

 private:
  bool add_prefix_space_;
  std::unique_ptr<Regex> regex_;
};

class MetaspacePreTokenizer : public PreTokenizer {
 public:
  MetaspacePreTokenizer(std::string replacement, std::string prepend_scheme, bool split)
      : replacement_(std::move(replacement)),
        prepend_scheme_(std::move(prepend_scheme)),
        split_(split) {}
  void split(std::vector<std::string>& pieces, bool first_section) const override {
    std::vector<std::string> out;
    for (size_t i = 0; i < pieces.size(); ++i) {
      std::string text = replace_all(pieces[i], {false, " "}, nullptr, replacement_);
      const bool prepend =
          prepend_scheme_ == "always" || (prepend_scheme_ == "first" && first_section && i == 0);
      if (prepend && text.compare(0, replacement_.size(), replacement_) != 0) {
        text = replacement_ + text;
      }
      if (!split_) {
        out.push_back(std::move(text));
        continue;
      }
      std::vector<Span> spans;
      size_t last = 0, pos;
      while ((pos = text.find(replacement_, last)) != std::string::npos) {
        if (pos > last) spans.push_back({last, pos, false});
        spans.push_back({pos, pos + replacement_.size(), true});
        last = pos + replacement_.size();
      }
      if (last < text.size()) spans.push_back({last, text.size(), false});
      apply_behavior(text, std::move(spans), SplitBehavior::kMergedWithNext, out);
    }
    pieces = std::move(out);
  }

 private:
  std::string replacement_, prepend_scheme_;
  bool split_;
};

class WhitespaceSplitPreTokenizer : public PreTokenizer {
 public:
  void split(std::vector<std::string>& pieces, bool) const override {
    std::vector<std::string> out;
    for (const auto& piece : pieces) {
      size_t pos = 0, word_begin = std::string::npos;
      while (pos < piece.size()) {
        const size_t start = pos;
        const bool space = is_whitespace(next_code_point(piece, pos));
        if (space && word_begin != std::string::npos) {
          out.emplace_back(piece, word_begin, start - word_begin);
          word_begin = std::string::npos;
        } else if (!space && word_begin == std::string::npos) {
          word_begin = start;
        }
      }
      if (word_begin != std::string::npos) out.emplace_back(piece, word_begin, std::string::npos);
    }
    pieces = std::move(out);
  }
};

class SequencePreTokenizer : public PreTokenizer {
 public:
  explicit SequencePreTokenizer(std::vector<std::unique_ptr<PreTokenizer>> steps)
      : steps_(std::move(steps)) {}
  void split(std::vector<std::string>& pieces, bool first_section) const override {
    for (const auto& step : steps_) step->split(pieces, first_section);
  }
  bool is_byte_level() const override {
    for (const auto& step : steps_) {
      if (step->is_byte_level()) return true;
    }
    return false;
  }

 private:
  std::vector<std::unique_ptr<PreTokenizer>> steps_;
};

}  // namespace

std::unique_ptr<PreTokenizer> make_pre_tokenizer(const nlohmann::json& config,
                                                 const std::string& source) {
  if (config.is_null()) return nullptr;
  if (!config.is_object() || !config.contains("type") || !config["type"].is_string()) {
    throw Error(ErrorCode::kInvalidFormat,
                source + ": pre_tokenizer without a \"type\": " + config.dump().substr(0, 200));
  }
  const std::string type = config["type"];
  if (type == "Split") {
    const Pattern pattern = read_pattern(config.value("pattern", nlohmann::json()), source);
    const std::string regex =
        pattern.is_regex ? oniguruma_to_pcre2(pattern.text) : escape_regex(pattern.text);
    return std::make_unique<RegexSplit>(
        regex, parse_behavior(config.value("behavior", std::string("Isolated")), source),
        config.value("invert", false), source);
  }
  if (type == "ByteLevel") {
    return std::make_unique<ByteLevelPreTokenizer>(config.value("add_prefix_space", true),
                                                   config.value("use_regex", true), source);
  }
  if (type == "Metaspace") {
    MetaspaceOptions options = read_metaspace(config, source);
    return std::make_unique<MetaspacePreTokenizer>(std::move(options.replacement),
                                                   std::move(options.prepend_scheme),
                                                   config.value("split", true));
  }
  if (type == "Whitespace") {
    return std::make_unique<RegexSplit>(R"(\w+|[^\w\s]+)", SplitBehavior::kRemoved, true, source);
  }
  if (type == "WhitespaceSplit") return std::make_unique<WhitespaceSplitPreTokenizer>();
  if (type == "Digits") {
    const bool individual = config.value("individual_digits", false);
    return std::make_unique<RegexSplit>(individual ? R"(\p{N})" : R"(\p{N}+)",
                                        SplitBehavior::kIsolated, false, source);
  }
  if (type == "Punctuation") {
    return std::make_unique<RegexSplit>(
        R"([\p{P}!-/:-@\[-`{-~])",
        parse_behavior(config.value("behavior", std::string("Isolated")), source), false, source);
  }
  if (type == "Sequence") {
    std::vector<std::unique_ptr<PreTokenizer>> steps;
    for (const auto& step : config.value("pretokenizers", nlohmann::json::array())) {
      if (auto pre = make_pre_tokenizer(step, source)) steps.push_back(std::move(pre));
    }
    return std::make_unique<SequencePreTokenizer>(std::move(steps));
  }
  throw Error(ErrorCode::kUnsupported,
              source + ": pre_tokenizer type '" + type +
                  "' is not supported (supported: Split, ByteLevel, Metaspace, Whitespace, "
                  "WhitespaceSplit, Digits, Punctuation, Sequence)");
}

}  // namespace almkit::tokenizer
