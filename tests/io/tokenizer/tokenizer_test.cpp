// Tokenizer behaviour that the reference corpus does not isolate: error paths, added-token
// options, the split behaviours, normalizers, decoders, SentencePiece models, Whisper tokens.
#include "almkit/tokenizer.h"

#include <gtest/gtest.h>

#include <fstream>

#include "io/json_file.h"
#include "io/tokenizer/decoder.h"
#include "io/tokenizer/normalizer.h"
#include "io/tokenizer/pre_tokenizer.h"
#include "io/tokenizer/tokenizer_test_support.h"
#include "io/tokenizer/unicode.h"
#include "test_support.h"

namespace almkit {
namespace {

using nlohmann::json;

// A byte-level BPE whose ids 0..255 are the bytes, plus merges and added tokens given by a test.
json tiny_byte_level(const json& merges = json::array(), const json& added = json::array()) {
  json vocab = json::object();
  const auto& alphabet = tokenizer::byte_to_unicode();
  for (int b = 0; b < 256; ++b) vocab[alphabet[b]] = b;
  int next = 256;
  for (const auto& merge : merges) {
    vocab[merge[0].get<std::string>() + merge[1].get<std::string>()] = next++;
  }
  return {
      {"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", merges}}},
      {"pre_tokenizer", {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", true}}},
      {"decoder", {{"type", "ByteLevel"}}},
      {"added_tokens", added}};
}

json added_token(int id, const std::string& content, bool special, bool lstrip = false,
                 bool rstrip = false, bool single_word = false) {
  return {{"id", id},           {"content", content}, {"special", special},
          {"lstrip", lstrip},   {"rstrip", rstrip},   {"single_word", single_word},
          {"normalized", false}};
}

std::vector<int32_t> bytes_of(const std::string& text) {
  return std::vector<int32_t>(reinterpret_cast<const unsigned char*>(text.data()),
                              reinterpret_cast<const unsigned char*>(text.data()) + text.size());
}

std::vector<std::string> pre_tokenize(const json& config, const std::string& text) {
  std::vector<std::string> pieces{text};
  tokenizer::make_pre_tokenizer(config, "test")->split(pieces, true);
  return pieces;
}

TEST(Tokenizer, InvalidUtf8IsRejectedWithItsOffset) {
  const auto tokenizer = Tokenizer::from_json(tiny_byte_level().dump());
  EXPECT_ALMKIT_ERROR(tokenizer->encode("ok \xC3\x28 bad", true), ErrorCode::kInvalidArgument,
                      "not valid UTF-8 (byte 0xC3 at offset 3)");
  EXPECT_ALMKIT_ERROR(tokenizer->encode("\xED\xA0\x80 surrogate", true),
                      ErrorCode::kInvalidArgument, "offset 0");
  EXPECT_ALMKIT_ERROR(tokenizer->encode("truncated \xF0\x9F\x98", true),
                      ErrorCode::kInvalidArgument, "offset 10");
}

TEST(Tokenizer, UnknownTypesAndMalformedFilesAreClearErrors) {
  EXPECT_ALMKIT_ERROR(Tokenizer::from_json(R"({"model": {"type": "WordPiece", "vocab": {}}})"),
                      ErrorCode::kUnsupported, "model type 'WordPiece' is not supported");
  EXPECT_ALMKIT_ERROR(Tokenizer::from_json(R"({"model": {"type": "BPE", "vocab": {}, "merges": []},
                                               "normalizer": {"type": "Precompiled"}})"),
                      ErrorCode::kUnsupported, "normalizer type 'Precompiled'");
  EXPECT_ALMKIT_ERROR(Tokenizer::from_json(R"({"model": {"type": "BPE", "vocab": {}, "merges": []},
                                               "pre_tokenizer": {"type": "UnicodeScripts"}})"),
                      ErrorCode::kUnsupported, "pre_tokenizer type 'UnicodeScripts'");
  EXPECT_ALMKIT_ERROR(Tokenizer::from_json(R"({"model": {"type": "BPE", "vocab": {}, "merges": []},
                                               "decoder": {"type": "CTC"}})"),
                      ErrorCode::kUnsupported, "decoder type 'CTC'");
  EXPECT_ALMKIT_ERROR(Tokenizer::from_json("{\"model\": "), ErrorCode::kInvalidFormat,
                      "not valid JSON");
  EXPECT_ALMKIT_ERROR(Tokenizer::from_json(R"({"normalizer": null})"), ErrorCode::kInvalidFormat,
                      "required field 'model'");
  EXPECT_ALMKIT_ERROR(Tokenizer::from_json(R"({"model": {"type": "BPE", "vocab": {"a": "x"}}})"),
                      ErrorCode::kInvalidFormat, "model.vocab['a']");
  EXPECT_ALMKIT_ERROR(
      Tokenizer::from_json(R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": [7]}})"),
      ErrorCode::kInvalidFormat, "merge 7 is malformed");
  EXPECT_ALMKIT_ERROR(Tokenizer::from_json(R"({"model": {"type": "BPE", "vocab": {}},
                                               "pre_tokenizer": {"type": "Split", "pattern": {"Regex": "(unclosed"}}})"),
                      ErrorCode::kInvalidFormat, "does not compile");

  const std::string dir = test::temp_dir();
  test::write_file(dir + "/tokenizer.json", "{\"model\": {\"type\": \"BPE\", \"vocab\": {");
  EXPECT_ALMKIT_ERROR(Tokenizer::from_folder(dir), ErrorCode::kInvalidFormat,
                      dir + "/tokenizer.json");
  EXPECT_ALMKIT_ERROR(Tokenizer::from_folder(dir + "/missing"), ErrorCode::kFileNotFound,
                      "does not exist");
  const std::string empty = test::temp_dir() + "/empty";
  std::system(("mkdir -p " + empty).c_str());
  EXPECT_ALMKIT_ERROR(Tokenizer::from_folder(empty), ErrorCode::kFileNotFound, "tokenizer.model");
}

TEST(Tokenizer, AddedTokensHonourLstripRstripAndSingleWord) {
  const json added = {added_token(300, "<mask>", true, /*lstrip=*/true, /*rstrip=*/true),
                      added_token(301, "[X]", false, false, false, /*single_word=*/true),
                      added_token(302, "<|im_start|>", true)};
  const auto tokenizer = Tokenizer::from_json(tiny_byte_level(json::array(), added).dump());
  // lstrip/rstrip: the spaces around <mask> belong to the token.
  EXPECT_EQ(tokenizer->encode("a  <mask>  b", false), (std::vector<int32_t>{'a', 300, 'b'}));
  // single_word: only matched between non-word characters.
  EXPECT_EQ(tokenizer->encode("x [X] y", false), (std::vector<int32_t>{'x', ' ', 301, ' ', 'y'}));
  EXPECT_EQ(tokenizer->encode("x[X]y", false), bytes_of("x[X]y"));
  // Leftmost-longest, and special tokens decode verbatim or disappear.
  const auto ids = tokenizer->encode("<|im_start|>hi", false);
  EXPECT_EQ(ids, (std::vector<int32_t>{302, 'h', 'i'}));
  EXPECT_EQ(tokenizer->decode(ids, false), "<|im_start|>hi");
  EXPECT_EQ(tokenizer->decode(ids, true), "hi");
  EXPECT_TRUE(tokenizer->is_special(302));
  EXPECT_FALSE(tokenizer->is_special(301));
  EXPECT_EQ(tokenizer->vocab_size(), 303);
  EXPECT_EQ(tokenizer->token_to_id("[X]"), 301);
  EXPECT_EQ(tokenizer->id_to_token(' '), "\xC4\xA0");  // "Ġ"
  EXPECT_FALSE(tokenizer->token_to_id("nope").has_value());
  EXPECT_ALMKIT_ERROR(tokenizer->id_to_token(999), ErrorCode::kInvalidArgument,
                      "outside the vocabulary");
  EXPECT_ALMKIT_ERROR(tokenizer->decode({5, -1}, false), ErrorCode::kInvalidArgument, "id -1");
}

TEST(Tokenizer, MergesApplyByRankAndIgnoreMergesUsesWholeWords) {
  const json merges =
      json::array({json::array({"a", "b"}), json::array({"b", "c"}), json::array({"ab", "c"})});
  auto config = tiny_byte_level(merges);
  auto tokenizer = Tokenizer::from_json(config.dump());
  // ranks: a+b (256) first, then ab+c (258), never b+c.
  EXPECT_EQ(tokenizer->encode("abc", false), (std::vector<int32_t>{258}));
  EXPECT_EQ(tokenizer->encode("bc", false), (std::vector<int32_t>{257}));
  // ignore_merges: a word that is itself in the vocabulary is one token even without a merge path.
  config["model"]["vocab"]["xyz"] = 259;
  EXPECT_EQ(Tokenizer::from_json(config.dump())->encode("xyz", false), bytes_of("xyz"));
  config["model"]["ignore_merges"] = true;
  EXPECT_EQ(Tokenizer::from_json(config.dump())->encode("xyz", false), (std::vector<int32_t>{259}));
}

TEST(Tokenizer, SplitBehavioursMatchTokenizersDocumentation) {
  auto split = [](const std::string& behavior) {
    return pre_tokenize({{"type", "Split"}, {"pattern", {{"String", "-"}}}, {"behavior", behavior}},
                        "the-final--countdown");
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(split("Removed"), (V{"the", "final", "countdown"}));
  EXPECT_EQ(split("Isolated"), (V{"the", "-", "final", "-", "-", "countdown"}));
  EXPECT_EQ(split("MergedWithPrevious"), (V{"the-", "final-", "-", "countdown"}));
  EXPECT_EQ(split("MergedWithNext"), (V{"the", "-final", "-", "-countdown"}));
  EXPECT_EQ(split("Contiguous"), (V{"the", "-", "final", "--", "countdown"}));
  EXPECT_EQ(pre_tokenize({{"type", "Split"},
                          {"pattern", {{"Regex", "\\d+"}}},
                          {"behavior", "Removed"},
                          {"invert", true}},
                         "a12b345"),
            (V{"12", "345"}));
  EXPECT_EQ(
      pre_tokenize(
          {{"type", "Metaspace"}, {"replacement", "\xE2\x96\x81"}, {"prepend_scheme", "always"}},
          "Hey friend!"),
      (V{"\xE2\x96\x81Hey",
         "\xE2\x96\x81"
         "friend!"}));
  EXPECT_EQ(
      pre_tokenize(
          {{"type", "Metaspace"}, {"replacement", "\xE2\x96\x81"}, {"prepend_scheme", "always"}},
          "Hey   friend!"),
      (V{"\xE2\x96\x81Hey", "\xE2\x96\x81", "\xE2\x96\x81",
         "\xE2\x96\x81"
         "friend!"}));
  EXPECT_EQ(pre_tokenize({{"type", "Digits"}, {"individual_digits", true}}, "a42"),
            (V{"a", "4", "2"}));
  EXPECT_EQ(pre_tokenize({{"type", "Whitespace"}}, "Hey, you!"), (V{"Hey", ",", "you", "!"}));
  // GPT-2's regex, \s with U+0085 as Oniguruma sees it.
  EXPECT_EQ(pre_tokenize({{"type", "ByteLevel"}, {"add_prefix_space", false}}, "I'm  here\xC2\x85"),
            (V{"I", "'m", " ", " here", "\xC2\x85"}));
}

TEST(Tokenizer, NormalizersAndDecoders) {
  auto normalize = [](const json& config, const std::string& text) {
    return tokenizer::make_normalizer(config, "test")->normalize(text);
  };
  EXPECT_EQ(normalize({{"type", "NFKC"}}, "\xEF\xAC\x81 \xE2\x91\xA0"), "fi 1");  // ﬁ ①
  EXPECT_EQ(normalize({{"type", "NFC"}}, "e\xCC\x81"), "\xC3\xA9");               // é
  EXPECT_EQ(normalize({{"type", "NFD"}}, "\xC3\xA9"), "e\xCC\x81");
  EXPECT_EQ(normalize({{"type", "Lowercase"}},
                      "\xC3\x84"
                      "BC"),
            "\xC3\xA4"
            "bc");
  EXPECT_EQ(normalize({{"type", "Sequence"},
                       {"normalizers",
                        {{{"type", "Prepend"}, {"prepend", "_"}},
                         {{"type", "Replace"}, {"pattern", {{"Regex", " +"}}}, {"content", "_"}}}}},
                      "a  b"),
            "_a_b");
  EXPECT_EQ(normalize({{"type", "Prepend"}, {"prepend", "_"}}, ""), "");
  EXPECT_EQ(normalize({{"type", "Strip"}, {"strip_left", true}, {"strip_right", false}}, "  x  "),
            "x  ");

  auto decode = [](const json& config, std::vector<std::string> tokens) {
    std::vector<bool> added(tokens.size(), false);
    tokenizer::make_decoder(config, "test")->decode_chain(tokens, added);
    std::string out;
    for (const auto& token : tokens) out += token;
    return out;
  };
  const json llama = {
      {"type", "Sequence"},
      {"decoders",
       {{{"type", "Replace"}, {"pattern", {{"String", "\xE2\x96\x81"}}}, {"content", " "}},
        {{"type", "ByteFallback"}},
        {{"type", "Fuse"}},
        {{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 0}}}}};
  EXPECT_EQ(decode(llama, {"\xE2\x96\x81Hi", "<0xE2>", "<0x9C>", "<0x93>", "\xE2\x96\x81!"}),
            "Hi\xE2\x9C\x93 !");
  // A byte run that is not UTF-8 gives one U+FFFD per byte, as tokenizers' ByteFallback does.
  EXPECT_EQ(decode(llama, {"a", "<0xE2>", "<0x9C>"}), "a\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(
      decode({{"type", "Metaspace"}, {"replacement", "\xE2\x96\x81"}, {"prepend_scheme", "always"}},
             {"\xE2\x96\x81Hey", "\xE2\x96\x81you"}),
      "Hey you");
  // As tokenizers' Rust decoder: every replacement in the first token goes, unless "never".
  EXPECT_EQ(decode({{"type", "Metaspace"}, {"replacement", "\xE2\x96\x81"}},
                   {"\xE2\x96\x81\xE2\x96\x81Hey", "\xE2\x96\x81you"}),
            "Hey you");
  EXPECT_EQ(
      decode({{"type", "Metaspace"}, {"replacement", "\xE2\x96\x81"}, {"prepend_scheme", "never"}},
             {"\xE2\x96\x81Hey"}),
      " Hey");
  // "Ġw" "Ã¶" "rld": byte-level characters back to bytes; a lone lead byte (â = 0xE2) is U+FFFD.
  EXPECT_EQ(decode({{"type", "ByteLevel"}},
                   {"Hello", "\xC4\xA0w", "\xC3\x83\xC2\xB6", "rld", "\xC3\xA2"}),
            "Hello w\xC3\xB6rld\xEF\xBF\xBD");
}

TEST(Tokenizer, EncodeBatchMatchesEncodeOnEveryThreadCount) {
  const auto tokenizer = Tokenizer::from_folder(test::tokenizer_dir("qwen3"));
  const auto corpus = test::read_corpus();
  std::vector<std::vector<int32_t>> expected;
  for (const auto& text : corpus) expected.push_back(tokenizer->encode(text, true));
  EXPECT_EQ(tokenizer->encode_batch(corpus, true, 1), expected);
  EXPECT_EQ(tokenizer->encode_batch(corpus, true, 2), expected);
  EXPECT_ALMKIT_ERROR(tokenizer->encode_batch({"fine", "bad \xFF"}, true, 2),
                      ErrorCode::kInvalidArgument, "UTF-8");
}

TEST(Tokenizer, ConfigGivesSpecialTokensAndTemplate) {
  const auto qwen = Tokenizer::from_folder(test::tokenizer_dir("qwen3"));
  EXPECT_EQ(qwen->eos_token(), "<|im_end|>");
  EXPECT_EQ(qwen->pad_token(), "<|endoftext|>");
  EXPECT_EQ(qwen->bos_token(), "");
  EXPECT_EQ(qwen->eos_token_id(), 151645);
  EXPECT_FALSE(qwen->bos_token_id().has_value());
  EXPECT_EQ(qwen->vocab_size(), 151669);
  EXPECT_TRUE(qwen->is_special(151644));  // <|im_start|>
  EXPECT_FALSE(qwen->is_special(*qwen->token_to_id("<think>")));
  EXPECT_NE(qwen->chat_template().find("<|im_start|>"), std::string::npos);
  const auto llama = Tokenizer::from_folder(test::tokenizer_dir("llama2"));
  EXPECT_EQ(llama->bos_token(), "<s>");
  EXPECT_EQ(llama->bos_token_id(), 1);
  EXPECT_EQ(llama->encode("Hello", true),
            (std::vector<int32_t>{1, *llama->token_to_id("\xE2\x96\x81Hello")}));
  EXPECT_EQ(llama->chat_template(), "");
  // transformers' clean_up_tokenization_spaces, on request, for Llama-3 whose config asks for it.
  const auto llama3 = Tokenizer::from_folder(test::tokenizer_dir("llama3"));
  const auto ids = llama3->encode("Hi , there .", false);
  EXPECT_EQ(llama3->decode(ids, false), "Hi , there .");
  EXPECT_EQ(llama3->decode_for_display(ids, false), "Hi, there.");
}

TEST(Tokenizer, ChatTemplateJinjaFileOverridesTheConfig) {
  const std::string dir = test::temp_dir();
  test::write_file(dir + "/tokenizer.json", tiny_byte_level().dump());
  test::write_file(
      dir + "/tokenizer_config.json",
      R"({"chat_template": [{"name": "default", "template": "A"}, {"name": "tool_use", "template": "B"}],
                       "bos_token": {"content": "<s>", "lstrip": false}})");
  auto tokenizer = Tokenizer::from_folder(dir);
  EXPECT_EQ(tokenizer->chat_template(), "A");
  EXPECT_EQ(tokenizer->bos_token(), "<s>");
  test::write_file(dir + "/chat_template.jinja", "{{ messages | length }}");
  EXPECT_EQ(Tokenizer::from_folder(dir)->chat_template(), "{{ messages | length }}");
}

// Protobuf wire format, enough to write a SentencePiece ModelProto.
void put_varint(std::string& out, uint64_t value) {
  while (value >= 0x80) {
    out += static_cast<char>((value & 0x7F) | 0x80);
    value >>= 7;
  }
  out += static_cast<char>(value);
}
void put_bytes(std::string& out, int field, const std::string& bytes) {
  put_varint(out, static_cast<uint64_t>(field) << 3 | 2);
  put_varint(out, bytes.size());
  out += bytes;
}
void put_number(std::string& out, int field, uint64_t value) {
  put_varint(out, static_cast<uint64_t>(field) << 3);
  put_varint(out, value);
}

// Llama-2's vocabulary as the tokenizer.model it was converted from: pieces in id order, scores
// falling with the id except the whitespace-only pieces (score -1e9 in Meta's file), <unk>/<s>/</s>
// and the byte pieces typed as SentencePiece types them.
std::string llama2_as_sentencepiece_model() {
  const auto json = read_json_file(test::tokenizer_dir("llama2") + "/tokenizer.json");
  std::vector<std::string> pieces(json["model"]["vocab"].size());
  for (const auto& [piece, id] : json["model"]["vocab"].items()) pieces[id.get<size_t>()] = piece;
  std::string model;
  for (size_t id = 0; id < pieces.size(); ++id) {
    std::string entry;
    put_bytes(entry, 1, pieces[id]);
    const bool whitespace = pieces[id].find_first_not_of("\xE2\x96\x81") == std::string::npos;
    const float score = whitespace ? -1e9f : -static_cast<float>(id);
    put_varint(entry, 2 << 3 | 5);
    entry.append(reinterpret_cast<const char*>(&score), 4);
    const bool byte = pieces[id].size() == 6 && pieces[id].rfind("<0x", 0) == 0;
    put_number(entry, 3, id == 0 ? 2 : id <= 2 ? 3 : byte ? 6 : 1);
    put_bytes(model, 1, entry);
  }
  std::string trainer;
  put_number(trainer, 3, 2);   // model_type BPE
  put_number(trainer, 35, 1);  // byte_fallback
  put_bytes(model, 2, trainer);
  std::string normalizer;
  put_bytes(normalizer, 1, "identity");
  put_number(normalizer, 3, 1);  // add_dummy_prefix
  put_number(normalizer, 4, 0);  // remove_extra_whitespaces
  put_number(normalizer, 5, 1);  // escape_whitespaces
  put_bytes(model, 3, normalizer);
  return model;
}

TEST(Tokenizer, SentencePieceModelMatchesTheConvertedTokenizerJson) {
  const std::string dir = test::temp_dir();
  test::write_file(dir + "/tokenizer.model", llama2_as_sentencepiece_model());
  const auto from_model = Tokenizer::from_folder(dir);
  const auto reference = test::read_reference("ids_llama2.json");
  const auto corpus = test::read_corpus();
  size_t same = 0;
  for (size_t i = 0; i < corpus.size(); ++i) {
    const auto ids = from_model->encode(corpus[i], true);
    if (ids == reference["cases"][i]["ids"].get<std::vector<int32_t>>()) {
      ++same;
    } else if (i - same < 3) {
      ADD_FAILURE() << "string " << i << " '" << corpus[i].substr(0, 100) << "' differs";
    }
  }
  std::printf("[ tokenizer ] tokenizer.model (Llama-2 vocabulary): %zu/%zu identical ids\n", same,
              corpus.size());
  EXPECT_EQ(same, corpus.size());
  EXPECT_EQ(from_model->bos_token_id(), std::nullopt);  // no tokenizer_config.json: no names
  EXPECT_EQ(from_model->decode(from_model->encode("Hello world", false), false), "Hello world");
  EXPECT_TRUE(from_model->is_special(1));

  test::write_file(dir + "/tokenizer.model", "\x0a\xff\xff\xff");
  EXPECT_ALMKIT_ERROR(Tokenizer::from_folder(dir), ErrorCode::kInvalidFormat,
                      "not a SentencePiece model");
  std::string unigram;
  std::string piece;
  put_bytes(piece, 1, "a");
  put_bytes(unigram, 1, piece);
  std::string trainer;
  put_number(trainer, 3, 1);
  put_bytes(unigram, 2, trainer);
  test::write_file(dir + "/tokenizer.model", unigram);
  EXPECT_ALMKIT_ERROR(Tokenizer::from_folder(dir), ErrorCode::kUnsupported, "Unigram");
}

TEST(Tokenizer, Qwen2SlowTokenizerFilesMatchTheTokenizerJson) {
  // Qwen3's vocabulary written the way slow-tokenizer checkpoints ship it (vocab.json +
  // merges.txt + tokenizer_config.json with tokenizer_class Qwen2Tokenizer): the folder must
  // tokenize exactly as its tokenizer.json does.
  const std::string source = test::tokenizer_dir("qwen3");
  const auto json = read_json_file(source + "/tokenizer.json");
  const std::string dir = test::temp_dir();
  test::write_file(dir + "/vocab.json", json["model"]["vocab"].dump());
  std::string merges = "#version: 0.2\n";
  for (const auto& merge : json["model"]["merges"]) {
    merges += merge[0].get<std::string>() + " " + merge[1].get<std::string>() + "\n";
  }
  test::write_file(dir + "/merges.txt", merges);
  test::write_file(dir + "/tokenizer_config.json",
                   test::read_file(source + "/tokenizer_config.json"));
  const auto slow = Tokenizer::from_folder(dir);
  const auto reference = test::read_reference("ids_qwen3.json");
  const auto corpus = test::read_corpus();
  size_t same = 0;
  for (size_t i = 0; i < corpus.size(); ++i) {
    same +=
        slow->encode(corpus[i], true) == reference["cases"][i]["ids"].get<std::vector<int32_t>>();
  }
  std::printf("[ tokenizer ] Qwen2Tokenizer vocab.json + merges.txt: %zu/%zu identical ids\n", same,
              corpus.size());
  EXPECT_EQ(same, corpus.size());
  EXPECT_TRUE(slow->is_special(*slow->token_to_id("<|im_start|>")));
  EXPECT_FALSE(slow->is_special(*slow->token_to_id("<think>")));
  EXPECT_EQ(slow->eos_token(), "<|im_end|>");
}

// A Whisper-like vocabulary: bytes, then Whisper's special tokens in their real order.
std::unique_ptr<Tokenizer> whisper_like() {
  json added = json::array();
  int id = 256;
  for (const char* token :
       {"<|endoftext|>", "<|startoftranscript|>", "<|en|>", "<|de|>", "<|yue|>", "<|translate|>",
        "<|transcribe|>", "<|startoflm|>", "<|startofprev|>", "<|nospeech|>", "<|notimestamps|>"}) {
    added.push_back(added_token(id++, token, true));
  }
  for (int step = 0; step <= 1500; ++step) {
    char stamp[32];
    std::snprintf(stamp, sizeof(stamp), "<|%.2f|>", step * 0.02);
    added.push_back(added_token(id++, stamp, false));
  }
  return Tokenizer::from_json(tiny_byte_level(json::array(), added).dump());
}

TEST(WhisperTokens, PromptLanguagesAndTimestamps) {
  const auto tokenizer = whisper_like();
  const WhisperTokens whisper(*tokenizer);
  EXPECT_EQ(whisper.start_of_transcript(), 257);
  EXPECT_EQ(whisper.prompt("de", "transcribe", false), (std::vector<int32_t>{257, 259, 262, 266}));
  EXPECT_EQ(whisper.prompt("", "translate", true), (std::vector<int32_t>{257, 261}));
  EXPECT_EQ(whisper.languages(), (std::vector<std::string>{"en", "de", "yue"}));
  EXPECT_FALSE(whisper.language("xx").has_value());
  EXPECT_ALMKIT_ERROR(whisper.prompt("xx", "transcribe", false), ErrorCode::kInvalidArgument,
                      "'xx'");
  EXPECT_EQ(whisper.no_speech(), 265);
  EXPECT_EQ(whisper.timestamp_begin(), 267);
  EXPECT_TRUE(whisper.is_timestamp(267 + 54));
  EXPECT_DOUBLE_EQ(whisper.timestamp_seconds(267 + 54), 1.08);
  std::vector<int32_t> ids = {257, 258, 262, 267};
  for (int32_t b : bytes_of(" Hi")) ids.push_back(b);
  ids.push_back(267 + 54);
  ids.push_back(256);
  EXPECT_EQ(whisper.decode_with_timestamps(ids), "<|0.00|> Hi<|1.08|>");
  EXPECT_EQ(tokenizer->decode(ids, true), "<|0.00|> Hi<|1.08|>");  // timestamps are not special
  const auto plain = Tokenizer::from_json(tiny_byte_level().dump());
  EXPECT_ALMKIT_ERROR(WhisperTokens{*plain}, ErrorCode::kNotFound, "<|startoftranscript|>");
}

}  // namespace
}  // namespace almkit
