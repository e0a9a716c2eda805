// Inputs that crashed a libFuzzer harness (fuzz/, docs/reliability.md), kept in
// tests/data/fuzz_regressions/<harness>/: each must now be refused with the library's own error.
// scripts/fuzz.sh also replays them through the harnesses under ASan + UBSan.
#include <string>
#include <vector>

#include "almkit/audio.h"
#include "almkit/bench.h"
#include "almkit/bench_scoring.h"
#include "almkit/chat_template.h"
#include "almkit/tokenizer.h"
#include "io/json_file.h"
#include "serve/api_error.h"
#include "serve/audio_parts.h"
#include "test_support.h"

namespace almkit {
namespace {

std::string regression(const std::string& name) {
  return test::read_file(test::test_data_dir() + "/fuzz_regressions/" + name);
}

// The harnesses' layout: text before the first NUL byte (the rest is the second input).
std::string before_nul(const std::string& input) {
  return input.substr(0, input.find('\0'));
}

TEST(FuzzRegressions, ChatTemplateEscapeWithoutHexDigitsIsAFormatError) {
  // Was std::invalid_argument from std::stoul on "\unt.v".
  const std::string source = before_nul(regression("chat_template/hex_escape_not_hex"));
  EXPECT_ALMKIT_ERROR(ChatTemplate{source}, ErrorCode::kInvalidFormat,
                      "needs 4 hex digits, got 'nt.v'");
  EXPECT_ALMKIT_ERROR(ChatTemplate{"{{ '\\U00110000' }}"}, ErrorCode::kInvalidFormat,
                      "not a Unicode scalar value");
  EXPECT_EQ(ChatTemplate("{{ '\\x41\\u00e9' }}").render_json("{}"), "A\xC3\xA9");
}

TEST(FuzzRegressions, ChatTemplateNumbersBeyond64BitsAreHandled) {
  // Was std::out_of_range from std::stoll.
  EXPECT_ALMKIT_ERROR(ChatTemplate{"{{ 99999999999999999999 }}"}, ErrorCode::kUnsupported,
                      "integer 99999999999999999999 does not fit in 64 bits");
  // A float literal beyond double is inf, as in Python (was std::out_of_range from std::stod).
  EXPECT_EQ(ChatTemplate("{{ 1" + std::string(400, '0') + ".0 > 1 }}").render_json("{}"), "True");
}

TEST(FuzzRegressions, ChatTemplateRecursionIsRefusedBeforeTheStackOverflows) {
  // Found by hand after fuzzing: a macro calling itself, or 100,000 nested parentheses, overflowed
  // the stack (ASan stack-overflow in Evaluator::eval / the parser).
  const ChatTemplate recursive(regression("chat_template/recursive_macro"));
  EXPECT_ALMKIT_ERROR(recursive.render_json("{}"), ErrorCode::kUnsupported,
                      "evaluation nested deeper than 256");
  EXPECT_ALMKIT_ERROR(ChatTemplate{regression("chat_template/deep_parentheses")},
                      ErrorCode::kUnsupported, "expressions nested deeper than 200");
  EXPECT_EQ(ChatTemplate("{{ " + std::string(150, '(') + "1" + std::string(150, ')') + " }}")
                .render_json("{}"),
            "1");
}

TEST(FuzzRegressions, JsonNumberBeyondDoubleIsAFormatError) {
  // Was nlohmann's out_of_range 406 escaping parse_json_text (config.json, every JSON file).
  EXPECT_ALMKIT_ERROR(parse_json_text(regression("config/number_beyond_double"), "'config.json'"),
                      ErrorCode::kInvalidFormat, "'config.json' is not valid JSON");
}

TEST(FuzzRegressions, NumbersBeyondDoubleInBenchmarkFilesAndChatContextsAreErrors) {
  // nlohmann's out_of_range 406 escaped the ISA-Bench result reader, the JSONL record reader and
  // the chat-template context parser, which caught only parse_error.
  const std::string dir = test::temp_dir();
  const std::string isa = regression("bench_datasets/isa_results_number_beyond_double");
  test::write_file(dir + "/results.json", isa.substr(1));
  EXPECT_ALMKIT_ERROR(bench::isa_metric_json(dir + "/results.json", bench::IsaDimension::kD, "asr"),
                      ErrorCode::kInvalidFormat, "malformed JSON");
  const std::string jsonl = regression("bench_datasets/jsonl_number_beyond_double");
  test::write_file(dir + "/records.jsonl", jsonl.substr(1));
  EXPECT_ALMKIT_ERROR(bench::load_jsonl(dir + "/records.jsonl", {}), ErrorCode::kInvalidFormat,
                      "records.jsonl:1: malformed JSON");
  const std::string chat = regression("chat_template/context_number_beyond_double");
  EXPECT_ALMKIT_ERROR(ChatTemplate(before_nul(chat)).render_json(chat.substr(chat.find('\0') + 1)),
                      ErrorCode::kInvalidArgument, "is not valid JSON");
}

TEST(FuzzRegressions, IntegerFieldHoldingAHugeFloatIsAFormatError) {
  // Was undefined behaviour (UBSan: 1e+300 outside the range of 'long') in nlohmann's cast.
  const nlohmann::json config =
      parse_json_text(regression("config/integer_field_1e300"), "'config.json'");
  EXPECT_ALMKIT_ERROR(json_value_or<int64_t>(config, "vocab_size", 0, "'config.json'"),
                      ErrorCode::kInvalidFormat,
                      "field 'vocab_size' should be an integer, got 1e+300");
  EXPECT_ALMKIT_ERROR(
      (json_value_or<std::vector<int64_t>>(config, "eos_token_id", {}, "'config.json'")),
      ErrorCode::kInvalidFormat, "field 'eos_token_id' should be an integer");
  EXPECT_EQ(json_value_or<int64_t>(nlohmann::json{{"n", 4096.0}}, "n", 0, "x"), 4096);
}

TEST(FuzzRegressions, TokenizerJsonFieldOfWrongTypeIsAFormatError) {
  // Was nlohmann's type_error 302 ("type must be string, but is boolean") escaping from_json.
  const std::string json = before_nul(regression("tokenizer/field_of_wrong_type"));
  EXPECT_ALMKIT_ERROR(Tokenizer::from_json(json), ErrorCode::kInvalidFormat,
                      "has a field of the wrong type or value");
}

TEST(FuzzRegressions, TokenizerVocabIdInTheBillionsIsAFormatError) {
  // A BPE vocabulary entry with an id near 2^31 made the id table ask for 63 GB.
  const std::string json = before_nul(regression("tokenizer/huge_vocab_id"));
  EXPECT_ALMKIT_ERROR(Tokenizer::from_json(json), ErrorCode::kInvalidFormat, "beyond the limit of 16777216 ids");
}

TEST(FuzzRegressions, AudioHeaderClaimingBillionsOfFramesIsRefusedWithoutReservingThem) {
  // A 352-byte FLAC declaring 14,753,887,351 frames made decode reserve 59 GB up front.
  const std::string input = regression("audio/header_claims_2e10_frames");
  EXPECT_ALMKIT_ERROR(load_audio_from_memory(input.data() + 1, input.size() - 1),
                      ErrorCode::kInvalidFormat, "declares 14753887351 frames but only 0");
}

TEST(FuzzRegressions, MalformedVorbisHeaderIsAFormatError) {
  // libsndfile leaks libvorbis' setup on this input (fuzz/lsan.supp); almkit refuses it cleanly.
  const std::string input = regression("audio/vorbis_header_leak");
  EXPECT_ALMKIT_ERROR(load_audio_from_memory(input.data() + 1, input.size() - 1),
                      ErrorCode::kInvalidFormat, "malformed");
}

TEST(FuzzRegressions, UploadClaimingHugeFrameCountIsA400) {
  const std::string input = regression("serve_requests/upload_claims_huge_frame_count");
  const std::vector<uint8_t> bytes(input.begin() + 1, input.end());
  try {
    (void)serve::decode_audio_bytes(bytes, "wav", serve::AudioLimits{}, "file");
    ADD_FAILURE() << "expected an ApiError";
  } catch (const serve::ApiError& error) {
    EXPECT_EQ(error.status(), 400);
    EXPECT_EQ(error.param(), "file");
    EXPECT_NE(std::string(error.what()).find("declares 1844707328 frames"), std::string::npos)
        << error.what();
  }
}

}  // namespace
}  // namespace almkit
