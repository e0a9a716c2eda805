// jieba.cut parity: tests/data/bench/jieba_reference.json holds texts and the words Debian's
// python3-jieba 0.42.1 gives for them (tests/data/bench/make_jieba_reference.py). The segmenter
// reads the installed python3-jieba's dictionary and HMM tables, as ISA-Bench's scorer does.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "bench/jieba/python_literal.h"
#include "bench/jieba/segmenter.h"
#include "bench_test_util.h"

namespace almkit::bench::jieba {
namespace {

std::string joined(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& word : words) out += (out.empty() ? "" : "/") + word;
  return out;
}

TEST(JiebaSegmenter, MatchesPythonJiebaOnReferenceTexts) {
  const auto reference =
      nlohmann::json::parse(test::read_file(test::test_data_dir() + "/bench/jieba_reference.json"));
  ASSERT_EQ(reference["jieba_version"], "0.42.1");
  const Segmenter& segmenter = default_segmenter();
  size_t cases = 0, characters = 0;
  for (const auto& item : reference["cases"]) {
    const std::string text = item["text"];
    EXPECT_EQ(segmenter.cut(text), item["words"].get<std::vector<std::string>>()) << text;
    ++cases;
    characters += text.size();
  }
  EXPECT_EQ(cases, 446u);         // 46 hand-picked texts, 400 seeded random ones
  EXPECT_GT(characters, 15000u);  // bytes of UTF-8
}

TEST(JiebaSegmenter, HandCheckedWords) {
  const Segmenter& segmenter = default_segmenter();
  EXPECT_EQ(segmenter.cut(""), std::vector<std::string>{});
  // Dictionary words; 杭研 is not in dict.txt, the HMM joins it (B E).
  EXPECT_EQ(joined(segmenter.cut("他来到了网易杭研大厦")), "他/来到/了/网易/杭研/大厦");
  // ASCII letters, digits and +#&._%- stay in the block; the rest is one word per character,
  // except "\r\n" which is one word.
  EXPECT_EQ(joined(segmenter.cut("C++ 3.5%\r\n好")), "C++/ /3.5%/\r\n/好");
  // Full-width letters are outside re_han: one word each.
  EXPECT_EQ(joined(segmenter.cut("ＡＢ中国")), "Ａ/Ｂ/中国");
  // A character past U+9FD5 breaks the block.
  EXPECT_EQ(joined(segmenter.cut("中国\u9FD6人")), "中国/\u9FD6/人");
  // Words join back to the text, invalid UTF-8 bytes included.
  std::string joined_back;
  for (const auto& word : segmenter.cut("a\xff中")) joined_back += word;
  EXPECT_EQ(joined_back, "a\xff中");
  // As jieba's gen_pfdict builds FREQ from Debian's dict.txt: words and their prefixes.
  EXPECT_EQ(segmenter.dictionary_entries(), 498113u);
  EXPECT_EQ(segmenter.total_frequency(), 60101967);
}

// A tiny jieba folder written by the test: the route, the buffering and the HMM worked out by hand.
std::string write_tiny_jieba(const std::string& dict) {
  const std::string dir = test::temp_dir();
  test::write_file(dir + "/dict.txt", dict);
  std::filesystem::create_directories(dir + "/finalseg");
  test::write_file(dir + "/finalseg/prob_start.py",
                   "from __future__ import unicode_literals\nP={'B': -0.5, 'E': -3.14e+100,\n"
                   " 'M': -3.14e+100, 'S': -1.0}  # comment\n");
  test::write_file(dir + "/finalseg/prob_trans.py",
                   "P={'B': {'E': -0.5, 'M': -1.0},\n 'E': {'B': -0.6, 'S': -0.8},\n"
                   " 'M': {'E': -0.3, 'M': -1.3},\n 'S': {'B': -0.7, 'S': -0.7}}\n");
  test::write_file(dir + "/finalseg/prob_emit.py",
                   "P={'B': {'\\u4e00': -1.0, '乙': -5.0},\n 'E': {'\\u4e8c': -1.0},\n"
                   " 'M': {},\n 'S': {'乙': -1.0, '\\u4e8c': -6.0,}}\n");
  return dir;
}

TEST(JiebaSegmenter, RouteAndHmmOnATinyModel) {
  // Worked out by hand (and checked with jieba's own Tokenizer and finalseg.viterbi on these
  // tables). total = 10. 甲 has frequency 0: a prefix, not a word, so from 甲 the DAG offers 甲乙
  // only; the last 乙 is a buffered single character, yielded alone.
  const Segmenter tiny(write_tiny_jieba("甲乙 4\n甲 0\n丙 3 n\n丁 3\n"));
  EXPECT_EQ(tiny.total_frequency(), 10);
  EXPECT_EQ(joined(tiny.cut("甲乙乙")), "甲乙/乙");
  // 一二 is no word either: HMM. B E scores -0.5-1 -0.5-1 = -3; S S loses by MIN_FLOAT.
  EXPECT_EQ(joined(tiny.cut("一二")), "一二");
  // 乙二: S S = -1-1 -0.7-6 = -8.7 against B E = -0.5-5 -0.5-1 = -7: one word.
  EXPECT_EQ(joined(tiny.cut("乙二")), "乙二");
  // Characters no state emits: B and S both start at MIN_FLOAT (-0.5 and -1 vanish next to
  // 3.14e100), and every later choice is a tie. Python's max over (probability, state) tuples
  // picks the later letter: S over E at the end, S over E and M over B on the way. B M E would
  // be one word.
  EXPECT_EQ(joined(tiny.cut("戊己")), "戊/己");
  EXPECT_EQ(joined(tiny.cut("戊己庚")), "戊/己/庚");
}

TEST(JiebaSegmenter, MissingOrMalformedDataIsNamed) {
  EXPECT_ALMKIT_ERROR(Segmenter("/nonexistent/jieba"), ErrorCode::kFileNotFound,
                      "/nonexistent/jieba/dict.txt");
  EXPECT_ALMKIT_ERROR(Segmenter("/nonexistent/jieba"), ErrorCode::kFileNotFound,
                      "apt install python3-jieba");
  EXPECT_ALMKIT_ERROR(Segmenter(write_tiny_jieba("甲 3\n乙\n")), ErrorCode::kInvalidFormat,
                      "dict.txt: line 2: no frequency in '乙'");
  EXPECT_ALMKIT_ERROR(Segmenter(write_tiny_jieba("甲 3\n\n乙 2\n")), ErrorCode::kInvalidFormat,
                      "line 2");
  EXPECT_ALMKIT_ERROR(Segmenter(write_tiny_jieba("甲 x3\n")), ErrorCode::kInvalidFormat,
                      "line 1: a frequency that is not an integer");
  EXPECT_ALMKIT_ERROR(Segmenter(write_tiny_jieba("甲 3\n\xff 1\n")), ErrorCode::kInvalidFormat,
                      "line 2: bytes that are not UTF-8");
  EXPECT_ALMKIT_ERROR(Segmenter(write_tiny_jieba("")), ErrorCode::kInvalidFormat,
                      "no word with a positive frequency");
  // The HMM tables: a missing file, a missing state, a broken literal.
  std::string dir = write_tiny_jieba("甲 3\n");
  std::filesystem::remove(dir + "/finalseg/prob_trans.py");
  EXPECT_ALMKIT_ERROR(Segmenter{dir}, ErrorCode::kFileNotFound, "finalseg/prob_trans.py");
  dir = write_tiny_jieba("甲 3\n");
  test::write_file(dir + "/finalseg/prob_start.py", "P={'B': -0.5, 'E': -1, 'M': -1}\n");
  EXPECT_ALMKIT_ERROR(Segmenter{dir}, ErrorCode::kInvalidFormat,
                      "prob_start.py: no entry for state 'S'");
  test::write_file(dir + "/finalseg/prob_start.py", "P={'B': -0.5,\n 'E': -1 'M': -1}\n");
  EXPECT_ALMKIT_ERROR(Segmenter{dir}, ErrorCode::kInvalidFormat,
                      "prob_start.py: line 2: expected ',' or '}' in a dict");
}

TEST(PythonLiteral, DictsStringsAndNumbers) {
  const auto value = parse_python_assignment(
      "# generated\nfrom __future__ import unicode_literals\n\nP = {'a\\u4e00\\x41\\101\\n': "
      "-1.5e-3, \"b\\\\\": {'c': 7, u'd': .5, r'\\q': True,},\n 'a\\u4e00AA\\n': None}\n",
      "P", "x.py");
  EXPECT_EQ(value.size(), 2u);
  EXPECT_EQ(value["a一AA\n"], nullptr);  // the later duplicate key wins
  EXPECT_EQ(value["b\\"]["c"], 7);
  EXPECT_EQ(value["b\\"]["d"], 0.5);
  EXPECT_EQ(value["b\\"]["\\q"], true);
  EXPECT_EQ(parse_python_assignment("P={'x': - 3.14e+100}", "P", "x.py")["x"], -3.14e100);
  EXPECT_ALMKIT_ERROR(parse_python_assignment("Q={}", "P", "x.py"), ErrorCode::kInvalidFormat,
                      "x.py: line 1: expected 'P = {...}', found 'Q'");
  EXPECT_ALMKIT_ERROR(parse_python_assignment("P={'a': 1", "P", "x.py"), ErrorCode::kInvalidFormat,
                      "expected ',' or '}'");
  EXPECT_ALMKIT_ERROR(parse_python_assignment("P={'a\n': 1}", "P", "x.py"),
                      ErrorCode::kInvalidFormat, "unterminated string");
  EXPECT_ALMKIT_ERROR(parse_python_assignment("P={'\\ud800': 1}", "P", "x.py"),
                      ErrorCode::kInvalidFormat, "surrogate");
  EXPECT_ALMKIT_ERROR(parse_python_assignment("P={'a': 1.2.3}", "P", "x.py"),
                      ErrorCode::kInvalidFormat, "malformed number");
  EXPECT_ALMKIT_ERROR(parse_python_assignment("P={'a': foo}", "P", "x.py"),
                      ErrorCode::kInvalidFormat, "'foo' is not a literal");
  EXPECT_ALMKIT_ERROR(parse_python_assignment("P={}\nx = 1\n", "P", "x.py"),
                      ErrorCode::kInvalidFormat, "line 2: unexpected text after the literal");
}

}  // namespace
}  // namespace almkit::bench::jieba
