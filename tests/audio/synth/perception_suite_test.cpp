// The perception suite: files, determinism, levels, balance, options and errors.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "audio/synth/perception_fixture.h"

namespace almkit {
namespace {

using nlohmann::json;
using test::items_of;
using test::kItemsPerTask;
using test::load;
using test::measured_pitch;
using test::meta;
using test::mono;
using test::Suite;
using test::suite;

TEST(PerceptionSuite, WritesMmauFieldsAndEveryAudioFile) {
  const Suite& s = suite();
  ASSERT_TRUE(s.file.is_array());
  ASSERT_EQ(s.file.size(), s.items.size());
  std::set<std::string> ids;
  const std::vector<std::string> fields{"id",       "audio_id",     "question",  "choices",
                                        "answer",   "dataset",      "task",      "split",
                                        "category", "sub-category", "difficulty"};
  for (const json& entry : s.file) {
    for (const std::string& field : fields) EXPECT_TRUE(entry.contains(field)) << field;
    EXPECT_TRUE(ids.insert(entry["id"].get<std::string>()).second) << entry["id"];
    EXPECT_EQ(entry["dataset"], "almkit-perception");
    const auto choices = entry["choices"].get<std::vector<std::string>>();
    EXPECT_NE(std::find(choices.begin(), choices.end(), entry["answer"].get<std::string>()),
              choices.end());
    EXPECT_TRUE(std::set<std::string>({"sound", "music", "speech"}).count(entry["task"]));
    EXPECT_TRUE(std::set<std::string>({"easy", "medium", "hard"}).count(entry["difficulty"]));
    EXPECT_TRUE(test::file_exists(s.dir + "/" + entry["audio_id"].get<std::string>()));
  }
  for (const PerceptionItem& item : s.items) {
    EXPECT_EQ(item.choices[item.answer_index], item.answer);
  }
  // Round-robin order: the first 20 items are one of each task.
  std::set<std::string> first_tasks;
  for (size_t i = 0; i < perception_task_names().size(); ++i) {
    first_tasks.insert(s.items[i].suite_task);
  }
  EXPECT_EQ(first_tasks.size(), perception_task_names().size());
}

TEST(PerceptionSuite, EveryStimulusIsAudibleAndNeverClipped) {
  for (const PerceptionItem& item : suite().items) {
    const AudioBuffer audio = load(item);
    EXPECT_EQ(audio.sample_rate, 16000) << item.id;
    EXPECT_EQ(audio.channels, item.channels) << item.id;
    EXPECT_LE(peak_level(audio), 0.99) << item.id;
    EXPECT_GE(peak_level(audio), 0.5) << item.id;
    EXPECT_GE(rms_level(audio), 0.02) << item.id << ": RMS " << rms_level(audio);  // > -34 dBFS
    EXPECT_GT(audio.duration_seconds(), 0.5) << item.id;
    EXPECT_LT(audio.duration_seconds(), 12.0) << item.id;
  }
}

TEST(PerceptionSuite, SameSeedGivesByteIdenticalFiles) {
  // Spoken items included: espeak-ng's output is deterministic for a text, voice and rate.
  PerceptionSuiteOptions options;
  options.n = 60;
  options.seed = 99;
  const std::string base = test::temp_dir();
  options.output_dir = base + "/a";
  const auto a = generate_perception_suite(options);
  options.output_dir = base + "/b";
  generate_perception_suite(options);
  EXPECT_EQ(test::read_file(base + "/a/perception.json"),
            test::read_file(base + "/b/perception.json"));
  for (const PerceptionItem& item : a) {
    const std::string relative = item.audio_id.substr(2);
    EXPECT_EQ(test::read_file(base + "/a/" + relative), test::read_file(base + "/b/" + relative))
        << item.id;
  }
  // No stray files (espeak-ng's scratch WAVs are removed).
  size_t files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(base + "/a")) {
    files += entry.is_regular_file();
  }
  EXPECT_EQ(files, a.size() + 1);
  options.seed = 100;
  options.output_dir = base + "/c";
  generate_perception_suite(options);
  EXPECT_NE(test::read_file(base + "/a/perception.json"),
            test::read_file(base + "/c/perception.json"));
}

TEST(PerceptionSuite, AnswersAreBalancedOverPositionsAndClasses) {
  for (const PerceptionTaskInfo& task : perception_tasks()) {
    std::map<int, int> positions;
    std::map<std::string, int> answers;
    for (const PerceptionItem* item : items_of(task.name)) {
      ++positions[item->answer_index];
      EXPECT_EQ(static_cast<int>(item->choices.size()), task.num_choices) << item->id;
      ++answers[item->answer];
    }
    ASSERT_EQ(static_cast<int>(positions.size()), task.num_choices) << task.name;
    for (const auto& [position, count] : positions) {
      EXPECT_GE(count, kItemsPerTask / task.num_choices) << task.name << " position " << position;
      EXPECT_LE(count, (kItemsPerTask + task.num_choices - 1) / task.num_choices) << task.name;
    }
    if (task.name == "spoken_word_order") continue;  // answers are words drawn at random
    int low = kItemsPerTask, high = 0;
    for (const auto& [answer, count] : answers) {
      low = std::min(low, count);
      high = std::max(high, count);
    }
    EXPECT_LE(high - low, 1) << task.name;
  }
}

TEST(PerceptionSuite, DomainsAndDifficultiesAreSpread) {
  std::map<std::string, int> difficulties, domains;
  for (const PerceptionItem& item : suite().items) {
    ++difficulties[item.difficulty];
    ++domains[item.task];
  }
  for (const char* level : {"easy", "medium", "hard"}) EXPECT_GT(difficulties[level], 50) << level;
  for (const char* domain : {"sound", "music", "speech"}) EXPECT_GT(domains[domain], 0) << domain;
}

// ---- options and errors ---------------------------------------------------------------------

TEST(PerceptionSuite, BadOptionsGiveClearErrors) {
  PerceptionSuiteOptions options;
  options.output_dir = test::temp_dir();
  options.n = 0;
  EXPECT_ALMKIT_ERROR(generate_perception_suite(options), ErrorCode::kInvalidArgument,
                      "n must be at least 1, got 0");
  options.n = -3;
  EXPECT_ALMKIT_ERROR(generate_perception_suite(options), ErrorCode::kInvalidArgument, "got -3");
  options.n = 4;
  options.tasks = {"melody_contour", "kazoo_detection"};
  EXPECT_ALMKIT_ERROR(generate_perception_suite(options), ErrorCode::kInvalidArgument,
                      "unknown task 'kazoo_detection'");
  options.tasks = {"meter", "meter"};
  EXPECT_ALMKIT_ERROR(generate_perception_suite(options), ErrorCode::kInvalidArgument,
                      "listed twice");
  options.tasks = {"meter"};
  options.sample_rate = 100;
  EXPECT_ALMKIT_ERROR(generate_perception_suite(options), ErrorCode::kInvalidArgument, "100");
  options.sample_rate = 16000;
  // A path under a regular file cannot be created.
  const std::string file = options.output_dir + "/plain-file";
  test::write_file(file, "x");
  options.output_dir = file + "/suite";
  EXPECT_ALMKIT_ERROR(generate_perception_suite(options), ErrorCode::kIo, file + "/suite");
  options.output_dir = "";
  EXPECT_ALMKIT_ERROR(generate_perception_suite(options), ErrorCode::kInvalidArgument,
                      "no output folder");
  options.output_dir = test::temp_dir();
  options.tasks = {"spoken_digit_count"};
  options.espeak_command = "/nonexistent/espeak-ng";
  EXPECT_ALMKIT_ERROR(generate_perception_suite(options), ErrorCode::kNotFound,
                      "/nonexistent/espeak-ng");
}

TEST(PerceptionSuite, UnwritableFolderIsAnIoError) {
  if (::geteuid() == 0) {
    // root writes anywhere; /proc refuses everyone.
    PerceptionSuiteOptions options;
    options.n = 1;
    options.output_dir = "/proc/almkit-perception";
    EXPECT_ALMKIT_ERROR(generate_perception_suite(options), ErrorCode::kIo,
                        "/proc/almkit-perception");
    return;
  }
  const std::string dir = test::temp_dir() + "/locked";
  std::filesystem::create_directories(dir + "/audio");
  std::filesystem::permissions(
      dir, std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
  PerceptionSuiteOptions options;
  options.n = 1;
  options.output_dir = dir;
  EXPECT_ALMKIT_ERROR(generate_perception_suite(options), ErrorCode::kIo, "not writable");
  std::filesystem::permissions(dir, std::filesystem::perms::owner_all);
}

TEST(PerceptionSuite, TaskSubsetSampleRateAndProgress) {
  PerceptionSuiteOptions options;
  options.output_dir = test::temp_dir();
  options.n = 7;
  options.sample_rate = 22050;
  options.tasks = {"spatial_direction", "chord_quality"};
  int calls = 0;
  options.progress = [&](int done, int total, const std::string&) {
    ++calls;
    EXPECT_EQ(done, calls);
    EXPECT_EQ(total, 7);
  };
  const auto items = generate_perception_suite(options);
  EXPECT_EQ(calls, 7);
  ASSERT_EQ(items.size(), 7u);
  EXPECT_EQ(items[0].suite_task, "spatial_direction");  // 4 of the first task, 3 of the second
  EXPECT_EQ(items[1].suite_task, "chord_quality");
  EXPECT_EQ(items[6].suite_task, "spatial_direction");
  EXPECT_EQ(load_audio(options.output_dir + "/audio/chord_quality_0000.wav").sample_rate, 22050);
  AudioLoadOptions stereo;
  stereo.mono = false;
  EXPECT_EQ(load_audio(options.output_dir + "/audio/spatial_direction_0000.wav", stereo).channels,
            2);
}

TEST(PerceptionSuite, SynthCommandWritesTheSuiteAndSummarises) {
  const std::string dir = test::temp_dir();
  const auto result = test::run_cli("synth --suite perception --n 20 --seed 3 -o " + dir);
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("20/20 items"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("perception suite: 20 items, 20 tasks"), std::string::npos)
      << result.output;
  const json file = json::parse(test::read_file(dir + "/perception.json"));
  EXPECT_EQ(file.size(), 20u);
  const auto bad_n = test::run_cli("synth --n 0 -o " + dir);
  EXPECT_NE(bad_n.exit_code, 0);
  EXPECT_NE(bad_n.output.find("n must be at least 1"), std::string::npos) << bad_n.output;
  const auto bad_task = test::run_cli("synth --n 3 --tasks meter,nope -o " + dir);
  EXPECT_NE(bad_task.exit_code, 0);
  EXPECT_NE(bad_task.output.find("unknown task 'nope'"), std::string::npos) << bad_task.output;
  const auto bad_suite = test::run_cli("synth --suite mmau -o " + dir);
  EXPECT_NE(bad_suite.exit_code, 0);
  EXPECT_NE(bad_suite.output.find("unknown --suite 'mmau'"), std::string::npos);
  const auto listing = test::run_cli("synth --list-tasks");
  EXPECT_EQ(listing.exit_code, 0);
  EXPECT_NE(listing.output.find("key_modulation"), std::string::npos);
}

}  // namespace
}  // namespace almkit
