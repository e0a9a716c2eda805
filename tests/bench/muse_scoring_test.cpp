#include <gtest/gtest.h>

#include <map>

#include "almkit/bench.h"
#include "almkit/bench_scoring.h"
#include "bench_test_util.h"

namespace almkit::bench {
namespace {

TEST(MuseParse, LastCanonicalAnswerWinsCaseInsensitively) {
  EXPECT_EQ(muse_parse_final_answer("instrument_identification",
                                    "Maybe B. Guitar, but the final answer is:\na. piano"),
            "A. Piano");
  EXPECT_EQ(muse_parse_final_answer("instrument_identification", "B.Guitar"), "B. Guitar");
  EXPECT_EQ(muse_parse_final_answer("instrument_identification", "Guitar"), "");
  EXPECT_EQ(muse_parse_final_answer("meter_identification", "C. Groups of 5? No: A. Groups of 3"),
            "A. Groups of 3");
}

TEST(MuseParse, YesNoNeedsTheWholeSentenceWithItsPeriod) {
  EXPECT_EQ(muse_parse_final_answer("oddballs",
                                    "No, these are not the same exact melody. On reflection, "
                                    "yes, these are the same exact melody."),
            "Yes, these are the same exact melody.");
  EXPECT_EQ(muse_parse_final_answer("oddballs", "yes, these are the same exact melody"), "");
  EXPECT_EQ(muse_parse_final_answer("transposition", "NO,  these are not the same melody."),
            "No, these are not the same melody.");
}

TEST(MuseParse, OptionalLetterForProgressionAndSyncopation) {
  EXPECT_EQ(muse_parse_final_answer("chord_progression_matching",
                                    "yes, these are the same chord progression."),
            "A. Yes, these are the same chord progression.");
  EXPECT_EQ(muse_parse_final_answer("syncopation", "B. The rhythm in Excerpt2 is more syncopated."),
            "B. The rhythm in Excerpt 2 is more syncopated.");
}

TEST(MuseParse, KeyModulationAnswerMustBeOnItsOwnLine) {
  EXPECT_EQ(muse_parse_final_answer("key_modulation",
                                    "I'd say A. Yes, a key modulation occurs. Probably."),
            "");
  EXPECT_EQ(muse_parse_final_answer("key_modulation",
                                    "Reasoning...\n  A. Yes, a key modulation occurs.  \n"),
            "A. Yes, a key modulation occurs.");
  EXPECT_EQ(muse_parse_final_answer("key_modulation", "No, a key modulation does not occur."),
            "B. No, the key stays the same.");
  EXPECT_ALMKIT_ERROR(muse_parse_final_answer("tempo", "x"), ErrorCode::kInvalidArgument,
                      "unknown MUSE task 'tempo'");
}

TEST(MuseManifest, HasTwoHundredTrialsFromTheOfficialRunners) {
  LoadOptions options;
  options.audio_root = "/muse";
  const auto items = load_muse(options);
  ASSERT_EQ(items.size(), 200u);
  std::map<std::string, int> per_task;
  for (const auto& item : items) ++per_task[item.task];
  EXPECT_EQ(per_task.size(), 10u);
  for (const auto& [task, count] : per_task) EXPECT_EQ(count, 20) << task;
  // GroupA's first instrument stimulus (instrumentID runner) is a piano recording.
  EXPECT_EQ(items[0].id, "instrument_identification/GroupA/01");
  EXPECT_EQ(items[0].audio_paths[0], "/muse/stimuli/Abmajor_Piano_120.wav");
  EXPECT_EQ(items[0].answer, "A. Piano");
  // Oddball pairs: identical files are "same", the _Odd_ variant is not.
  const auto& pair = items[static_cast<size_t>(2 * 20 + 1)];
  EXPECT_EQ(pair.task, "oddballs");
  EXPECT_EQ(pair.audio_paths.size(), 2u);
  EXPECT_EQ(pair.audio_paths[1], "/muse/stimuli/M1_Odd_EbMaj_90.wav");
  EXPECT_EQ(pair.answer, "No, these are not the same exact melody.");
  const auto missing = find_missing_audio(items);
  EXPECT_EQ(missing.size(), 149u);  // distinct stimulus files
}

TEST(MuseScore, CommandScoresJsonlOutputs) {
  const std::string path = test::write_temp(
      "muse.jsonl",
      R"({"id": "1", "task": "chord_quality", "choices": ["A. Major", "B. Minor"], "answer": "A. Major", "model_output": "Step 1...\nA. Major"}
{"id": "2", "task": "chord_quality", "choices": ["A. Major", "B. Minor"], "answer": "B. Minor", "model_output": "A. major"}
{"id": "3", "task": "chord_quality", "choices": ["A. Major", "B. Minor"], "answer": "B. Minor", "model_output": "minor"}
)");
  const std::string items = test::bench_temp_dir() + "/items.jsonl";
  const auto result = test::run_cli("score --bench muse --input " + path + " --items " + items);
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("chord_quality"), std::string::npos);
  EXPECT_NE(result.output.find(" 33.33%"), std::string::npos) << result.output;
  EXPECT_EQ(test::read_file(items),
            "{\"id\":\"1\",\"parsed\":\"A. Major\",\"correct\":true}\n"
            "{\"id\":\"2\",\"parsed\":\"A. Major\",\"correct\":false}\n"
            "{\"id\":\"3\",\"parsed\":\"\",\"correct\":false}\n");
}

}  // namespace
}  // namespace almkit::bench
