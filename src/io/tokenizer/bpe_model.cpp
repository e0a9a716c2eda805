#include "io/tokenizer/bpe_model.h"

#include <cstdio>
#include <queue>

#include "almkit/error.h"
#include "io/tokenizer/unicode.h"

namespace almkit::tokenizer {
namespace {

constexpr size_t kMaxCachedWordBytes = 256;
constexpr size_t kMaxCacheEntries = 1 << 18;

uint64_t pair_key(int32_t left, int32_t right) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) | static_cast<uint32_t>(right);
}

// A byte-level token ("Ġhello") as the raw bytes it stands for; nullopt if a character is not in
// the byte alphabet (such a token can never come out of byte-level input).
std::optional<std::string> byte_level_to_bytes(const std::string& token) {
  std::string bytes;
  size_t pos = 0;
  while (pos < token.size()) {
    const int byte = unicode_to_byte(next_code_point(token, pos));
    if (byte < 0) return std::nullopt;
    bytes += static_cast<char>(byte);
  }
  return bytes;
}

}  // namespace

BpeModel::BpeModel(const nlohmann::json& model, bool byte_level, const std::string& source) {
  byte_level_ = byte_level;
  if (!model.is_object() || !model.contains("vocab") || !model["vocab"].is_object()) {
    throw Error(ErrorCode::kInvalidFormat, source + ": model.vocab is missing or not an object");
  }
  for (const auto& [token, id] : model["vocab"].items()) {
    if (!id.is_number_integer() || id.get<int64_t>() < 0) {
      throw Error(ErrorCode::kInvalidFormat,
                  source + ": model.vocab['" + token + "'] is not a non-negative integer id");
    }
    if (id.get<int64_t>() >= kMaxVocabId) {
      throw Error(ErrorCode::kInvalidFormat, source + ": model.vocab['" + token + "'] has id " +
                                                 id.dump() + ", beyond the limit of " +
                                                 std::to_string(kMaxVocabId) + " ids");
    }
    vocab_[token] = id.get<int32_t>();
  }
  byte_fallback_ = model.value("byte_fallback", false);
  fuse_unk_ = model.value("fuse_unk", false);
  ignore_merges_ = model.value("ignore_merges", false);
  for (const char* key : {"continuing_subword_prefix", "end_of_word_suffix"}) {
    if (model.contains(key) && model[key].is_string() && !model[key].get<std::string>().empty()) {
      throw Error(
          ErrorCode::kUnsupported,
          source + ": BPE " + key + " '" + model[key].get<std::string>() + "' is not supported");
    }
  }
  if (model.contains("dropout") && model["dropout"].is_number() &&
      model["dropout"].get<double>() > 0) {
    throw Error(ErrorCode::kUnsupported, source + ": BPE dropout is not supported");
  }
  if (model.contains("unk_token") && model["unk_token"].is_string()) {
    auto it = vocab_.find(model["unk_token"].get<std::string>());
    if (it != vocab_.end()) unk_id_ = it->second;
  }
  finish(source);
  const auto& merges = model.value("merges", nlohmann::json::array());
  if (!merges.is_array())
    throw Error(ErrorCode::kInvalidFormat, source + ": model.merges is not a list");
  int32_t rank = 0;
  for (const auto& merge : merges) {
    if (merge.is_string()) {
      const std::string line = merge.get<std::string>();
      const size_t space = line.find(' ', 1);
      if (space == std::string::npos) {
        throw Error(ErrorCode::kInvalidFormat,
                    source + ": merge '" + line + "' is not 'left right'");
      }
      add_merge(line.substr(0, space), line.substr(space + 1), rank++);
    } else if (merge.is_array() && merge.size() == 2 && merge[0].is_string() &&
               merge[1].is_string()) {
      add_merge(merge[0].get<std::string>(), merge[1].get<std::string>(), rank++);
    } else {
      throw Error(ErrorCode::kInvalidFormat, source + ": merge " + merge.dump() + " is malformed");
    }
  }
}

void BpeModel::finish(const std::string& source) {
  int32_t max_id = -1;
  for (const auto& [token, id] : vocab_) max_id = std::max(max_id, id);
  id_to_token_.assign(static_cast<size_t>(max_id + 1), std::string());
  for (const auto& [token, id] : vocab_) id_to_token_[id] = token;
  byte_ids_.fill(-1);
  if (byte_level_) {
    for (const auto& [token, id] : vocab_) {
      if (auto bytes = byte_level_to_bytes(token)) unit_vocab_.emplace(std::move(*bytes), id);
    }
    for (int b = 0; b < 256; ++b) {
      auto it = unit_vocab_.find(std::string(1, static_cast<char>(b)));
      if (it != unit_vocab_.end()) byte_ids_[b] = it->second;
    }
  } else if (byte_fallback_) {
    for (int b = 0; b < 256; ++b) {
      char name[8];
      std::snprintf(name, sizeof(name), "<0x%02X>", b);
      auto it = vocab_.find(name);
      if (it == vocab_.end()) {
        throw Error(ErrorCode::kInvalidFormat,
                    source + ": byte_fallback is set but the vocabulary lacks " + name);
      }
      byte_ids_[b] = it->second;
    }
  }
}

void BpeModel::add_merge(const std::string& left, const std::string& right, int32_t rank) {
  auto l = vocab_.find(left), r = vocab_.find(right), merged = vocab_.find(left + right);
  if (l == vocab_.end() || r == vocab_.end() || merged == vocab_.end())
    return;  // unreachable merge
  merges_.emplace(pair_key(l->second, r->second), std::make_pair(rank, merged->second));
}

std::optional<int32_t> BpeModel::token_to_id(const std::string& token) const {
  auto it = vocab_.find(token);
  if (it == vocab_.end()) return std::nullopt;
  return it->second;
}

const std::string& BpeModel::id_to_token(int32_t id) const {
  static const std::string kNone;
  if (id < 0 || id >= size()) return kNone;
  return id_to_token_[static_cast<size_t>(id)];
}

void BpeModel::encode_word(std::string_view word, std::vector<int32_t>& ids) const {
  if (word.empty()) return;
  const auto& units = byte_level_ ? unit_vocab_ : vocab_;
  if (ignore_merges_) {
    auto it = units.find(std::string(word));
    if (it != units.end()) {
      ids.push_back(it->second);
      return;
    }
  }
  const bool cacheable = word.size() <= kMaxCachedWordBytes;
  std::string key;
  if (cacheable) {
    key.assign(word);
    std::lock_guard<std::mutex> lock(cache_mutex_);
    auto it = cache_.find(key);
    if (it != cache_.end()) {
      ids.insert(ids.end(), it->second.begin(), it->second.end());
      return;
    }
  }
  const size_t first = ids.size();
  merge_word(word, ids);
  if (cacheable) {
    std::vector<int32_t> result(ids.begin() + static_cast<std::ptrdiff_t>(first), ids.end());
    std::lock_guard<std::mutex> lock(cache_mutex_);
    if (cache_.size() >= kMaxCacheEntries) cache_.clear();
    cache_.emplace(std::move(key), std::move(result));
  }
}

void BpeModel::merge_word(std::string_view word, std::vector<int32_t>& ids) const {
  struct Symbol {
    int32_t id;
    int32_t prev, next;
    bool alive;
  };
  std::vector<Symbol> symbols;
  symbols.reserve(word.size());
  auto push = [&](int32_t id) {
    const auto index = static_cast<int32_t>(symbols.size());
    symbols.push_back({id, index - 1, index + 1, true});
  };
  if (byte_level_) {
    for (unsigned char c : word) {
      if (byte_ids_[c] >= 0) {
        push(byte_ids_[c]);
      } else if (unk_id_) {
        push(*unk_id_);
      }
    }
  } else {
    size_t pos = 0;
    std::string character;
    bool previous_unk = false;
    while (pos < word.size()) {
      const size_t start = pos;
      pos +=
          std::min(utf8_sequence_length(static_cast<unsigned char>(word[pos])), word.size() - pos);
      character.assign(word.substr(start, pos - start));
      auto it = vocab_.find(character);
      if (it != vocab_.end()) {
        push(it->second);
        previous_unk = false;
      } else if (byte_fallback_) {
        for (unsigned char c : character) push(byte_ids_[c]);
        previous_unk = false;
      } else if (unk_id_) {
        if (!(fuse_unk_ && previous_unk)) push(*unk_id_);
        previous_unk = true;
      }
    }
  }
  if (symbols.empty()) return;
  symbols.back().next = -1;

  struct Candidate {
    int32_t rank, pos, left, right, merged;
    bool operator>(const Candidate& other) const {
      return rank != other.rank ? rank > other.rank : pos > other.pos;
    }
  };
  std::priority_queue<Candidate, std::vector<Candidate>, std::greater<Candidate>> queue;
  auto consider = [&](int32_t pos) {
    const int32_t next = symbols[pos].next;
    if (next < 0) return;
    auto it = merges_.find(pair_key(symbols[pos].id, symbols[next].id));
    if (it != merges_.end()) {
      queue.push({it->second.first, pos, symbols[pos].id, symbols[next].id, it->second.second});
    }
  };
  for (int32_t i = 0; i + 1 < static_cast<int32_t>(symbols.size()); ++i) consider(i);
  while (!queue.empty()) {
    const Candidate top = queue.top();
    queue.pop();
    Symbol& left = symbols[top.pos];
    if (!left.alive || left.id != top.left || left.next < 0) continue;
    Symbol& right = symbols[left.next];
    if (right.id != top.right) continue;
    left.id = top.merged;
    right.alive = false;
    left.next = right.next;
    if (right.next >= 0) symbols[right.next].prev = top.pos;
    if (left.prev >= 0) consider(left.prev);
    consider(top.pos);
  }
  for (int32_t i = 0; i >= 0; i = symbols[i].next) ids.push_back(symbols[i].id);
}

}  // namespace almkit::tokenizer
