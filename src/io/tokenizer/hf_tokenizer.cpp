#include "io/tokenizer/hf_tokenizer.h"

#include "almkit/error.h"
#include "io/tokenizer/unicode.h"

namespace almkit::tokenizer {

HfTokenizer::HfTokenizer(const nlohmann::json& json, const std::string& source) {
  if (!json.is_object()) {
    throw Error(ErrorCode::kInvalidFormat, source + ": top level is not a JSON object");
  }
  if (!json.contains("model") || !json["model"].is_object()) {
    throw Error(ErrorCode::kInvalidFormat, source + ": required field 'model' is missing");
  }
  const auto& model = json["model"];
  std::string type = model.value("type", std::string());
  if (type.empty() && model.contains("merges")) type = "BPE";
  if (type != "BPE") {
    throw Error(ErrorCode::kUnsupported,
                source + ": model type '" + type + "' is not supported (supported: BPE)");
  }
  normalizer_ = make_normalizer(json.value("normalizer", nlohmann::json()), source);
  pre_tokenizer_ = make_pre_tokenizer(json.value("pre_tokenizer", nlohmann::json()), source);
  model_ =
      std::make_unique<BpeModel>(model, pre_tokenizer_ && pre_tokenizer_->is_byte_level(), source);
  std::vector<AddedToken> added;
  for (const auto& entry : json.value("added_tokens", nlohmann::json::array())) {
    if (!entry.is_object() || !entry.contains("id") || !entry.contains("content") ||
        !entry["id"].is_number_integer() || !entry["content"].is_string()) {
      throw Error(ErrorCode::kInvalidFormat, source + ": added_tokens entry " +
                                                 entry.dump().substr(0, 200) +
                                                 " needs an integer 'id' and a string 'content'");
    }
    const int64_t id = entry["id"].get<int64_t>();
    if (id < 0 || id >= kMaxVocabId) {  // an unsigned id past 2^63 reads as negative
      throw Error(ErrorCode::kInvalidFormat,
                  source + ": added token '" + entry["content"].get<std::string>() + "' has id " +
                      entry["id"].dump() + ", outside [0, " + std::to_string(kMaxVocabId) + ")");
    }
    AddedToken token;
    token.content = entry["content"];
    token.id = static_cast<int32_t>(id);
    token.special = entry.value("special", false);
    token.lstrip = entry.value("lstrip", false);
    token.rstrip = entry.value("rstrip", false);
    token.single_word = entry.value("single_word", false);
    token.normalized = entry.value("normalized", !token.special);
    added.push_back(std::move(token));
  }
  set_added_tokens(added);
  post_processor_ = make_post_processor(
      json.value("post_processor", nlohmann::json()),
      [this](const std::string& token) { return token_to_id(token); },
      [this](int32_t id) { return added_by_id_.count(id) || !model_->id_to_token(id).empty(); },
      source);
  decoder_ = make_decoder(json.value("decoder", nlohmann::json()), source);
}

void HfTokenizer::set_added_tokens(const std::vector<AddedToken>& tokens) {
  added_tokens_ = tokens;
  added_by_id_.clear();
  added_by_content_.clear();
  std::vector<const AddedToken*> raw, normalized;
  for (size_t i = 0; i < added_tokens_.size(); ++i) {
    const AddedToken& token = added_tokens_[i];
    added_by_id_[token.id] = i;
    added_by_content_[token.content] = token.id;
    (token.normalized && normalizer_ ? normalized : raw).push_back(&token);
  }
  raw_matcher_.build(raw);
  normalized_matcher_.build(normalized);
}

void HfTokenizer::mark_special(const std::string& content) {
  auto it = added_by_content_.find(content);
  if (it != added_by_content_.end()) added_tokens_[added_by_id_.at(it->second)].special = true;
}

void HfTokenizer::encode_plain(std::string_view text, bool first_section,
                               std::vector<int32_t>& ids) const {
  std::vector<std::string> pieces{std::string(text)};
  if (pre_tokenizer_) pre_tokenizer_->split(pieces, first_section);
  for (const auto& piece : pieces) model_->encode_word(piece, ids);
}

std::vector<int32_t> HfTokenizer::encode(const std::string& text, bool add_special_tokens) const {
  const size_t bad = find_invalid_utf8(text);
  if (bad != std::string::npos) {
    throw Error(
        ErrorCode::kInvalidArgument, "tokenizer: text is not valid UTF-8 (byte 0x" +
                                         [&] {
                                           char hex[3];
                                           std::snprintf(hex, sizeof(hex), "%02X",
                                                         static_cast<unsigned char>(text[bad]));
                                           return std::string(hex);
                                         }() +
                                         " at offset " + std::to_string(bad) + ")");
  }
  std::vector<int32_t> ids;
  ids.reserve(text.size() / 3 + 4);
  std::vector<TextSegment> segments;
  raw_matcher_.split(text, segments);
  for (const auto& segment : segments) {
    if (segment.token_id >= 0) {
      ids.push_back(segment.token_id);
      continue;
    }
    std::string_view plain(text.data() + segment.begin, segment.end - segment.begin);
    const bool first = segment.begin == 0;
    if (!normalizer_) {
      encode_plain(plain, first, ids);
      continue;
    }
    const std::string normalized = normalizer_->normalize(std::string(plain));
    if (normalized_matcher_.empty()) {
      if (!normalized.empty()) encode_plain(normalized, first, ids);
      continue;
    }
    std::vector<TextSegment> inner;
    normalized_matcher_.split(normalized, inner);
    for (const auto& piece : inner) {
      if (piece.token_id >= 0) {
        ids.push_back(piece.token_id);
      } else {
        encode_plain(std::string_view(normalized).substr(piece.begin, piece.end - piece.begin),
                     first && piece.begin == 0, ids);
      }
    }
  }
  if (add_special_tokens && post_processor_) post_processor_->process(ids);
  return ids;
}

std::string HfTokenizer::decode(const std::vector<int32_t>& ids, bool skip_special_tokens) const {
  std::vector<std::string> tokens;
  std::vector<bool> added;
  tokens.reserve(ids.size());
  added.reserve(ids.size());
  for (int32_t id : ids) {
    auto it = added_by_id_.find(id);
    if (it != added_by_id_.end()) {
      const AddedToken& token = added_tokens_[it->second];
      if (skip_special_tokens && token.special) continue;
      tokens.push_back(token.content);
      added.push_back(true);
      continue;
    }
    const std::string& token = model_->id_to_token(id);
    if (token.empty()) {
      throw Error(ErrorCode::kInvalidArgument, "tokenizer: id " + std::to_string(id) +
                                                   " is outside the vocabulary (size " +
                                                   std::to_string(vocab_size()) + ")");
    }
    tokens.push_back(token);
    added.push_back(false);
  }
  if (!decoder_) {
    std::string out;
    for (size_t i = 0; i < tokens.size(); ++i) out += (i ? " " : "") + tokens[i];
    return out;
  }
  decoder_->decode_chain(tokens, added);
  std::string out;
  for (const auto& token : tokens) out += token;
  return out;
}

std::optional<int32_t> HfTokenizer::token_to_id(const std::string& token) const {
  auto it = added_by_content_.find(token);
  if (it != added_by_content_.end()) return it->second;
  return model_->token_to_id(token);
}

std::string HfTokenizer::id_to_token(int32_t id) const {
  auto it = added_by_id_.find(id);
  if (it != added_by_id_.end()) return added_tokens_[it->second].content;
  const std::string& token = model_->id_to_token(id);
  if (token.empty()) {
    throw Error(ErrorCode::kInvalidArgument, "tokenizer: id " + std::to_string(id) +
                                                 " is outside the vocabulary (size " +
                                                 std::to_string(vocab_size()) + ")");
  }
  return token;
}

int32_t HfTokenizer::vocab_size() const {
  int32_t size = model_->size();
  for (const auto& token : added_tokens_) size = std::max(size, token.id + 1);
  return size;
}

bool HfTokenizer::is_special(int32_t id) const {
  auto it = added_by_id_.find(id);
  return it != added_by_id_.end() && added_tokens_[it->second].special;
}

}  // namespace almkit::tokenizer
