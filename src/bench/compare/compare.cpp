// compare_runs: read finished run folders, group them by benchmark and data file, and write the
// leaderboard, per-task tables and paired statistics (paired_statistics.h) as JSON and HTML.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "almkit/bench_scoring.h"
#include "almkit/error.h"
#include "almkit/eval.h"
#include "bench/compare/paired_statistics.h"
#include "bench/runner/report.h"
#include "bench/runner/run_record.h"

namespace almkit::bench {
namespace {

using ojson = nlohmann::ordered_json;
namespace fs = std::filesystem;

struct ScoredItem {
  std::string id, cluster, task;
  bool correct = false;
};

struct LoadedRun {
  std::string dir, label, bench, model, data_hash;
  std::vector<ScoredItem> items;  // in results.jsonl order
  std::map<std::string, size_t> by_id;
};

ojson read_json(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error(ErrorCode::kFileNotFound, "compare: " + path + ": cannot be read");
  try {
    return ojson::parse(in);
  } catch (const std::exception& error) {
    throw Error(ErrorCode::kInvalidFormat, "compare: " + path + ": " + error.what());
  }
}

LoadedRun load_run(const std::string& dir) {
  LoadedRun run;
  run.dir = dir;
  const ojson record = read_json(dir + "/run.json");
  run.bench = record.value("bench", "");
  run.model = record.value("model_dir", "");
  run.data_hash = record.value("data_hash", "");
  std::ifstream in(dir + "/results.jsonl");
  if (!in)
    throw Error(
        ErrorCode::kFileNotFound,
        "compare: " + dir +
            "/results.jsonl: cannot be read (an unfinished or sharded run? almkit merge first)");
  int line_number = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_number;
    if (line.empty()) continue;
    ojson result;
    try {
      result = ojson::parse(line);
    } catch (const std::exception& error) {
      throw Error(ErrorCode::kInvalidFormat, "compare: " + dir + "/results.jsonl:" +
                                                 std::to_string(line_number) + ": " + error.what());
    }
    // The headline's records: presentation 0, real audio, scored (not unavailable).
    if (result.value("presentation", 0) != 0 || result.value("variant", "audio") != "audio" ||
        !result.contains("correct") || !result["correct"].is_boolean())
      continue;
    ScoredItem item;
    item.id = result.value("id", "");
    item.correct = result["correct"].get<bool>();
    item.cluster = result.contains("audio") ? result["audio"].dump() : item.id;
    item.task = result.value("task", "");
    if (item.task.empty()) item.task = result.value("category", "");
    if (run.by_id.count(item.id)) continue;  // one outcome per item
    run.by_id[item.id] = run.items.size();
    run.items.push_back(std::move(item));
  }
  return run;
}

ojson run_row(const LoadedRun& run, const std::vector<const ScoredItem*>& items) {
  int64_t correct = 0;
  std::vector<double> values;
  std::vector<std::string> clusters;
  for (const ScoredItem* item : items) {
    correct += item->correct;
    values.push_back(item->correct);
    clusters.push_back(item->cluster);
  }
  const auto total = static_cast<int64_t>(items.size());
  const Interval ci = wilson_interval(correct, total);
  return {{"run", run.label},
          {"model", run.model},
          {"items", total},
          {"correct", correct},
          {"accuracy", total ? double(correct) / double(total) : 0.0},
          {"ci95", {ci.low, ci.high}},
          {"se_clustered", clustered_standard_error(values, clusters)}};
}

ojson pair_json(const LoadedRun& a, const LoadedRun& b, int samples, uint64_t seed) {
  std::vector<PairedOutcome> outcomes;
  for (const ScoredItem& item : a.items) {
    const auto found = b.by_id.find(item.id);
    if (found == b.by_id.end()) continue;
    outcomes.push_back({item.id, item.cluster, item.correct, b.items[found->second].correct});
  }
  const PairedComparison c = compare_paired(outcomes, samples, seed);
  return {{"a", a.label},
          {"b", b.label},
          {"items", c.items},
          {"clusters", c.clusters},
          {"both_right", c.both_right},
          {"only_a", c.only_a},
          {"only_b", c.only_b},
          {"both_wrong", c.both_wrong},
          {"accuracy_a", c.accuracy_a},
          {"accuracy_b", c.accuracy_b},
          {"difference", c.difference},
          {"mcnemar_exact_p", c.mcnemar_p},
          {"se_difference", c.se_difference},
          {"se_difference_clustered", c.se_difference_clustered},
          {"bootstrap_ci95", {c.bootstrap_low, c.bootstrap_high}},
          {"bootstrap_samples", c.samples},
          {"bootstrap_seed", c.seed}};
}

std::string percent_text(double fraction, int decimals = 1) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.*f", decimals, fraction * 100.0);
  return text;
}

std::string comparison_html(const ojson& result) {
  std::string html =
      "<!DOCTYPE html><html><head><meta charset='utf-8'><title>almkit compare</title><style>"
      "body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}"
      "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;"
      "text-align:right}th{background:#f4f4f4}td:first-child{text-align:left}"
      ".small{font-size:.85em;color:#555}</style></head><body><h1>almkit compare</h1>";
  html +=
      "<p class='small'>Accuracy on presentation 0 with real audio; standard errors clustered "
      "by audio clip; paired bootstrap over clips (" +
      result["bootstrap"]["samples"].dump() + " resamples, seed " +
      result["bootstrap"]["seed"].dump() + "); McNemar's exact two-sided p.</p>";
  for (const auto& group : result["benchmarks"]) {
    html += "<h2>" + html_escape(group["bench"].get<std::string>()) + "</h2>";
    html +=
        "<table><tr><th>#</th><th>run</th><th>model</th><th>items</th><th>accuracy %</th>"
        "<th>95% CI (Wilson)</th><th>SE (clustered)</th></tr>";
    int rank = 0;
    for (const auto& row : group["leaderboard"]) {
      html += "<tr><td>" + std::to_string(++rank) + "</td><td>" +
              html_escape(row["run"].get<std::string>()) + "</td><td>" +
              html_escape(row["model"].get<std::string>()) + "</td><td>" + row["items"].dump() +
              "</td><td>" + percent_text(row["accuracy"].get<double>()) + "</td><td>" +
              percent_text(row["ci95"][0].get<double>()) + " – " +
              percent_text(row["ci95"][1].get<double>()) + "</td><td>" +
              percent_text(row["se_clustered"].get<double>(), 2) + "</td></tr>";
    }
    html += "</table>";
    if (!group["by_task"].empty()) {
      html += "<h3>Accuracy by task (%)</h3><table><tr><th>task</th>";
      for (const auto& row : group["leaderboard"])
        html += "<th>" + html_escape(row["run"].get<std::string>()) + "</th>";
      html += "</tr>";
      for (const auto& [task, rows] : group["by_task"].items()) {
        html += "<tr><td>" + html_escape(task) + "</td>";
        for (const auto& row : group["leaderboard"]) {
          std::string cell;
          for (const auto& task_row : rows)
            if (task_row["run"] == row["run"])
              cell = percent_text(task_row["accuracy"].get<double>()) + " <span class='small'>(" +
                     task_row["items"].dump() + ")</span>";
          html += "<td>" + cell + "</td>";
        }
        html += "</tr>";
      }
      html += "</table>";
    }
    if (!group["pairs"].empty()) {
      html +=
          "<h3>Paired comparisons</h3><table><tr><th>A</th><th>B</th><th>items</th>"
          "<th>A − B (points)</th><th>bootstrap 95% CI</th><th>SE (clustered)</th>"
          "<th>only A / only B</th><th>McNemar p</th></tr>";
      for (const auto& pair : group["pairs"]) {
        char p[32];
        std::snprintf(p, sizeof(p), "%.4g", pair["mcnemar_exact_p"].get<double>());
        html += "<tr><td>" + html_escape(pair["a"].get<std::string>()) + "</td><td>" +
                html_escape(pair["b"].get<std::string>()) + "</td><td>" + pair["items"].dump() +
                "</td><td>" + percent_text(pair["difference"].get<double>()) + "</td><td>" +
                percent_text(pair["bootstrap_ci95"][0].get<double>()) + " – " +
                percent_text(pair["bootstrap_ci95"][1].get<double>()) + "</td><td>" +
                percent_text(pair["se_difference_clustered"].get<double>(), 2) + "</td><td>" +
                pair["only_a"].dump() + " / " + pair["only_b"].dump() + "</td><td>" + p +
                "</td></tr>";
      }
      html += "</table>";
    }
  }
  return html + "</body></html>\n";
}

}  // namespace

std::string compare_runs(const CompareOptions& options) {
  if (options.run_dirs.empty())
    throw Error(ErrorCode::kInvalidArgument, "compare: give at least one run folder");
  if (options.bootstrap_samples < 0)
    throw Error(ErrorCode::kInvalidArgument, "compare: --bootstrap must be >= 0");
  std::vector<LoadedRun> runs;
  for (const auto& dir : options.run_dirs) runs.push_back(load_run(dir));
  // Labels: the folder names, or the paths when two folders share a name.
  for (auto& run : runs) run.label = fs::path(run.dir).lexically_normal().filename().string();
  for (size_t i = 0; i < runs.size(); ++i) {
    for (size_t j = 0; j < runs.size(); ++j) {
      if (i != j && runs[i].label == runs[j].label) {
        for (auto& run : runs) run.label = run.dir;
        i = runs.size();
        break;
      }
    }
  }
  // Benchmarks: runs of the same benchmark and data file, in first-seen order.
  std::vector<std::vector<size_t>> groups;
  for (size_t i = 0; i < runs.size(); ++i) {
    bool placed = false;
    for (auto& group : groups) {
      const LoadedRun& first = runs[group.front()];
      if (first.bench == runs[i].bench && first.data_hash == runs[i].data_hash) {
        group.push_back(i);
        placed = true;
        break;
      }
    }
    if (!placed) groups.push_back({i});
  }
  ojson result;
  result["bootstrap"] = {{"samples", options.bootstrap_samples}, {"seed", options.seed}};
  ojson benchmarks = ojson::array();
  for (const auto& group : groups) {
    ojson entry;
    entry["bench"] = runs[group.front()].bench;
    entry["data_hash"] = runs[group.front()].data_hash;
    ojson leaderboard = ojson::array();
    std::vector<std::string> tasks;
    std::map<std::string, ojson> by_task;
    for (size_t i : group) {
      std::vector<const ScoredItem*> all;
      std::map<std::string, std::vector<const ScoredItem*>> per_task;
      for (const auto& item : runs[i].items) {
        all.push_back(&item);
        if (item.task.empty()) continue;
        if (std::find(tasks.begin(), tasks.end(), item.task) == tasks.end())
          tasks.push_back(item.task);
        per_task[item.task].push_back(&item);
      }
      leaderboard.push_back(run_row(runs[i], all));
      for (const auto& [task, items] : per_task) {
        if (!by_task.count(task)) by_task[task] = ojson::array();
        by_task[task].push_back(run_row(runs[i], items));
      }
    }
    std::stable_sort(leaderboard.begin(), leaderboard.end(), [](const ojson& x, const ojson& y) {
      return x["accuracy"].get<double>() > y["accuracy"].get<double>();
    });
    entry["leaderboard"] = leaderboard;
    ojson tasks_json = ojson::object();
    for (const auto& task : tasks) tasks_json[task] = by_task[task];
    entry["by_task"] = tasks_json;
    ojson pairs = ojson::array();
    for (size_t x = 0; x < group.size(); ++x) {
      for (size_t y = x + 1; y < group.size(); ++y) {
        ojson pair =
            pair_json(runs[group[x]], runs[group[y]], options.bootstrap_samples, options.seed);
        if (pair["items"].get<int64_t>() > 0) pairs.push_back(std::move(pair));
      }
    }
    entry["pairs"] = pairs;
    benchmarks.push_back(std::move(entry));
  }
  result["benchmarks"] = benchmarks;
  const std::string text = result.dump(2) + "\n";
  if (!options.json_out.empty()) write_text_file(options.json_out, text);
  if (!options.html_out.empty()) write_text_file(options.html_out, comparison_html(result));
  return text;
}

}  // namespace almkit::bench
