// The BPE model of tokenizer.json ("type": "BPE"): merge ranks applied to one word at a time, with
// byte-level units (GPT-2, Qwen, Llama-3), or characters with byte fallback and unk fusing
// (SentencePiece-style Llama-2, Gemma), ignore_merges, and a bounded word cache.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace almkit::tokenizer {

// Token ids (model vocabulary, added tokens, post-processor ids) lie below this bound: id tables
// are as long as the largest id, so a stray huge id would ask for gigabytes. The largest released
// vocabularies have ~10^6 entries.
inline constexpr int64_t kMaxVocabId = int64_t{1} << 24;

class BpeModel {
 public:
  // `byte_level`: words arrive as raw UTF-8 bytes and the vocabulary is in GPT-2's byte alphabet
  // (the pre-tokenizer has a ByteLevel stage). Throws kInvalidFormat naming `source`.
  BpeModel(const nlohmann::json& model, bool byte_level, const std::string& source);
  // Appends the ids of one pre-tokenized word.
  void encode_word(std::string_view word, std::vector<int32_t>& ids) const;

  std::optional<int32_t> token_to_id(const std::string& token) const;
  // "" for an id the model's vocabulary does not hold (added tokens live elsewhere).
  const std::string& id_to_token(int32_t id) const;
  int32_t size() const { return static_cast<int32_t>(id_to_token_.size()); }
  bool byte_level() const { return byte_level_; }
  std::optional<int32_t> unk_id() const { return unk_id_; }

 private:
  void add_merge(const std::string& left, const std::string& right, int32_t rank);
  void finish(const std::string& source);
  void merge_word(std::string_view word, std::vector<int32_t>& ids) const;

  bool byte_level_ = false;
  bool byte_fallback_ = false;
  bool fuse_unk_ = false;
  bool ignore_merges_ = false;
  std::optional<int32_t> unk_id_;
  std::unordered_map<std::string, int32_t> vocab_;       // token as written in the file
  std::unordered_map<std::string, int32_t> unit_vocab_;  // byte-level: token as raw bytes
  std::vector<std::string> id_to_token_;
  std::unordered_map<uint64_t, std::pair<int32_t, int32_t>> merges_;  // (left,right) -> rank, id
  std::array<int32_t, 256> byte_ids_{};  // byte-level unit ids, or <0xXX> fallback ids

  mutable std::mutex cache_mutex_;
  mutable std::unordered_map<std::string, std::vector<int32_t>> cache_;
};

}  // namespace almkit::tokenizer
