#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>

#include "almkit/bench.h"
#include "almkit/bench_scoring.h"
#include "bench_test_util.h"

namespace almkit::bench {
namespace {

// tests/data/bench/muse/: responses and outputs, with expected.json written by
// make_muse_expected.py, which runs the official runners' own patterns and parse functions
// (MUSE_music_benchmark's Gemini/*_runner.py, commit named in the script).
// ordered: an item's expected line keeps the key order almkit writes (id, parsed, correct)
nlohmann::ordered_json muse_data(const std::string& name) {
  return nlohmann::ordered_json::parse(test::read_file(test::test_data_dir() + "/bench/muse/" + name));
}

TEST(MuseParse, EveryCaseParsesAsTheOfficialRunnersDo) {
  const auto cases = muse_data("parse_cases.json");
  const auto expected = muse_data("expected.json")["parse"];
  ASSERT_EQ(cases.size(), expected.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    EXPECT_EQ(muse_parse_final_answer(cases[i]["task"], cases[i]["response"]), expected[i].get<std::string>())
        << cases[i]["task"].get<std::string>() << ": '" << cases[i]["response"].get<std::string>()
        << "' (" << cases[i]["note"].get<std::string>() << ")";
  }
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
  const std::string path = test::test_data_dir() + "/bench/muse/outputs.jsonl";
  const auto expected = muse_data("expected.json");
  const std::string items = test::bench_temp_dir() + "/items.jsonl";
  const auto result = test::run_cli("score --bench muse --input " + path + " --items " + items);
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("chord_quality"), std::string::npos);
  char accuracy[32];
  std::snprintf(accuracy, sizeof(accuracy), " %.2f%%", expected["accuracy_pct"]["chord_quality"].get<double>());
  EXPECT_NE(result.output.find(accuracy), std::string::npos) << accuracy << " in " << result.output;
  std::string lines;
  for (const auto& item : expected["items"]) lines += item.dump() + "\n";
  EXPECT_EQ(test::read_file(items), lines);
}

}  // namespace
}  // namespace almkit::bench
