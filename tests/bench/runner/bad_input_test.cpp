// Bad input to almkit eval: each is a clear error before any model call, or documented handling.
#include <gtest/gtest.h>

#include "bench/runner/runner_fixture.h"

namespace almkit::test {
namespace {

using nlohmann::json;

std::string item_line(const std::string& id, const std::string& audio,
                      const std::string& answer = "yes") {
  return json({{"id", id},
               {"audio", audio},
               {"question", "Is it a tone?"},
               {"choices", {"yes", "no"}},
               {"answer", answer}})
             .dump() +
         "\n";
}

bench::EvalOptions jsonl_options(const std::string& dir) {
  auto options = runner_options(dir + "/run", 0);
  options.bench = "jsonl";
  options.data_path = dir + "/items.jsonl";
  options.mode = "loglik";
  return options;
}

TEST(EvalBadInput, MalformedJsonlNamesFileAndLine) {
  const std::string dir = temp_dir();
  write_tone(dir + "/a.wav", 1.0);
  write_file(dir + "/items.jsonl", item_line("a", "a.wav") + "{\"id\": \"b\", \"audio\": \n");
  EXPECT_ALMKIT_ERROR(bench::run_eval(jsonl_options(dir)), ErrorCode::kInvalidFormat,
                      "items.jsonl:2");
  EXPECT_FALSE(file_exists(dir + "/run/cache.sqlite"));  // nothing started
}

TEST(EvalBadInput, MalformedJsonIsAnError) {
  const std::string dir = temp_dir();
  write_file(dir + "/perception.json", "[{\"id\": \"x\", ");
  auto options = runner_options(dir + "/run");
  options.data_path = dir + "/perception.json";
  EXPECT_ALMKIT_ERROR(bench::run_eval(options), ErrorCode::kInvalidFormat, "perception.json");
}

TEST(EvalBadInput, DuplicateIdsNameBothPlaces) {
  const std::string dir = temp_dir();
  write_tone(dir + "/a.wav", 1.0);
  write_file(dir + "/items.jsonl", item_line("a", "a.wav") + item_line("a", "a.wav"));
  EXPECT_ALMKIT_ERROR(bench::run_eval(jsonl_options(dir)), ErrorCode::kInvalidFormat,
                      "duplicate id 'a'");
}

TEST(EvalBadInput, AnswerNotAmongTheChoices) {
  const std::string dir = temp_dir();
  write_tone(dir + "/a.wav", 1.0);
  write_file(dir + "/items.jsonl", item_line("a", "a.wav", "maybe"));
  EXPECT_ALMKIT_ERROR(bench::run_eval(jsonl_options(dir)), ErrorCode::kInvalidFormat,
                      "not one of the choices");
}

TEST(EvalBadInput, MissingAudioIsListedBeforeTheRunStarts) {
  const std::string dir = temp_dir();
  write_tone(dir + "/a.wav", 1.0);
  write_file(dir + "/items.jsonl",
             item_line("a", "a.wav") + item_line("b", "gone1.wav") + item_line("c", "gone2.wav"));
  EXPECT_ALMKIT_ERROR(bench::run_eval(jsonl_options(dir)), ErrorCode::kFileNotFound, "gone1.wav");
  EXPECT_ALMKIT_ERROR(bench::run_eval(jsonl_options(dir)), ErrorCode::kFileNotFound, "gone2.wav");
  EXPECT_FALSE(file_exists(dir + "/run/cache.sqlite"));
  // The CLI prints it and exits non-zero.
  const auto result = run_cli("eval --model " + runner_world().model + " --bench jsonl --data " +
                              dir + "/items.jsonl --out " + dir + "/cli-run --quiet");
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.output.find("gone1.wav"), std::string::npos) << result.output;
}

TEST(EvalBadInput, AudioLongerThanTheWindowIsSplitIntoWindows) {
  // Documented rule: a clip longer than the model's 30 s window goes in as ceil(d / 30) equal
  // windows, each its own clip in the prompt.
  const std::string dir = temp_dir();
  write_tone(dir + "/long.wav", 65.0);
  write_tone(dir + "/short.wav", 2.0);
  write_file(dir + "/items.jsonl", item_line("long", "long.wav") + item_line("short", "short.wav"));
  auto options = jsonl_options(dir);
  options.silent_baseline = false;
  const auto outcome = bench::run_eval(options);
  EXPECT_EQ(outcome.failed, 0);
  const auto results = read_results(dir + "/run");
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0]["audio_windows"], 3);
  EXPECT_NEAR(results[0]["audio_seconds"].get<double>(), 65.0, 1e-6);
  const std::string prompt = results[0]["prompt"];
  EXPECT_NE(prompt.find("Audio 3:"), std::string::npos) << prompt;
  EXPECT_EQ(prompt.find("Audio 4:"), std::string::npos) << prompt;
  EXPECT_EQ(results[1]["audio_windows"], 1);
}

TEST(EvalBadInput, PromptLongerThanTheContextIsRecordedAsAFailure) {
  // A copy of the default model with a 64-position context: every call is refused by the model.
  // Documented handling: the call is recorded with its error, counted wrong (strict accuracy),
  // listed in the report, not cached (a rerun retries it), and the CLI exits with status 2.
  const std::string dir = temp_dir();
  const std::string model = dir + "/model";
  std::filesystem::create_directories(model);
  for (const auto& entry : std::filesystem::directory_iterator(runner_world().model)) {
    std::filesystem::create_symlink(entry.path(), model + "/" + entry.path().filename().string());
  }
  json config = read_json(runner_world().model + "/config.json");
  config["text_config"]["max_position_embeddings"] = 64;
  std::filesystem::remove(model + "/config.json");
  write_file(model + "/config.json", config.dump(2));
  auto options = runner_options(dir + "/run", 2);
  options.model_dir = model;
  options.silent_baseline = false;
  const auto outcome = bench::run_eval(options);
  EXPECT_EQ(outcome.failed, 2);
  EXPECT_FALSE(outcome.complete);
  const json summary = read_json(dir + "/run/summary.json");
  ASSERT_EQ(summary["failures"].size(), 2u);
  EXPECT_NE(summary["failures"][0]["error"].get<std::string>().find("context"), std::string::npos)
      << summary["failures"][0]["error"];
  EXPECT_EQ(summary["strict_accuracy"]["total"], 2);
  EXPECT_EQ(summary["strict_accuracy"]["correct"], 0);
  EXPECT_NE(read_file(dir + "/run/report.html").find("Failed model calls"), std::string::npos);
  const auto result = run_cli("eval --model " + model + " --bench perception --data " +
                              runner_world().data + " --out " + dir +
                              "/cli-run --limit 1 --no-silent-baseline --quiet --max-new-tokens 4");
  EXPECT_EQ(result.exit_code, 2) << result.output;
}

TEST(EvalBadInput, BadOptionsAreRefused) {
  const std::string dir = temp_dir();
  auto options = runner_options(dir + "/run");
  options.shard_index = 2;
  options.shard_count = 2;
  EXPECT_ALMKIT_ERROR(bench::run_eval(options), ErrorCode::kInvalidArgument, "--shard");
  options = runner_options(dir + "/run");
  options.bench = "mmlu";
  EXPECT_ALMKIT_ERROR(bench::run_eval(options), ErrorCode::kInvalidArgument, "unknown --bench");
  options = runner_options(dir + "/run");
  write_file(dir + "/template.txt", "no placeholder here");
  options.prompt_template_path = dir + "/template.txt";
  EXPECT_ALMKIT_ERROR(bench::run_eval(options), ErrorCode::kInvalidFormat, "{question}");
  const auto result =
      run_cli("eval --model " + runner_world().model + " --bench perception --data " +
              runner_world().data + " --out " + dir + "/cli --shard 1of2");
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.output.find("K/N"), std::string::npos) << result.output;
}

}  // namespace
}  // namespace almkit::test
