#include <cstdio>

#include "bench/benchmarks/benchmark.h"
#include "bench/runner/report.h"

namespace almkit::bench {

using ojson = nlohmann::ordered_json;

std::string format_percent(double fraction, int decimals) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.*f%%", decimals, fraction * 100.0);
  return text;
}

std::string cell_text(const ojson& cell) {
  std::string text = format_percent(cell.value("accuracy", 0.0));
  if (cell.contains("ci95") && cell["ci95"].is_array()) {
    char interval[64];
    std::snprintf(interval, sizeof(interval), " [%.1f, %.1f]",
                  cell["ci95"][0].get<double>() * 100.0, cell["ci95"][1].get<double>() * 100.0);
    text += interval;
  }
  return text;
}

const ojson& chart_groups(const ojson& summary, std::string& title) {
  if (summary["by_sub_category"].size() > 1) {
    title = "sub-category";
    return summary["by_sub_category"];
  }
  title = "task";
  return summary["by_task"];
}

std::string random_weights_banner(const ojson& run, const ojson& summary) {
  if (!summary.value("random_weights", false)) return "";
  double random = 0.0;
  for (const auto& baseline : summary["baselines"]) {
    if (baseline["name"] == "random_expected") random = baseline["accuracy"];
  }
  return "This model's weights are random (config.json: \"" + run["model_note"].get<std::string>() +
         "\"). Its score is expected at the random baseline (" + format_percent(random) +
         "): this run shows the pipeline working end to end, it measures no ability.";
}

namespace {

std::string table(const std::string& heading, const ojson& cells) {
  if (cells.empty()) return "";
  std::string out = "| " + heading + " | accuracy [95% CI] | correct / total |\n|---|---|---|\n";
  for (const auto& cell : cells) {
    char counts[64];
    std::snprintf(counts, sizeof(counts), "%g / %lld", cell["correct"].get<double>(),
                  static_cast<long long>(cell["total"].get<int64_t>()));
    out += "| " + cell.value("label", cell["name"].get<std::string>()) + " | " + cell_text(cell) +
           " | " + counts + " |\n";
  }
  return out + "\n";
}

}  // namespace

std::string report_markdown(const ojson& run, const ojson& summary,
                            const std::vector<ojson>& records) {
  std::string md = "# almkit eval: " + run["bench"].get<std::string>() + " on " +
                   run["model_dir"].get<std::string>() + "\n\n";
  const std::string banner = random_weights_banner(run, summary);
  if (!banner.empty()) md += "> **Random weights.** " + banner + "\n\n";
  md += "- **Accuracy: " + cell_text(summary["accuracy"]) + "** over " +
        std::to_string(summary["items"].get<int64_t>()) +
        " items (original choice order, real audio; " + run["mode"].get<std::string>() + " mode)\n";
  md += "- Strict accuracy (failed calls count wrong): " + cell_text(summary["strict_accuracy"]) +
        "\n";
  md +=
      "- Responses parsed into an answer: " + format_percent(summary["parsed_rate"].get<double>()) +
      "\n";
  const auto& sensitivity = summary["audio_sensitivity"];
  if (sensitivity["compared_items"].get<int64_t>() > 0) {
    md += "- Same answer with the audio replaced by silence: " +
          format_percent(sensitivity["same_choice_with_silence"].get<double>()) +
          " of items (identical output: " +
          format_percent(sensitivity["identical_with_silence"].get<double>()) + ")\n";
  }
  md += "\n";
  if (!summary["warnings"].empty()) {
    md += "## Warnings\n\n";
    for (const auto& warning : summary["warnings"])
      md += "- **" + warning.get<std::string>() + "**\n";
    md += "\n";
  }
  md += "## Baselines (same items)\n\n";
  ojson baselines = ojson::array();
  ojson model_cell = summary["accuracy"];
  model_cell["label"] = "**the model**";
  baselines.push_back(model_cell);
  for (const auto& baseline : summary["baselines"]) baselines.push_back(baseline);
  md += table("answerer", baselines);
  const auto& robust = summary["robustness"];
  md += "## Robustness to the order of the choices\n\n";
  if (robust["presentations"].get<int>() > 1) {
    md += table("presentation", robust["accuracy_per_presentation"]);
    md += "- CoR (mean accuracy over presentations): " +
          format_percent(robust["correctness_rate"].get<double>()) + "\n";
    md += "- CR (consistency over presentation pairs): " +
          format_percent(robust["consistency_rate"].get<double>()) + "\n";
    md += "- ACR (right in every presentation): " +
          format_percent(robust["all_correct_rate"].get<double>()) + "\n";
  } else {
    md += "One presentation (run with `--permutations K` for CoR, CR and ACR).\n";
  }
  md += "- Answers per shown position (A, B, ...): " + robust["position_histogram"].dump() +
        "; correct positions: " + robust["gold_position_histogram"].dump() +
        "; unparsed: " + std::to_string(robust["unparsed"].get<int64_t>()) + "\n\n";
  md += "## Accuracy by group\n\n";
  md += table("task", summary["by_task"]);
  md += table("category", summary["by_category"]);
  md += table("sub-category", summary["by_sub_category"]);
  md += table("difficulty", summary["by_difficulty"]);
  // The benchmark's own sections: official printouts, protocol figures, its files.
  md += find_benchmark(run["bench"].get<std::string>()).report_markdown(summary);
  md += judged_markdown(summary);
  if (!summary["failures"].empty()) {
    md += "## Failed model calls\n\n";
    for (const auto& failure : summary["failures"]) {
      md += "- " + failure["id"].get<std::string>() + " (" + failure["variant"].get<std::string>() +
            "): " + failure["error"].get<std::string>() + "\n";
    }
    md += "\n";
  }
  md += "## Run\n\n";
  for (const char* key : {"almkit_version", "build_info", "blas", "created", "model_dir",
                          "model_hash", "bench", "data_path", "data_hash", "mode", "permutations",
                          "seed", "threads", "batch", "dtype", "device", "run_id"}) {
    md += std::string("- ") + key + ": `" +
          (run[key].is_string() ? run[key].get<std::string>() : run[key].dump()) + "`\n";
  }
  md += "- generation: `" + run["generation"].dump() + "`\n";
  md += "- prompt template `" + run["prompt_template"]["name"].get<std::string>() + "`:\n\n```\n" +
        run["prompt_template"]["text"].get<std::string>() + "\n```\n\n";
  if (!records.empty()) {
    md += "Exact prompt of the first item (every prompt is in results.jsonl):\n\n```\n" +
          records.front()["prompt"].get<std::string>() + "\n```\n";
  }
  return md;
}

}  // namespace almkit::bench
