#include "io/tokenizer/decoder.h"

#include "almkit/error.h"
#include "io/json_file.h"
#include "io/tokenizer/bpe_model.h"
#include "io/tokenizer/normalizer.h"
#include "io/tokenizer/regex.h"
#include "io/tokenizer/unicode.h"

namespace almkit::tokenizer {
namespace {

size_t total_bytes(const std::vector<std::string>& tokens) {
  size_t total = 0;
  for (const auto& token : tokens) total += token.size();
  return total;
}

class ByteLevelDecoder : public Decoder {
 public:
  // Runs of byte-level tokens become UTF-8 text (lossy); added tokens pass through untouched.
  void decode_chain(std::vector<std::string>& tokens, std::vector<bool>& added) const override {
    std::vector<std::string> out;
    std::vector<bool> out_added;
    std::string bytes;
    bool in_run = false;
    auto flush = [&] {
      if (!in_run) return;
      out.push_back(utf8_lossy(bytes));
      out_added.push_back(false);
      bytes.clear();
      in_run = false;
    };
    for (size_t i = 0; i < tokens.size(); ++i) {
      if (added[i]) {
        flush();
        out.push_back(std::move(tokens[i]));
        out_added.push_back(true);
        continue;
      }
      in_run = true;
      size_t pos = 0;
      const std::string& token = tokens[i];
      while (pos < token.size()) {
        const size_t start = pos;
        const int byte = unicode_to_byte(next_code_point(token, pos));
        if (byte >= 0) {
          bytes += static_cast<char>(byte);
        } else {
          bytes.append(token, start, pos - start);
        }
      }
    }
    flush();
    tokens = std::move(out);
    added = std::move(out_added);
  }
};

// <0xXX> tokens become bytes; a run that is not valid UTF-8 gives one U+FFFD per byte (Rust).
class ByteFallbackDecoder : public Decoder {
 public:
  void decode_chain(std::vector<std::string>& tokens, std::vector<bool>& added) const override {
    std::vector<std::string> out;
    std::vector<bool> out_added;
    std::string bytes;
    auto flush = [&] {
      if (bytes.empty()) return;
      if (find_invalid_utf8(bytes) == std::string::npos) {
        out.push_back(bytes);
        out_added.push_back(false);
      } else {
        for (size_t k = 0; k < bytes.size(); ++k) {
          out.push_back("\xEF\xBF\xBD");
          out_added.push_back(false);
        }
      }
      bytes.clear();
    };
    for (size_t i = 0; i < tokens.size(); ++i) {
      const std::string& token = tokens[i];
      if (token.size() == 6 && token.compare(0, 3, "<0x") == 0 && token[5] == '>' &&
          std::isxdigit(static_cast<unsigned char>(token[3])) &&
          std::isxdigit(static_cast<unsigned char>(token[4]))) {
        bytes += static_cast<char>(std::stoi(token.substr(3, 2), nullptr, 16));
        continue;
      }
      flush();
      out.push_back(token);
      out_added.push_back(added[i]);
    }
    flush();
    tokens = std::move(out);
    added = std::move(out_added);
  }
};

// tokenizers' Metaspace decoder: replacement -> space, except in the first token, where every
// replacement character is dropped unless the prepend scheme is "never".
class MetaspaceDecoder : public Decoder {
 public:
  MetaspaceDecoder(std::string replacement, bool strip_first)
      : replacement_(std::move(replacement)), strip_first_(strip_first) {}
  void decode_chain(std::vector<std::string>& tokens, std::vector<bool>&) const override {
    for (size_t i = 0; i < tokens.size(); ++i) {
      tokens[i] =
          replace_all(tokens[i], {false, replacement_}, nullptr, i == 0 && strip_first_ ? "" : " ");
    }
  }

 private:
  std::string replacement_;
  bool strip_first_;
};

class StripDecoder : public Decoder {
 public:
  StripDecoder(std::string content, int start, int stop)
      : content_(std::move(content)), start_(start), stop_(stop) {}
  void decode_chain(std::vector<std::string>& tokens, std::vector<bool>&) const override {
    if (content_.empty()) return;
    for (auto& token : tokens) {
      for (int i = 0; i < start_ && token.compare(0, content_.size(), content_) == 0; ++i) {
        token.erase(0, content_.size());
      }
      for (int i = 0; i < stop_ && token.size() >= content_.size() &&
                      token.compare(token.size() - content_.size(), content_.size(), content_) == 0;
           ++i) {
        token.erase(token.size() - content_.size());
      }
    }
  }

 private:
  std::string content_;
  int start_, stop_;
};

class FuseDecoder : public Decoder {
 public:
  void decode_chain(std::vector<std::string>& tokens, std::vector<bool>& added) const override {
    std::string all;
    for (const auto& token : tokens) all += token;
    tokens.assign(1, std::move(all));
    added.assign(1, false);
  }
};

class ReplaceDecoder : public Decoder {
 public:
  ReplaceDecoder(const nlohmann::json& config, const std::string& source)
      : pattern_(read_pattern(config.value("pattern", nlohmann::json()), source)),
        content_(config.value("content", std::string())) {
    if (pattern_.is_regex)
      regex_ = std::make_unique<Regex>(oniguruma_to_pcre2(pattern_.text), source);
  }
  void decode_chain(std::vector<std::string>& tokens, std::vector<bool>& added) const override {
    decode_chain_within(tokens, added, replace_growth_limit(total_bytes(tokens)));
  }
  void decode_chain_within(std::vector<std::string>& tokens, std::vector<bool>&,
                           size_t max_bytes) const override {
    // One budget for all tokens (thousands of tokens each just below it would not do).
    size_t total = 0;
    for (auto& token : tokens) {
      token = replace_all(token, pattern_, regex_.get(), content_,
                          total < max_bytes ? max_bytes - total : 0);
      total += token.size();
    }
  }

 private:
  Pattern pattern_;
  std::unique_ptr<Regex> regex_;
  std::string content_;
};

class SequenceDecoder : public Decoder {
 public:
  explicit SequenceDecoder(std::vector<std::unique_ptr<Decoder>> steps)
      : steps_(std::move(steps)) {}
  void decode_chain(std::vector<std::string>& tokens, std::vector<bool>& added) const override {
    decode_chain_within(tokens, added, replace_growth_limit(total_bytes(tokens)));
  }
  void decode_chain_within(std::vector<std::string>& tokens, std::vector<bool>& added,
                           size_t max_bytes) const override {
    for (const auto& step : steps_) step->decode_chain_within(tokens, added, max_bytes);
  }

 private:
  std::vector<std::unique_ptr<Decoder>> steps_;
};

void require_type(const nlohmann::json& config, const char* what, const std::string& source) {
  if (!config.is_object() || !config.contains("type") || !config["type"].is_string()) {
    throw Error(ErrorCode::kInvalidFormat,
                source + ": " + what + " without a \"type\": " + config.dump().substr(0, 200));
  }
}

}  // namespace

std::unique_ptr<Decoder> make_decoder(const nlohmann::json& config, const std::string& source) {
  if (config.is_null()) return nullptr;
  require_type(config, "decoder", source);
  const std::string type = config["type"];
  if (type == "ByteLevel") return std::make_unique<ByteLevelDecoder>();
  if (type == "ByteFallback") return std::make_unique<ByteFallbackDecoder>();
  if (type == "Fuse") return std::make_unique<FuseDecoder>();
  if (type == "Replace") return std::make_unique<ReplaceDecoder>(config, source);
  if (type == "Strip") {
    return std::make_unique<StripDecoder>(config.value("content", std::string(" ")),
                                          json_value_or<int>(config, "start", 0, source),
                                          json_value_or<int>(config, "stop", 0, source));
  }
  if (type == "Metaspace") {
    MetaspaceOptions options = read_metaspace(config, source);
    return std::make_unique<MetaspaceDecoder>(std::move(options.replacement),
                                              options.prepend_scheme != "never");
  }
  if (type == "Sequence") {
    std::vector<std::unique_ptr<Decoder>> steps;
    for (const auto& step : config.value("decoders", nlohmann::json::array())) {
      if (auto decoder = make_decoder(step, source)) steps.push_back(std::move(decoder));
    }
    return std::make_unique<SequenceDecoder>(std::move(steps));
  }
  throw Error(ErrorCode::kUnsupported,
              source + ": decoder type '" + type +
                  "' is not supported (supported: ByteLevel, ByteFallback, Metaspace, Strip, "
                  "Fuse, Replace, Sequence)");
}

namespace {

class TemplatePostProcessor : public PostProcessor {
 public:
  // Each item of "single": a fixed id list (special token) or the sequence itself (empty).
  explicit TemplatePostProcessor(std::vector<std::optional<std::vector<int32_t>>> items)
      : items_(std::move(items)) {}
  void process(std::vector<int32_t>& ids) const override {
    std::vector<int32_t> out;
    out.reserve(ids.size() + 4);
    for (const auto& item : items_) {
      if (item) {
        out.insert(out.end(), item->begin(), item->end());
      } else {
        out.insert(out.end(), ids.begin(), ids.end());
      }
    }
    ids = std::move(out);
  }

 private:
  std::vector<std::optional<std::vector<int32_t>>> items_;
};

class SequencePostProcessor : public PostProcessor {
 public:
  explicit SequencePostProcessor(std::vector<std::unique_ptr<PostProcessor>> steps)
      : steps_(std::move(steps)) {}
  void process(std::vector<int32_t>& ids) const override {
    for (const auto& step : steps_) step->process(ids);
  }

 private:
  std::vector<std::unique_ptr<PostProcessor>> steps_;
};

class NoPostProcessor : public PostProcessor {
 public:
  void process(std::vector<int32_t>&) const override {}
};

int32_t lookup_or_throw(const TokenLookup& lookup, const std::string& token,
                        const std::string& source) {
  auto id = lookup(token);
  if (!id) {
    throw Error(ErrorCode::kInvalidFormat, source + ": post_processor names token '" + token +
                                               "', which is not in the vocabulary");
  }
  return *id;
}

// The id the post_processor gives special token `name`, which the tokenizer must hold.
int32_t known_id_or_throw(const nlohmann::json& value, const std::function<bool(int32_t)>& known_id,
                          const std::string& name, const std::string& source) {
  const bool in_range =
      value.is_number_integer() && value.get<int64_t>() >= 0 && value.get<int64_t>() < kMaxVocabId;
  if (!in_range || !known_id(static_cast<int32_t>(value.get<int64_t>()))) {
    throw Error(ErrorCode::kInvalidFormat, source + ": post_processor gives special token '" +
                                               name + "' the id " + value.dump() +
                                               ", which is not in the vocabulary");
  }
  return static_cast<int32_t>(value.get<int64_t>());
}

}  // namespace

std::unique_ptr<PostProcessor> make_post_processor(const nlohmann::json& config,
                                                   const TokenLookup& lookup,
                                                   const std::function<bool(int32_t)>& known_id,
                                                   const std::string& source) {
  if (config.is_null()) return nullptr;
  require_type(config, "post_processor", source);
  const std::string type = config["type"];
  if (type == "ByteLevel") return std::make_unique<NoPostProcessor>();
  if (type == "TemplateProcessing") {
    std::vector<std::optional<std::vector<int32_t>>> items;
    const auto& specials = config.value("special_tokens", nlohmann::json::object());
    for (const auto& item : config.value("single", nlohmann::json::array())) {
      if (item.contains("Sequence")) {
        items.emplace_back(std::nullopt);
      } else if (item.contains("SpecialToken")) {
        const std::string name = item["SpecialToken"].value("id", std::string());
        std::vector<int32_t> ids;
        if (specials.contains(name) && specials[name].contains("ids")) {
          if (!specials[name]["ids"].is_array()) {
            throw Error(ErrorCode::kInvalidFormat, source + ": post_processor special token '" +
                                                       name + "' has ids that are not a list");
          }
          for (const auto& id : specials[name]["ids"])
            ids.push_back(known_id_or_throw(id, known_id, name, source));
        } else {
          ids.push_back(lookup_or_throw(lookup, name, source));
        }
        items.emplace_back(std::move(ids));
      } else {
        throw Error(ErrorCode::kInvalidFormat,
                    source + ": TemplateProcessing item " + item.dump() + " is malformed");
      }
    }
    return std::make_unique<TemplatePostProcessor>(std::move(items));
  }
  if (type == "RobertaProcessing" || type == "BertProcessing") {
    auto id_of = [&](const char* key) {
      const auto& pair = config.at(key);
      return std::vector<int32_t>{
          known_id_or_throw(pair.at(1), known_id, pair.at(0).get<std::string>(), source)};
    };
    std::vector<std::optional<std::vector<int32_t>>> items;
    items.emplace_back(id_of("cls"));
    items.emplace_back(std::nullopt);
    items.emplace_back(id_of("sep"));
    return std::make_unique<TemplatePostProcessor>(std::move(items));
  }
  if (type == "Sequence") {
    std::vector<std::unique_ptr<PostProcessor>> steps;
    for (const auto& step : config.value("processors", nlohmann::json::array())) {
      if (auto processor = make_post_processor(step, lookup, known_id, source))
        steps.push_back(std::move(processor));
    }
    return std::make_unique<SequencePostProcessor>(std::move(steps));
  }
  throw Error(ErrorCode::kUnsupported,
              source + ": post_processor type '" + type +
                  "' is not supported (supported: TemplateProcessing, ByteLevel, "
                  "RobertaProcessing, BertProcessing, Sequence)");
}

}  // namespace almkit::tokenizer
