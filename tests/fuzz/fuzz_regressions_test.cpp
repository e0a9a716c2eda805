// Inputs that crashed a libFuzzer harness (fuzz/, docs/reliability.md), kept in
// tests/data/fuzz_regressions/<harness>/: each must now be refused with the library's own error.
// scripts/fuzz.sh also replays them through the harnesses under ASan + UBSan.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "almkit/audio.h"
#include "almkit/bench.h"
#include "almkit/bench_scoring.h"
#include "almkit/chat_template.h"
#include "almkit/safetensors.h"
#include "almkit/tokenizer.h"
#include "io/chat_template/value.h"
#include "io/json_file.h"
#include "models/config.h"
#include "serve/api_error.h"
#include "serve/audio_parts.h"
#include "serve/requests.h"
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

// A tokenizer.json of two BPE tokens ("a" 0, "<s>" 1) and the top-level `fields` after them.
std::string two_token_tokenizer(const std::string& fields) {
  return R"({"model": {"type": "BPE", "vocab": {"a": 0, "<s>": 1}, "merges": []}, )" + fields + "}";
}

// TemplateProcessing that puts special token <s>, given `ids`, before the sequence.
std::string bos_post_processor(const std::string& ids) {
  return R"("post_processor": {"type": "TemplateProcessing", "single": [{"SpecialToken": )"
         R"({"id": "<s>"}}, {"Sequence": {"id": "A"}}], "special_tokens": {"<s>": {"ids": )" +
         ids + "}}}";
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

TEST(FuzzRegressions, ChatTemplateIntegersBeyond64BitsAreErrorsNotUndefinedBehaviour) {
  // UBSan: range() of the float 1e30 cast it to int64; -2**63 // -1 and -(-2**63) overflowed;
  // range() and slicing stepped past 2**63 - 1; sum overflowed; `divisibleby 0` was SIGFPE.
  auto render = [](const std::string& source) { return ChatTemplate(source).render_json("{}"); };
  EXPECT_ALMKIT_ERROR(render(regression("chat_template/float_1e30_as_integer")),
                      ErrorCode::kUnsupported, "float 1e+30 does not fit in a 64-bit integer");
  EXPECT_ALMKIT_ERROR(render(regression("chat_template/int64_min_floor_divided_by_minus_one")),
                      ErrorCode::kUnsupported, "integer overflow in -9223372036854775808 // -1");
  EXPECT_ALMKIT_ERROR(render(regression("chat_template/divisibleby_zero")),
                      ErrorCode::kInvalidArgument, "divisibleby 0: integer modulo by zero");
  EXPECT_ALMKIT_ERROR(render("{{ -(-9223372036854775807 - 1) }}"), ErrorCode::kUnsupported,
                      "integer overflow in -(-9223372036854775808)");
  EXPECT_ALMKIT_ERROR(render("{{ [9223372036854775807, 1] | sum }}"), ErrorCode::kUnsupported,
                      "integer overflow in sum: 9223372036854775807 + 1");
  EXPECT_ALMKIT_ERROR(render("{{ (-9223372036854775807 - 1) | abs }}"), ErrorCode::kUnsupported,
                      "integer overflow in abs(-9223372036854775808)");
  EXPECT_ALMKIT_ERROR(ChatTemplate("{{ x | int }}").render_json(R"({"x": 1e30})"),
                      ErrorCode::kUnsupported, "float 1e+30 does not fit in a 64-bit integer");
  // What still works: float arithmetic beyond int64, Python's results at the edges.
  EXPECT_EQ(render(regression("chat_template/range_steps_past_int64")), "[9223372036854775800]");
  EXPECT_EQ(render("{{ [1, 2, 3][2::9223372036854775807] }}"), "[3]");
  EXPECT_EQ(render("{{ range(10, 0, -3) | list }} {{ range(-3) | list }} {{ [1, 2, 3, 4][::-2] }}"),
            "[10, 7, 4, 1] [] [4, 2]");
  EXPECT_EQ(render("{{ 1" + std::string(30, '0') + ".0 + 1 }}"), "1e+30");
  EXPECT_EQ(render("{{ (-9223372036854775807 - 1) % -1 }} {{ 7 // -2 }} {{ -7 % 3 }}"), "0 -4 2");
  EXPECT_EQ(render("{{ 'nan' | float | int(5) }} {{ -2.7 | int }} {{ 6 is divisibleby(-1) }}"),
            "5 -2 True");
}

TEST(FuzzRegressions, ChatTemplateValuesNestedWithoutEndAreRefusedBeforeTheStackOverflows) {
  // Found by reading after fuzzing (ASan stack-overflow): `{% set x = [x] %}` 200,000 times built
  // a list that deep and freed it recursively; the same through bound methods ({'a': d.get});
  // a namespace holding itself printed without end; a 200,000-level context recursed in from_json.
  auto render = [](const std::string& source) { return ChatTemplate(source).render_json("{}"); };
  EXPECT_ALMKIT_ERROR(render(regression("chat_template/list_nested_in_a_loop")),
                      ErrorCode::kUnsupported,
                      "a list nested 257 levels deep, beyond the chat-template limit of 256");
  EXPECT_ALMKIT_ERROR(render("{% set d = {} %}{% for i in range(100000) %}"
                             "{% set d = {'a': d.get} %}{% endfor %}"),
                      ErrorCode::kUnsupported, "a dict nested 257 levels deep");
  EXPECT_ALMKIT_ERROR(render(regression("chat_template/namespace_holding_itself")),
                      ErrorCode::kUnsupported,
                      "cannot set attribute 'a' of namespace 'ns' to a value holding a namespace");
  EXPECT_ALMKIT_ERROR(render("{% set ns = namespace(a=1) %}{% set m = namespace(b=[ns]) %}"),
                      ErrorCode::kUnsupported, "a namespace cannot hold another");
  const std::string context = regression("chat_template/context_nested_300_levels");
  EXPECT_ALMKIT_ERROR(
      ChatTemplate(before_nul(context)).render_json(context.substr(context.find('\0') + 1)),
      ErrorCode::kUnsupported, "JSON nested deeper than the chat-template limit of 256 levels");
  // Refused while reading: 5 million '[' became a DOM of 5 million levels first (0.5 GB).
  auto nested_x = [](size_t arrays) {
    return R"({"x": )" + std::string(arrays, '[') + std::string(arrays, ']') + "}";
  };
  const ChatTemplate length_of_x("{{ x | length }}");
  EXPECT_ALMKIT_ERROR(length_of_x.render_json(nested_x(5000000)), ErrorCode::kUnsupported,
                      "chat context: JSON nested deeper than the chat-template limit of 256");
  EXPECT_ALMKIT_ERROR(length_of_x.render_json(nested_x(256)), ErrorCode::kUnsupported,
                      "JSON nested deeper than the chat-template limit of 256 levels");
  EXPECT_EQ(length_of_x.render_json(nested_x(255)), "1");  // with the context object: 256 levels
  // 250 levels are fine, in a namespace too.
  EXPECT_EQ(
      render("{% set ns = namespace(x=[]) %}{% for i in range(250) %}{% set ns.x = [ns.x] %}"
             "{% endfor %}{{ ns.x | tojson | length }} {{ ns.x == ns.x }} {{ [ns] | length }}"),
      "502 True 1");
}

TEST(FuzzRegressions, ChatTemplateIndentWithNegativeWidthPadsNothing) {
  // Was std::length_error from std::string(size_t(-1), ' '); Python's ' ' * -1 is ''.
  EXPECT_EQ(ChatTemplate(regression("chat_template/indent_negative_width")).render_json("{}"), "a");
  EXPECT_EQ(ChatTemplate("{{ 'a\nb' | indent(-3, true) }}").render_json("{}"), "a\nb");
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

TEST(FuzzRegressions, ChatContextIntegersBeyond64BitsAreRefusedNotWrapped) {
  // Left open by the last session: 18446744073709551615 in a context rendered as -1 (nlohmann
  // keeps 2**63..2**64-1 unsigned, from_json cast it to int64); longer integers became rounded
  // floats. Python's ints have no bound, almkit's template integers are int64: refused by field.
  const std::string input = regression("chat_template/context_integer_beyond_int64");
  const ChatTemplate print_x(before_nul(input));
  EXPECT_ALMKIT_ERROR(print_x.render_json(input.substr(input.find('\0') + 1)),
                      ErrorCode::kUnsupported,
                      "chat context field 'messages[0].id': integer 18446744073709551615 does not "
                      "fit in 64 bits");
  EXPECT_ALMKIT_ERROR(print_x.render_json(R"({"x": 9223372036854775808})"), ErrorCode::kUnsupported,
                      "chat context field 'x': integer 9223372036854775808 does not fit");
  EXPECT_ALMKIT_ERROR(print_x.render_json(R"({"x": -9223372036854775809})"),
                      ErrorCode::kUnsupported, "field 'x': integer -9223372036854775809 does not");
  EXPECT_ALMKIT_ERROR(print_x.render_json(R"({"a": [[1, 2], {"b": [3, 123456789012345678901]}]})"),
                      ErrorCode::kUnsupported,
                      "field 'a[1].b[1]': integer 123456789012345678901 does not fit");
  EXPECT_ALMKIT_ERROR(
      print_x.render_messages(R"([{"role": "user", "n": [18446744073709551616]}])", false),
      ErrorCode::kUnsupported, "messages field '[0].n[0]': integer");
  EXPECT_ALMKIT_ERROR(print_x.render_messages("[]", false, R"({"x": 10000000000000000000})"),
                      ErrorCode::kUnsupported, "extra context field 'x': integer");
  EXPECT_ALMKIT_ERROR(jinja::Value::from_json(nlohmann::ordered_json(uint64_t(1) << 63)),
                      ErrorCode::kUnsupported,
                      "integer 9223372036854775808 does not fit in 64 bits");
  // The int64 edges stay exact integers; numbers written as floats stay floats.
  EXPECT_EQ(print_x.render_json(R"({"x": 9223372036854775807})"), "9223372036854775807");
  EXPECT_EQ(
      ChatTemplate("{{ x is integer }} {{ x }}").render_json(R"({"x": -9223372036854775808})"),
      "True -9223372036854775808");
  EXPECT_EQ(ChatTemplate("{{ x is integer }} {{ x }} {{ y }}")
                .render_json(R"({"x": 1e19, "y": 18446744073709551616.0})"),
            "False 1e+19 1.8446744073709552e+19");
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

TEST(FuzzRegressions, IntegerFieldBeyondItsTypeIsAFormatErrorNotAWrap) {
  // Found by reading next to the config harness: nlohmann casts 2**64 - 1 (kept unsigned) to
  // int64 as -1 and 2**32 + 1 to int as 1; nested id lists skipped the float check.
  const ModelConfig config(
      parse_json_text(regression("config/integer_field_beyond_int64"), "'config.json'"),
      "'config.json'");
  EXPECT_ALMKIT_ERROR(config.integer("vocab_size", 0), ErrorCode::kInvalidFormat,
                      "'config.json': field 'vocab_size' should be an integer, got "
                      "18446744073709551615 (the range is -9223372036854775808 to "
                      "9223372036854775807)");
  EXPECT_ALMKIT_ERROR(config.ids("eos_token_id"), ErrorCode::kInvalidFormat,
                      "field 'eos_token_id' should be an integer, got 18446744073709551615");
  EXPECT_ALMKIT_ERROR(config.ids("bos_token_id"), ErrorCode::kInvalidFormat,
                      "field 'bos_token_id' should be an integer, got 9223372036854775808");
  const nlohmann::json fields = {{"start", 4294967297LL},
                                 {"kernels", {{3, 3}, {1e300, 1}}},
                                 {"negative", -1},
                                 {"largest", 9223372036854775807LL}};
  EXPECT_ALMKIT_ERROR(json_value_or<int>(fields, "start", 0, "x"), ErrorCode::kInvalidFormat,
                      "field 'start' should be an integer, got 4294967297 (the range is "
                      "-2147483648 to 2147483647)");
  EXPECT_ALMKIT_ERROR(
      (json_value_or<std::vector<std::vector<int64_t>>>(fields, "kernels", {}, "x")),
      ErrorCode::kInvalidFormat, "field 'kernels' should be an integer, got 1e+300");
  EXPECT_ALMKIT_ERROR(json_value_or<uint32_t>(fields, "negative", 0, "x"),
                      ErrorCode::kInvalidFormat, "got -1 (the range is 0 to 4294967295)");
  EXPECT_EQ(json_value_or<int>(fields, "negative", 0, "x"), -1);
  EXPECT_EQ(json_value_or<int64_t>(fields, "largest", 0, "x"), INT64_MAX);
  EXPECT_EQ(ModelConfig(nlohmann::json{{"eos_token_id", 151643}}, "x").ids("eos_token_id"),
            (std::vector<int64_t>{151643}));
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

TEST(FuzzRegressions, TokenizerPostProcessorIdOutsideTheVocabularyIsAFormatError) {
  // TemplateProcessing's "ids": [901] with 4 tokens: encode() returned id 901 (the harness's
  // out-of-vocabulary trap; a model would index its embedding table out of range).
  const std::string json = before_nul(regression("tokenizer/post_processor_id_outside_vocab"));
  EXPECT_ALMKIT_ERROR(Tokenizer::from_json(json), ErrorCode::kInvalidFormat,
                      "post_processor gives special token '<s>' the id 901, which is not in the "
                      "vocabulary");
  for (const char* ids : {"[-1]", "[1e300]", "[2]", "7"}) {
    SCOPED_TRACE(ids);
    EXPECT_ALMKIT_ERROR(Tokenizer::from_json(two_token_tokenizer(bos_post_processor(ids))),
                        ErrorCode::kInvalidFormat, "special token '<s>'");
  }
  const auto tokenizer = Tokenizer::from_json(two_token_tokenizer(bos_post_processor("[1]")));
  EXPECT_EQ(tokenizer->encode("a", true), (std::vector<int32_t>{1, 0}));
}

TEST(FuzzRegressions, TokenizerAddedTokenIdOutOfRangeIsAFormatError) {
  // An added token with id 2^31 - 1 overflowed vocab_size() (UBSan); a negative id was ignored.
  const std::string json = before_nul(regression("tokenizer/added_token_id_int32_max"));
  EXPECT_ALMKIT_ERROR(Tokenizer::from_json(json), ErrorCode::kInvalidFormat,
                      "added token '<x>' has id 2147483647, outside [0, 16777216)");
  EXPECT_ALMKIT_ERROR(Tokenizer::from_json(
                          two_token_tokenizer(R"("added_tokens": [{"id": -5, "content": "<x>"}])")),
                      ErrorCode::kInvalidFormat, "added token '<x>' has id -5");
}

TEST(FuzzRegressions, TokenizerMetaspaceWithEmptyReplacementIsAFormatError) {
  // An empty replacement matched at every offset without advancing: encode() grew a list until
  // the process ran out of memory.
  const std::string json = before_nul(regression("tokenizer/metaspace_empty_replacement"));
  EXPECT_ALMKIT_ERROR(Tokenizer::from_json(json), ErrorCode::kInvalidFormat,
                      "Metaspace replacement '' is not a single character");
  EXPECT_ALMKIT_ERROR(
      Tokenizer::from_json(
          two_token_tokenizer(R"("decoder": {"type": "Metaspace", "replacement": "ab"})")),
      ErrorCode::kInvalidFormat, "Metaspace replacement 'ab' is not a single character");
}

TEST(FuzzRegressions, TokenizerReplaceStepsThatDoubleTheTextStopAt1MiB) {
  // Thirty Replace steps of ' ' -> '  ' (normalizer) or 'a' -> 'aa' (decoder): 2^30 times the
  // text, out of memory in encode() and a timeout in decode().
  const std::string normalizers = regression("tokenizer/replace_steps_doubling_the_text");
  const auto doubling = Tokenizer::from_json(before_nul(normalizers));
  EXPECT_ALMKIT_ERROR(
      doubling->encode(normalizers.substr(normalizers.find('\0') + 1), false),
      ErrorCode::kUnsupported,
      "tokenizer: Replace ' ' -> '  ' would make a text of more than 1048576 bytes");
  EXPECT_EQ(doubling->encode("ab", false), (std::vector<int32_t>{2}));  // no space: no growth
  // Growth up to 16 times the text is fine: three doublings of 100,000 spaces.
  const auto three = Tokenizer::from_json(
      R"({"model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2, " ": 3}, "merges": ["a b"]},)"
      R"( "normalizer": {"type": "Sequence", "normalizers": [)"
      R"({"type": "Replace", "pattern": {"String": " "}, "content": "  "},)"
      R"( {"type": "Replace", "pattern": {"String": " "}, "content": "  "},)"
      R"( {"type": "Replace", "pattern": {"String": " "}, "content": "  "}]}})");
  std::vector<int32_t> expected(800000, 3);
  expected.push_back(2);
  EXPECT_EQ(three->encode(std::string(100000, ' ') + "ab", false), expected);
  const auto decoders =
      Tokenizer::from_json(before_nul(regression("tokenizer/replace_decoders_doubling_the_text")));
  EXPECT_ALMKIT_ERROR(decoders->decode({0, 1}, false), ErrorCode::kUnsupported,
                      "Replace 'a' -> 'aa' would make a text of more than 1048576 bytes");
}

TEST(FuzzRegressions, TokenizerStripDecoderCountOf1e300IsAFormatError) {
  // UBSan: nlohmann cast the float 1e300 to int.
  const std::string json = before_nul(regression("tokenizer/strip_decoder_start_1e300"));
  EXPECT_ALMKIT_ERROR(Tokenizer::from_json(json), ErrorCode::kInvalidFormat,
                      "field 'start' should be an integer, got 1e+300");
}

TEST(FuzzRegressions, TokenizerConfigAddedTokenKeyThatIsNotAnIdIsAFormatError) {
  // Found by reading next to the fuzzed readers: std::stoll threw std::invalid_argument.
  const std::string dir = test::temp_dir();
  test::write_file(dir + "/vocab.json", R"({"a": 0, "b": 1})");
  test::write_file(dir + "/merges.txt", "#version: 0.2\n");
  test::write_file(dir + "/tokenizer_config.json",
                   R"({"added_tokens_decoder": {"2x": {"content": "<x>"}}})");
  EXPECT_ALMKIT_ERROR(Tokenizer::from_folder(dir), ErrorCode::kInvalidFormat,
                      "tokenizer_config.json's added_tokens_decoder key '2x' is not a token id");
  test::write_file(dir + "/tokenizer_config.json",
                   R"({"added_tokens_decoder": {"2": {"content": "<x>"}}})");
  EXPECT_EQ(Tokenizer::from_folder(dir)->encode("<x>", false), (std::vector<int32_t>{2}));
}

TEST(FuzzRegressions, SafetensorsShapeWhoseByteCountWrapsIsAFormatError) {
  // [2^62] F32 is 2^64 bytes, 0 after wrapping: the tensor was accepted over an empty span and
  // to_float() asked for 2^62 floats (std::length_error).
  const std::string path =
      test::test_data_dir() + "/fuzz_regressions/safetensors/shape_bytes_beyond_64_bits";
  EXPECT_ALMKIT_ERROR((void)SafetensorsFile::open(path), ErrorCode::kInvalidFormat,
                      "tensor 't': shape has 4611686018427387904 elements, more bytes than 64 "
                      "bits count");
}

TEST(FuzzRegressions, SafetensorsIndexNamingFilesOutsideTheFolderIsAFormatError) {
  // Left open by the last session: weight_map entries such as '../x.safetensors' or an absolute
  // path were opened, reading any safetensors file on the machine. The hub writes plain names.
  const std::string dir = test::temp_dir();
  const std::string checkpoint = dir + "/checkpoint";
  ASSERT_EQ(std::system(("mkdir -p '" + checkpoint + "/sub'").c_str()), 0);
  SafetensorsWriter writer;
  writer.add_f32("model.layers.0.weight", {1}, {1.f});
  for (const std::string& path :
       {dir + "/model-00001-of-00002.safetensors", checkpoint + "/model-00001-of-00002.safetensors",
        checkpoint + "/sub/model-00001-of-00002.safetensors"}) {
    writer.write(path);
  }
  const std::string index = checkpoint + "/model.safetensors.index.json";
  test::write_file(index, regression("safetensors_index/shard_outside_the_folder"));
  EXPECT_ALMKIT_ERROR(
      (void)SafetensorsCheckpoint::open_folder(checkpoint), ErrorCode::kInvalidFormat,
      "'" + index +
          "': weight_map['model.layers.0.weight'] is "
          "\"../model-00001-of-00002.safetensors\", not a file name inside the folder");
  auto index_naming = [](const std::string& shard) {
    return R"({"weight_map": {"model.layers.0.weight": )" + nlohmann::json(shard).dump() + "}}";
  };
  for (const std::string& shard :
       {dir + "/model-00001-of-00002.safetensors",
        std::string("sub/model-00001-of-00002.safetensors"), std::string(".."), std::string("."),
        std::string(""), std::string("model-00001-of-00002.safetensors") + '\0' + "/../../x"}) {
    SCOPED_TRACE(shard);
    test::write_file(index, index_naming(shard));
    EXPECT_ALMKIT_ERROR((void)SafetensorsCheckpoint::open_folder(checkpoint),
                        ErrorCode::kInvalidFormat, "not a file name inside the folder");
  }
  // A plain name loads, also when it is a symlink (hub cache snapshots link into ../../blobs/).
  test::write_file(index, index_naming("model-00001-of-00002.safetensors"));
  EXPECT_EQ(SafetensorsCheckpoint::open_folder(checkpoint).names().size(), 1u);
  ASSERT_EQ(std::system(("ln -s ../model-00001-of-00002.safetensors '" + checkpoint +
                         "/linked.safetensors'")
                            .c_str()),
            0);
  test::write_file(index, index_naming("linked.safetensors"));
  EXPECT_EQ(SafetensorsCheckpoint::open_folder(checkpoint).tensor("model.layers.0.weight").shape,
            std::vector<int64_t>{1});
}

TEST(FuzzRegressions, JsonlContentPartWithNonStringTypeIsAFormatError) {
  // Was nlohmann's type_error 302 from part.value("type", "") escaping load_jsonl.
  const std::string dir = test::temp_dir();
  test::write_file(dir + "/records.jsonl",
                   regression("bench_datasets/jsonl_part_type_not_string").substr(1));
  EXPECT_ALMKIT_ERROR(bench::load_jsonl(dir + "/records.jsonl", {}), ErrorCode::kInvalidFormat,
                      "records.jsonl:1: field 'messages': turn 0: a part should be");
}

TEST(FuzzRegressions, ChatRequestResponseFormatTypeNotAStringIsA400) {
  // Was nlohmann's type_error 302 from format->value("type", "text"): a 500, not a 400.
  const std::string input = regression("serve_requests/response_format_type_not_string");
  serve::ModelInfo model;
  model.served_name = "almkit-test";
  try {
    (void)serve::parse_chat_request(input.substr(1), model);
    ADD_FAILURE() << "expected an ApiError";
  } catch (const serve::ApiError& error) {
    EXPECT_EQ(error.status(), 400);
    EXPECT_EQ(error.param(), "response_format.type");
    EXPECT_STREQ(error.what(), "response_format.type must be a string");
  }
}

TEST(FuzzRegressions, AudioHeaderClaimingBillionsOfFramesIsRefusedWithoutReservingThem) {
  // A 352-byte FLAC declaring 14,753,887,351 frames made decode reserve 59 GB up front.
  const std::string input = regression("audio/header_claims_2e10_frames");
  EXPECT_ALMKIT_ERROR(load_audio_from_memory(input.data() + 1, input.size() - 1),
                      ErrorCode::kInvalidFormat, "declares 14753887351 frames but only 0");
}

TEST(FuzzRegressions, AudioAt1HzIsNotUpsampledTo16kHz) {
  // Found by reading after fuzzing: a 3 kB WAV whose header says 1 Hz took 242 s (ASan build) to
  // become 48 million samples at 16 kHz; a 1 MB upload to `almkit serve` would take hours.
  const std::string input = regression("audio/wav_at_1_hz");
  AudioLoadOptions options;
  options.target_sample_rate = 16000;
  EXPECT_ALMKIT_ERROR(load_audio_from_memory(input.data() + 1, input.size() - 1, options),
                      ErrorCode::kUnsupported,
                      "cannot resample from 1 Hz to 16000 Hz: upsampling by more than 64x");
  const std::string upload = regression("serve_requests/upload_at_1_hz");
  try {
    (void)serve::decode_audio_bytes(std::vector<uint8_t>(upload.begin() + 1, upload.end()), "wav",
                                    serve::AudioLimits{}, "file");
    ADD_FAILURE() << "expected an ApiError";
  } catch (const serve::ApiError& error) {
    EXPECT_EQ(error.status(), 400);
    EXPECT_NE(std::string(error.what()).find("cannot resample from 1 Hz"), std::string::npos)
        << error.what();
  }
  // 64x is still fine: 3,000 frames at 250 Hz are 12 s at 16 kHz.
  std::string at_250_hz = input.substr(1);
  for (int byte : {24, 28}) {  // sample rate and byte rate (8-bit mono)
    at_250_hz[byte] = static_cast<char>(250);
    at_250_hz[byte + 1] = 0;
  }
  EXPECT_NEAR(static_cast<double>(
                  load_audio_from_memory(at_250_hz.data(), at_250_hz.size(), options).num_frames()),
              192000.0, 2.0);
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
