// almkit eval end to end on the perception suite with the random default model: the run folder,
// baselines, robustness over permutations, answers independent of --batch, warnings.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "bench/runner/runner_fixture.h"

namespace almkit::test {
namespace {

using nlohmann::json;

TEST(EvalRun, WritesEveryFileOfTheRunFolder) {
  const std::string out = temp_dir() + "/run";
  auto options = runner_options(out);
  options.mode = "loglik";
  const auto outcome = bench::run_eval(options);
  EXPECT_TRUE(outcome.complete);
  EXPECT_EQ(outcome.units, 12);  // 6 items x (1 presentation + silent audio)
  EXPECT_EQ(outcome.computed, 12);
  for (const char* file :
       {"run.json", "results.jsonl", "summary.json", "report.md", "report.html", "cache.sqlite"}) {
    EXPECT_TRUE(file_exists(out + "/" + file)) << file;
  }
  const json run = read_json(out + "/run.json");
  for (const char* key :
       {"almkit_version", "build_info", "blas", "model_hash", "data_hash", "run_id", "seed",
        "threads", "batch", "mode", "permutations", "generation", "prompt_template"}) {
    EXPECT_TRUE(run.contains(key)) << key;
  }
  EXPECT_EQ(run["model_hash"].get<std::string>().size(), 64u);
  EXPECT_FALSE(run["model_note"].is_null());  // init-model's random-weights note

  const auto results = read_results(out);
  ASSERT_EQ(results.size(), 12u);
  for (const auto& record : results) {
    EXPECT_NE(record["prompt"].get<std::string>().find("<|audio_bos|>"), std::string::npos);
    EXPECT_NE(record["prompt"].get<std::string>().find("<|im_start|>assistant"), std::string::npos);
    for (const char* key :
         {"response", "parsed", "correct", "latency_s", "choices", "answer", "scores"}) {
      EXPECT_TRUE(record.contains(key)) << key;
    }
    EXPECT_GE(record["chosen_position"].get<int>(), 0);  // loglik always picks a choice
  }
  const json summary = read_json(out + "/summary.json");
  EXPECT_EQ(summary["items"], 6);
  EXPECT_TRUE(summary["random_weights"].get<bool>());
  EXPECT_EQ(summary["parsed_rate"], 1.0);
  const std::string html = read_file(out + "/report.html");
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_NE(html.find("Random weights"), std::string::npos);
  EXPECT_NE(html.find("expected at the random baseline"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);  // self-contained: nothing fetched
  EXPECT_NE(read_file(out + "/report.md").find("Random weights"), std::string::npos);
}

TEST(EvalRun, BaselinesAreComputedOnTheSameItems) {
  const std::string out = temp_dir() + "/run";
  auto options = runner_options(out, 6);
  options.mode = "loglik";
  bench::run_eval(options);
  const auto results = read_results(out);
  const json summary = read_json(out + "/summary.json");
  std::map<std::string, json> baselines;
  for (const auto& baseline : summary["baselines"]) baselines[baseline["name"]] = baseline;
  for (const char* name :
       {"random_expected", "random_seeded", "always_first", "always_longest", "silent_audio"}) {
    ASSERT_TRUE(baselines.count(name)) << name;
    EXPECT_EQ(baselines[name]["total"], 6) << name;
  }
  int first = 0, longest = 0, silent_correct = 0;
  double expected = 0;
  for (const auto& record : results) {
    if (record["variant"] == "silence") {
      silent_correct += record["correct"].get<bool>();
      continue;
    }
    const auto choices = record["choices"].get<std::vector<std::string>>();
    const int answer = record["answer_position"];
    first += answer == 0;
    size_t best = 0;
    for (size_t j = 1; j < choices.size(); ++j)
      best = choices[j].size() > choices[best].size() ? j : best;
    longest += static_cast<int>(best) == answer;
    expected += 1.0 / choices.size();
  }
  EXPECT_EQ(baselines["always_first"]["correct"], first);
  EXPECT_EQ(baselines["always_longest"]["correct"], longest);
  EXPECT_EQ(baselines["silent_audio"]["correct"], silent_correct);
  EXPECT_NEAR(baselines["random_expected"]["accuracy"].get<double>(), expected / 6, 1e-12);
  EXPECT_NE(read_file(out + "/report.html").find("audio replaced by silence"), std::string::npos);
}

TEST(EvalRun, PermutationsGiveAccuracyPerPresentationAndConsistency) {
  const std::string out = temp_dir() + "/run";
  auto options = runner_options(out, 4);
  options.mode = "loglik";
  options.permutations = 5;
  options.silent_baseline = false;
  bench::run_eval(options);
  const auto results = read_results(out);
  ASSERT_EQ(results.size(), 20u);
  std::map<std::string, std::set<std::vector<int>>> orders;
  for (const auto& record : results) {
    const auto order = record["order"].get<std::vector<int>>();
    const int p = record["presentation"];
    const int n = static_cast<int>(order.size());
    if (p > 0 && p < n) {
      for (int j = 0; j < n; ++j) EXPECT_EQ(order[j], (j + p) % n);  // cyclic shift by p
    }
    std::vector<int> sorted = order;
    std::sort(sorted.begin(), sorted.end());
    for (int j = 0; j < n; ++j) EXPECT_EQ(sorted[j], j);  // a permutation
    // The shown choices are the originals in that order, and the parsed choice maps back.
    EXPECT_EQ(record["choices"][record["answer_position"].get<int>()], record["answer"]);
    EXPECT_EQ(record["chosen_choice"], order[record["chosen_position"].get<int>()]);
    orders[record["id"]].insert(order);
  }
  const json robust = read_json(out + "/summary.json")["robustness"];
  ASSERT_EQ(robust["accuracy_per_presentation"].size(), 5u);
  double mean = 0;
  for (const auto& cell : robust["accuracy_per_presentation"]) {
    EXPECT_EQ(cell["total"], 4);
    mean += cell["accuracy"].get<double>() / 5;
  }
  EXPECT_NEAR(robust["correctness_rate"].get<double>(), mean, 1e-12);
  EXPECT_GE(robust["consistency_rate"].get<double>(), 0.0);
  EXPECT_LE(robust["consistency_rate"].get<double>(), 1.0);
  int64_t answered = 0;
  for (const auto& count : robust["position_histogram"]) answered += count.get<int64_t>();
  EXPECT_EQ(answered, 20);
  // All-correct items are right in every presentation: ACR <= every per-presentation accuracy.
  for (const auto& cell : robust["accuracy_per_presentation"]) {
    EXPECT_LE(robust["all_correct_rate"].get<double>(), cell["accuracy"].get<double>() + 1e-12);
  }
}

TEST(EvalRun, GreedyAnswersAreIdenticalWithBatch1AndBatch8) {
  auto one = runner_options(temp_dir() + "/batch1", 0);
  one.silent_baseline = false;
  one.max_new_tokens = 6;
  auto eight = one;
  eight.out_dir = temp_dir() + "/batch8";
  eight.batch = 8;
  bench::run_eval(one);
  bench::run_eval(eight);
  const auto a = read_results(one.out_dir), b = read_results(eight.out_dir);
  ASSERT_EQ(a.size(), runner_world().items);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i]["id"], b[i]["id"]);
    EXPECT_EQ(a[i]["response"], b[i]["response"]) << a[i]["id"];
  }
}

TEST(EvalRun, WarnsWhenNoResponseParses) {
  // The random model's free text never names an option: the run must say so, not just score 0.
  const std::string out = temp_dir() + "/run";
  auto options = runner_options(out, 5);
  options.silent_baseline = false;
  bench::run_eval(options);
  const json summary = read_json(out + "/summary.json");
  EXPECT_EQ(summary["parsed_rate"], 0.0);
  ASSERT_FALSE(summary["warnings"].empty());
  EXPECT_NE(summary["warnings"][0].get<std::string>().find("no response could be parsed"),
            std::string::npos);
  EXPECT_NE(read_file(out + "/report.html").find("no response could be parsed"), std::string::npos);
}

TEST(EvalRun, WarnsWhenAnswersAreTheSameWithSilence) {
  // Clips that are silence already: every answer is identical with the silent-audio baseline.
  const std::string dir = temp_dir();
  std::string lines;
  for (int i = 0; i < 6; ++i) {
    write_tone(dir + "/quiet" + std::to_string(i) + ".wav", 1.0, /*silent=*/true);
    lines += json({{"id", "q" + std::to_string(i)},
                   {"audio", "quiet" + std::to_string(i) + ".wav"},
                   {"question", "Is there a sound?"},
                   {"choices", {"yes", "no"}},
                   {"answer", "no"}})
                 .dump() +
             "\n";
  }
  write_file(dir + "/items.jsonl", lines);
  auto options = runner_options(dir + "/run", 0);
  options.bench = "jsonl";
  options.data_path = dir + "/items.jsonl";
  options.mode = "loglik";
  bench::run_eval(options);
  const json summary = read_json(dir + "/run/summary.json");
  EXPECT_EQ(summary["audio_sensitivity"]["identical_with_silence"], 1.0);
  bool warned = false;
  for (const auto& warning : summary["warnings"]) {
    warned = warned ||
             warning.get<std::string>().find("may not be receiving its audio") != std::string::npos;
  }
  EXPECT_TRUE(warned) << summary["warnings"].dump();
}

TEST(EvalRun, PromptTemplateFileReplacesTheDefault) {
  const std::string dir = temp_dir();
  write_file(dir + "/template.txt", "Q: {question}\nOptions: {choices_list}\n{audio}Pick one.");
  auto options = runner_options(dir + "/run", 2);
  options.prompt_template_path = dir + "/template.txt";
  options.silent_baseline = false;
  bench::run_eval(options);
  const auto results = read_results(dir + "/run");
  const std::string prompt = results[0]["prompt"];
  EXPECT_NE(prompt.find("Q: Listen"), std::string::npos) << prompt;
  EXPECT_NE(prompt.find("Options: ['"), std::string::npos) << prompt;
  // {audio} puts the clip after the options.
  EXPECT_LT(prompt.find("Options:"), prompt.find("<|audio_bos|>"));
  EXPECT_EQ(read_json(dir + "/run/run.json")["prompt_template"]["name"],
            "file:" + dir + "/template.txt");
}

}  // namespace
}  // namespace almkit::test
