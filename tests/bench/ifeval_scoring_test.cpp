// VoiceBench's ifeval subset replayed against VoiceBench's own IFEvaluator (src/evaluator/ifeval.py
// and the IFEval code it vendors) on made-up responses: every strict and loose decision of 146
// rows covering all 25 checkers, the five figures to the last bit, langdetect's detect(),
// NLTKWordTokenizer and PunktSentenceTokenizer on their own. Expected values:
// tests/data/benchmarks/voicebench/ make_ifeval_expected.py, which runs the official code (sentence
// splitting excepted: the punkt English model is not available, see ifeval_nltk.h). Needs Debian's
// python3-langdetect profiles.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "bench/benchmarks/benchmark.h"
#include "bench/benchmarks/voicebench/ifeval_checkers.h"
#include "bench/benchmarks/voicebench/ifeval_langdetect.h"
#include "bench/benchmarks/voicebench/ifeval_nltk.h"
#include "bench/benchmarks/voicebench/ifeval_punkt.h"
#include "bench/benchmarks/voicebench/ifeval_text.h"
#include "test_support.h"

namespace almkit {
namespace {

using ojson = nlohmann::ordered_json;

// The expected decisions were made without punkt's English parameters (not available here):
// a machine that has nltk_data's punkt_tab/english must not switch the tests to them.
const bool kWithoutEnglishPunkt = setenv("ALMKIT_PUNKT_DIR", "none", 1) == 0;

std::string data_dir() {
  return test::test_data_dir() + "/benchmarks/voicebench/";
}

ojson expected() {
  std::ifstream in(data_dir() + "ifeval_expected.json");
  EXPECT_TRUE(in.good());
  return ojson::parse(in);
}

void score(const std::string& path, ojson& summary, std::vector<ojson>& items) {
  ASSERT_TRUE(bench::find_benchmark("voicebench").score_file(path, 0, summary, items));
}

TEST(IfevalScoring, EveryStrictAndLooseDecisionEqualsVoiceBenchIFEvaluator) {
  const ojson want = expected();
  ojson summary;
  std::vector<ojson> items;
  score(data_dir() + "ifeval_rows.jsonl", summary, items);
  ASSERT_EQ(items.size(), want["decisions"].size());
  std::set<std::string> checkers_seen;
  for (size_t i = 0; i < items.size(); ++i) {
    const auto& checks = items[i]["instructions"];
    const auto& decision = want["decisions"][i];
    ASSERT_EQ(checks.size(), decision["strict"].size()) << items[i]["id"];
    for (size_t k = 0; k < checks.size(); ++k) {
      EXPECT_EQ(checks[k]["strict"], decision["strict"][k]) << "row " << i << " " << checks[k];
      EXPECT_EQ(checks[k]["loose"], decision["loose"][k]) << "row " << i << " " << checks[k];
      checkers_seen.insert(checks[k]["instruction"].get<std::string>());
    }
  }
  EXPECT_EQ(checkers_seen.size(), 25u);
  EXPECT_EQ(bench::ifeval_instruction_ids().size(), 25u);
  const auto& figures = summary["subsets"]["ifeval"];
  for (const char* key :
       {"strict-prompt", "strict-instruction", "loose-prompt", "loose-instruction", "final"})
    EXPECT_EQ(figures[key].get<double>(), want["figures"][key].get<double>()) << key;
  EXPECT_EQ(figures["langdetect_seed"], 0);
}

TEST(IfevalScoring, RowsShowResponseCleanupRepeatedPromptsAndApproximations) {
  ojson summary;
  std::vector<ojson> items;
  score(data_dir() + "ifeval_rows.jsonl", summary, items);
  const ojson& multi = items[items.size() - 3];  // "<1> The sun, the moon <|user|>"
  EXPECT_EQ(multi["instructions"][0]["strict"], true);
  EXPECT_EQ(multi["instructions"][1]["strict"], false);
  // The two rows with the prompt "repeated" are both scored on the later row's response.
  EXPECT_EQ(items[items.size() - 2]["response_of"], items.back()["id"]);
  EXPECT_EQ(items[items.size() - 2]["instructions"][0]["strict"], true);
  EXPECT_FALSE(items.back().contains("response_of"));
  size_t flagged = 0;
  for (const auto& item : items) {
    for (const auto& check : item["instructions"]) {
      const bool approximate = bench::ifeval_is_approximate(check["instruction"]);
      EXPECT_EQ(check.value("approximate", false), approximate);
      flagged += approximate;
    }
  }
  EXPECT_GT(flagged, 10u);
  EXPECT_EQ(summary["subsets"]["ifeval"]["approximate_checkers"].size(), 2u);
}

TEST(IfevalScoring, LangdetectPortEqualsLangdetectForEachSeed) {
  const ojson want = expected();  // kept alive: the loop walks a member of it
  ASSERT_EQ(want["langdetect"].size(), 22u);
  for (const auto& row : want["langdetect"])
    EXPECT_EQ(bench::LangDetect::shared().detect(row["text"], row["seed"]), row["language"])
        << row["text"] << " seed " << row["seed"];
}

TEST(IfevalScoring, TreebankTokenizerEqualsNltk) {
  const ojson want = expected();
  ASSERT_EQ(want["tokenize"].size(), 4u);
  for (const auto& row : want["tokenize"])
    EXPECT_EQ(ojson(bench::nltk_treebank_tokenize(row["text"])), row["tokens"]) << row["text"];
}

TEST(IfevalScoring, PunktPortEqualsNltkWithAndWithoutParameters) {
  const bench::PunktParameters made_up = bench::load_punkt_tab(data_dir() + "punkt_params");
  EXPECT_EQ(made_up.abbrev_types.size(), 8u);
  EXPECT_EQ(made_up.ortho_context.at("in"), 2 | 16 | 32);
  const bench::PunktParameters none;
  const ojson want = expected();
  ASSERT_EQ(want["punkt"].size(), 16u);
  for (const auto& row : want["punkt"]) {
    EXPECT_EQ(ojson(bench::punkt_sentences(row["text"], made_up)), row["sentences"]) << row["text"];
    EXPECT_EQ(ojson(bench::punkt_sentences(row["text"], none)), row["untrained"]) << row["text"];
  }
  ASSERT_TRUE(kWithoutEnglishPunkt);
  EXPECT_EQ(bench::punkt_english_parameters(), nullptr);
  EXPECT_TRUE(bench::ifeval_is_approximate("length_constraints:number_sentences"));
}

TEST(IfevalScoring, PythonTextSemantics) {
  EXPECT_TRUE(bench::python_isupper("ABC 123!"));
  EXPECT_FALSE(bench::python_isupper("123"));          // no cased character
  EXPECT_FALSE(bench::python_isupper("A\u01C5"));      // a title-case letter
  EXPECT_TRUE(bench::python_islower("\u00aa abc"));    // U+00AA is Other_Lowercase
  EXPECT_TRUE(bench::python_isupper("\u24b6\u24b7"));  // circled capitals: Other_Uppercase
  EXPECT_TRUE(bench::python_json_loads_ok(" [1, -0.5e3, \"\\u00e9\", {\"a\": null}] "));
  EXPECT_FALSE(bench::python_json_loads_ok("[1] x"));
  EXPECT_FALSE(bench::python_json_loads_ok("{\"a\": 1,}"));
  EXPECT_FALSE(bench::python_json_loads_ok("1."));
  EXPECT_EQ(bench::ifeval_count_words("don't stop-now 3.5"), 6u);  // runs of \w
}

// A one-row ifeval file; the error must name its path and line.
void expect_row_refused(const std::string& fields, const std::string& fragment) {
  const std::string path = test::temp_dir() + "/ifeval_bad.jsonl";
  {
    std::ofstream out(path);
    out << "{\"subset\": \"openbookqa\", \"prompt\": \"q\", \"reference\": \"A\", \"response\": "
           "\"A\"}\n";
    out << "{\"subset\": \"ifeval\", \"prompt\": \"p\", \"response\": \"r\", " << fields << "}\n";
  }
  ojson summary;
  std::vector<ojson> items;
  try {
    bench::find_benchmark("voicebench").score_file(path, 0, summary, items);
    ADD_FAILURE() << "accepted: " << fields;
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find(path + ":2"), std::string::npos) << message;
    EXPECT_NE(message.find(fragment), std::string::npos) << message;
  }
}

TEST(IfevalScoring, BadInstructionsAndKwargsNameFileAndLine) {
  expect_row_refused("\"kwargs\": [{}]", "needs 'instruction_id_list'");
  expect_row_refused("\"instruction_id_list\": [\"punctuation:no_comma\"]", "needs 'kwargs'");
  expect_row_refused("\"instruction_id_list\": [\"a:b\", \"c:d\"], \"kwargs\": [{}]",
                     "'kwargs' has 1 entries for 2 instructions");
  expect_row_refused("\"instruction_id_list\": [\"keywords:key_sentences\"], \"kwargs\": [{}]",
                     "not an instruction id");
  expect_row_refused(
      "\"instruction_id_list\": [\"length_constraints:number_words\"], \"kwargs\": [{\"relation\": "
      "\"at least\", \"num_words\": 0}]",
      "needs kwarg 'num_words'");
  expect_row_refused(
      "\"instruction_id_list\": [\"length_constraints:number_words\"], \"kwargs\": [{\"relation\": "
      "\"at most\", \"num_words\": 3}]",
      "must be \"less than\" or \"at least\"");
  expect_row_refused(
      "\"instruction_id_list\": [\"keywords:frequency\"], \"kwargs\": [{\"keyword\": \"x\", "
      "\"frequency\": \"2\", \"relation\": \"at least\"}]",
      "'frequency' must be a number");
  expect_row_refused(
      "\"instruction_id_list\": [\"punctuation:no_comma\"], \"kwargs\": [{\"num_words\": 3}]",
      "takes no kwarg 'num_words'");
  expect_row_refused(
      "\"instruction_id_list\": [\"language:response_language\"], \"kwargs\": [{\"language\": "
      "\"xx\"}]",
      "not in instructions_util.LANGUAGE_CODES");
  expect_row_refused(
      "\"instruction_id_list\": [\"keywords:letter_frequency\"], \"kwargs\": [{\"letter\": \"ab\", "
      "\"let_frequency\": 2, \"let_relation\": \"at least\"}]",
      "must be one ASCII letter");
  expect_row_refused(
      "\"instruction_id_list\": [\"keywords:existence\"], \"kwargs\": [{\"keywords\": [\"a(\"]}]",
      "not a valid regular expression");
  expect_row_refused(
      "\"instruction_id_list\": [\"length_constraints:nth_paragraph_first_word\"], \"kwargs\": "
      "[{\"num_paragraphs\": 2, \"nth_paragraph\": 3, \"first_word\": \"a\"}]",
      "nth_paragraph exceeds num_paragraphs");
  expect_row_refused(
      "\"instruction_id_list\": [\"length_constraints:nth_paragraph_first_word\"], \"kwargs\": "
      "[{\"num_paragraphs\": 2, \"nth_paragraph\": 2.0, \"first_word\": \"a\"}]",
      "'nth_paragraph' must be an integer");
}

TEST(IfevalScoring, MissingLangdetectProfilesAreNamed) {
  EXPECT_ALMKIT_ERROR(bench::LangDetect(test::temp_dir() + "/no_langdetect"),
                      ErrorCode::kFileNotFound, "apt-get install python3-langdetect");
}

}  // namespace
}  // namespace almkit
