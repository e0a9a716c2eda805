#include "io/tokenizer/sentencepiece_model.h"

#include <algorithm>
#include <cstring>
#include <unordered_map>
#include <vector>

#include "almkit/error.h"

namespace almkit::tokenizer {
namespace {

// A minimal protobuf wire-format reader (varint, 32-bit and length-delimited fields).
class ProtoReader {
 public:
  ProtoReader(std::string_view data, const std::string& source) : data_(data), source_(source) {}
  bool done() const { return pos_ >= data_.size(); }
  // Next field number and wire type.
  std::pair<uint32_t, uint32_t> next_key() {
    const uint64_t key = varint();
    return {static_cast<uint32_t>(key >> 3), static_cast<uint32_t>(key & 7)};
  }
  uint64_t varint() {
    uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= data_.size()) corrupt();
      const auto byte = static_cast<unsigned char>(data_[pos_++]);
      value |= static_cast<uint64_t>(byte & 0x7F) << shift;
      if (!(byte & 0x80)) return value;
    }
    corrupt();
  }
  std::string_view bytes() {
    const uint64_t length = varint();
    if (length > data_.size() - pos_) corrupt();
    const std::string_view out = data_.substr(pos_, length);
    pos_ += length;
    return out;
  }
  float fixed32_float() {
    if (pos_ + 4 > data_.size()) corrupt();
    float value;
    std::memcpy(&value, data_.data() + pos_, 4);
    pos_ += 4;
    return value;
  }
  void skip(uint32_t wire_type) {
    switch (wire_type) {
      case 0:
        varint();
        break;
      case 1:
        pos_ += 8;
        break;
      case 2:
        bytes();
        break;
      case 5:
        pos_ += 4;
        break;
      default:
        corrupt();
    }
    if (pos_ > data_.size()) corrupt();
  }
  [[noreturn]] void corrupt() const {
    throw Error(ErrorCode::kInvalidFormat,
                source_ + " is not a SentencePiece model (corrupt protobuf at byte " +
                    std::to_string(pos_) + ")");
  }

 private:
  std::string_view data_;
  const std::string& source_;
  size_t pos_ = 0;
};

enum PieceType {
  kNormal = 1,
  kUnknown = 2,
  kControl = 3,
  kUserDefined = 4,
  kUnused = 5,
  kByte = 6
};

struct Piece {
  std::string text;
  float score = 0;
  int type = kNormal;
};

struct Model {
  std::vector<Piece> pieces;
  int model_type = 1;  // UNIGRAM=1, BPE=2, WORD=3, CHAR=4
  bool byte_fallback = false;
  std::string normalizer_name;
  bool add_dummy_prefix = true;
  bool remove_extra_whitespaces = true;
  bool escape_whitespaces = true;
};

Model read_model(const std::string& bytes, const std::string& source) {
  Model model;
  ProtoReader reader(bytes, source);
  while (!reader.done()) {
    const auto [field, wire] = reader.next_key();
    if (field == 1 && wire == 2) {
      ProtoReader piece_reader(reader.bytes(), source);
      Piece piece;
      while (!piece_reader.done()) {
        const auto [f, w] = piece_reader.next_key();
        if (f == 1 && w == 2) {
          piece.text = std::string(piece_reader.bytes());
        } else if (f == 2 && w == 5) {
          piece.score = piece_reader.fixed32_float();
        } else if (f == 3 && w == 0) {
          piece.type = static_cast<int>(piece_reader.varint());
        } else {
          piece_reader.skip(w);
        }
      }
      model.pieces.push_back(std::move(piece));
    } else if (field == 2 && wire == 2) {  // TrainerSpec
      ProtoReader trainer(reader.bytes(), source);
      while (!trainer.done()) {
        const auto [f, w] = trainer.next_key();
        if (f == 3 && w == 0) {
          model.model_type = static_cast<int>(trainer.varint());
        } else if (f == 35 && w == 0) {
          model.byte_fallback = trainer.varint() != 0;
        } else {
          trainer.skip(w);
        }
      }
    } else if (field == 3 && wire == 2) {  // NormalizerSpec
      ProtoReader normalizer(reader.bytes(), source);
      while (!normalizer.done()) {
        const auto [f, w] = normalizer.next_key();
        if (f == 1 && w == 2) {
          model.normalizer_name = std::string(normalizer.bytes());
        } else if (f == 3 && w == 0) {
          model.add_dummy_prefix = normalizer.varint() != 0;
        } else if (f == 4 && w == 0) {
          model.remove_extra_whitespaces = normalizer.varint() != 0;
        } else if (f == 5 && w == 0) {
          model.escape_whitespaces = normalizer.varint() != 0;
        } else {
          normalizer.skip(w);
        }
      }
    } else {
      reader.skip(wire);
    }
  }
  if (model.pieces.empty()) {
    throw Error(ErrorCode::kInvalidFormat, source + " is not a SentencePiece model (no pieces)");
  }
  return model;
}

}  // namespace

nlohmann::json sentencepiece_to_tokenizer_json(const std::string& bytes, bool add_bos, bool add_eos,
                                               const std::string& source) {
  const Model model = read_model(bytes, source);
  if (model.model_type != 2) {
    static const char* const kNames[] = {"?", "Unigram", "BPE", "word", "char"};
    throw Error(ErrorCode::kUnsupported,
                source + ": SentencePiece " + kNames[std::clamp(model.model_type, 0, 4)] +
                    " models are not supported (BPE only); convert it to tokenizer.json");
  }
  const std::string space = "\xE2\x96\x81";  // ▁
  nlohmann::json vocab = nlohmann::json::object();
  nlohmann::json added = nlohmann::json::array();
  std::unordered_map<std::string, int> ids;
  std::string unk, bos, eos;
  for (size_t id = 0; id < model.pieces.size(); ++id) {
    const Piece& piece = model.pieces[id];
    vocab[piece.text] = id;
    ids[piece.text] = static_cast<int>(id);
    if (piece.type == kUnknown) unk = piece.text;
    if (piece.type == kControl && (piece.text == "<s>" || piece.text == "<bos>")) bos = piece.text;
    if (piece.type == kControl && (piece.text == "</s>" || piece.text == "<eos>")) eos = piece.text;
    if (piece.type == kUnknown || piece.type == kControl || piece.type == kUserDefined) {
      added.push_back({{"id", id},
                       {"content", piece.text},
                       {"special", piece.type != kUserDefined},
                       {"lstrip", false},
                       {"rstrip", false},
                       {"single_word", false},
                       {"normalized", false}});
    }
  }
  // SentencePiece BPE merges the adjacent pair whose union has the best score; as BPE ranks:
  // every split of a normal piece into two known pieces, ordered by the union's score.
  struct Merge {
    float score;
    int merged, left, right;
  };
  std::vector<Merge> merges;
  for (size_t id = 0; id < model.pieces.size(); ++id) {
    const Piece& piece = model.pieces[id];
    if (piece.type != kNormal && piece.type != kUserDefined) continue;
    for (size_t cut = 1; cut < piece.text.size(); ++cut) {
      if ((static_cast<unsigned char>(piece.text[cut]) & 0xC0) == 0x80) continue;
      auto left = ids.find(piece.text.substr(0, cut)), right = ids.find(piece.text.substr(cut));
      if (left != ids.end() && right != ids.end()) {
        merges.push_back({piece.score, static_cast<int>(id), left->second, right->second});
      }
    }
  }
  std::stable_sort(merges.begin(), merges.end(), [](const Merge& a, const Merge& b) {
    if (a.score != b.score) return a.score > b.score;
    if (a.merged != b.merged) return a.merged < b.merged;
    return a.left < b.left;
  });
  nlohmann::json merge_list = nlohmann::json::array();
  for (const auto& merge : merges) {
    merge_list.push_back({model.pieces[merge.left].text, model.pieces[merge.right].text});
  }

  nlohmann::json normalizers = nlohmann::json::array();
  if (!model.normalizer_name.empty() && model.normalizer_name != "identity") {
    // nmt_nfkc and friends: NFKC stands in for the precompiled character map.
    normalizers.push_back({{"type", "NFKC"}});
  }
  if (model.remove_extra_whitespaces) {
    normalizers.push_back({{"type", "Strip"}, {"strip_left", true}, {"strip_right", true}});
    normalizers.push_back(
        {{"type", "Replace"}, {"pattern", {{"Regex", " {2,}"}}}, {"content", " "}});
  }
  if (model.add_dummy_prefix) normalizers.push_back({{"type", "Prepend"}, {"prepend", space}});
  if (model.escape_whitespaces) {
    normalizers.push_back(
        {{"type", "Replace"}, {"pattern", {{"String", " "}}}, {"content", space}});
  }
  nlohmann::json decoders = {
      {{"type", "Replace"}, {"pattern", {{"String", space}}}, {"content", " "}},
      {{"type", "ByteFallback"}},
      {{"type", "Fuse"}}};
  if (model.add_dummy_prefix)
    decoders.push_back({{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 0}});

  nlohmann::json single = nlohmann::json::array();
  nlohmann::json special_tokens = nlohmann::json::object();
  auto add_special = [&](const std::string& token) {
    single.push_back({{"SpecialToken", {{"id", token}, {"type_id", 0}}}});
    special_tokens[token] = {{"id", token}, {"ids", {ids.at(token)}}, {"tokens", {token}}};
  };
  if (add_bos && !bos.empty()) add_special(bos);
  single.push_back({{"Sequence", {{"id", "A"}, {"type_id", 0}}}});
  if (add_eos && !eos.empty()) add_special(eos);

  return {
      {"normalizer", {{"type", "Sequence"}, {"normalizers", normalizers}}},
      {"pre_tokenizer", nullptr},
      {"model",
       {{"type", "BPE"},
        {"vocab", vocab},
        {"merges", merge_list},
        {"unk_token", unk.empty() ? nlohmann::json() : nlohmann::json(unk)},
        {"byte_fallback", model.byte_fallback},
        {"fuse_unk", true}}},
      {"added_tokens", added},
      {"post_processor",
       {{"type", "TemplateProcessing"}, {"single", single}, {"special_tokens", special_tokens}}},
      {"decoder", {{"type", "Sequence"}, {"decoders", decoders}}}};
}

}  // namespace almkit::tokenizer
