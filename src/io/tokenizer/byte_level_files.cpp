#include "io/tokenizer/byte_level_files.h"

#include <charconv>
#include <set>

#include "almkit/error.h"
#include "io/tokenizer/pre_tokenizer.h"

namespace almkit::tokenizer {
namespace {

// Qwen2Tokenizer's PRETOKENIZE_REGEX (transformers/models/qwen2/tokenization_qwen2.py).
const char* const kQwen2Pattern =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

std::string token_text(const nlohmann::json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_object() && value.contains("content")) return value.value("content", std::string());
  return {};
}

}  // namespace

nlohmann::json byte_level_files_to_tokenizer_json(const ByteLevelFiles& files,
                                                  const std::string& source) {
  if (!files.vocab.is_object())
    throw Error(ErrorCode::kInvalidFormat, source + ": vocab.json is not an object");
  nlohmann::json merges = nlohmann::json::array();
  size_t start = 0;
  while (start < files.merges.size()) {
    size_t end = files.merges.find('\n', start);
    if (end == std::string::npos) end = files.merges.size();
    std::string line = files.merges.substr(start, end - start);
    start = end + 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line.rfind("#version", 0) == 0) continue;
    const size_t space = line.find(' ', 1);
    if (space == std::string::npos) {
      throw Error(ErrorCode::kInvalidFormat,
                  source + ": merges.txt line '" + line + "' is not 'left right'");
    }
    merges.push_back({line.substr(0, space), line.substr(space + 1)});
  }

  std::set<std::string> specials;
  for (const auto* map : {&files.config, &files.special_map}) {
    if (!map->is_object()) continue;
    for (const char* key : {"bos_token", "eos_token", "unk_token", "pad_token"}) {
      if (map->contains(key)) specials.insert(token_text((*map)[key]));
    }
    if (map->contains("additional_special_tokens") &&
        (*map)["additional_special_tokens"].is_array()) {
      for (const auto& token : (*map)["additional_special_tokens"])
        specials.insert(token_text(token));
    }
  }
  nlohmann::json added = nlohmann::json::array();
  std::set<int64_t> added_ids;
  auto add = [&](int64_t id, const std::string& content, const nlohmann::json& entry) {
    if (content.empty() || !added_ids.insert(id).second) return;
    const bool special = entry.value("special", specials.count(content) > 0);
    added.push_back({{"id", id},
                     {"content", content},
                     {"special", special},
                     {"lstrip", entry.value("lstrip", false)},
                     {"rstrip", entry.value("rstrip", false)},
                     {"single_word", entry.value("single_word", false)},
                     {"normalized", entry.value("normalized", !special)}});
  };
  if (files.config.contains("added_tokens_decoder") &&
      files.config["added_tokens_decoder"].is_object()) {
    for (const auto& [key, entry] : files.config["added_tokens_decoder"].items()) {
      int64_t id = 0;
      const auto [end, error] = std::from_chars(key.data(), key.data() + key.size(), id);
      if (error != std::errc() || end != key.data() + key.size()) {  // std::stoll would throw
        throw Error(ErrorCode::kInvalidFormat, source +
                                                   ": tokenizer_config.json's "
                                                   "added_tokens_decoder key '" +
                                                   key + "' is not a token id");
      }
      add(id, entry.value("content", std::string()), entry);
    }
  }
  if (files.added.is_object()) {
    for (const auto& [content, id] : files.added.items()) {
      if (id.is_number_integer()) add(id.get<int64_t>(), content, nlohmann::json::object());
    }
  }
  if (files.vocab.contains("<|endoftext|>") && files.vocab["<|endoftext|>"].is_number_integer()) {
    add(files.vocab["<|endoftext|>"].get<int64_t>(), "<|endoftext|>", {{"special", true}});
  }

  const std::string tokenizer_class = files.config.value("tokenizer_class", std::string());
  const bool qwen2 = tokenizer_class.rfind("Qwen2Tokenizer", 0) == 0;
  const bool add_prefix_space = files.config.value("add_prefix_space", false);
  nlohmann::json pre_tokenizer = qwen2 ? nlohmann::json{{"type", "Sequence"},
                                                        {"pretokenizers",
                                                         {{{"type", "Split"},
                                                           {"pattern", {{"Regex", kQwen2Pattern}}},
                                                           {"behavior", "Isolated"},
                                                           {"invert", false}},
                                                          {{"type", "ByteLevel"},
                                                           {"add_prefix_space", false},
                                                           {"use_regex", false}}}}}
                                       : nlohmann::json{{"type", "ByteLevel"},
                                                        {"add_prefix_space", add_prefix_space},
                                                        {"use_regex", true}};
  return {{"normalizer", qwen2 ? nlohmann::json{{"type", "NFC"}} : nlohmann::json()},
          {"pre_tokenizer", pre_tokenizer},
          {"model", {{"type", "BPE"}, {"vocab", files.vocab}, {"merges", merges}}},
          {"added_tokens", added},
          {"post_processor", nullptr},
          {"decoder", {{"type", "ByteLevel"}}}};
}

}  // namespace almkit::tokenizer
