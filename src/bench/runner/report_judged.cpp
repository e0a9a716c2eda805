// The reports' "Judged scores" section: every `almkit judge` of the run next to the rule-based
// figures (the judge writes its table into judge-<protocol>.json; summary.json's `judged` holds
// it).
#include <algorithm>
#include <filesystem>
#include <fstream>

#include "almkit/error.h"
#include "bench/runner/report.h"
#include "bench/runner/run_record.h"

namespace almkit::bench {

using ojson = nlohmann::ordered_json;

std::string judged_markdown(const ojson& summary) {
  if (!summary.contains("judged") || summary["judged"].empty()) return "";
  std::string md = "## Judged scores\n\n";
  for (const auto& [protocol, figures] : summary["judged"].items()) {
    md += "### " + protocol + " (judge: " + figures.value("served_model", "") + ")\n\n" +
          figures.value("table", "") + "\nPrompt source: " + figures.value("source", "") + "\n\n";
  }
  return md;
}

std::string judged_html(const ojson& summary) {
  if (!summary.contains("judged") || summary["judged"].empty()) return "";
  std::string html = "<h2>Judged scores</h2>";
  for (const auto& [protocol, figures] : summary["judged"].items()) {
    html += "<h3>" + html_escape(protocol) +
            " (judge: " + html_escape(figures.value("served_model", "")) + ")</h3><pre>" +
            html_escape(figures.value("table", "")) +
            "</pre><p>Prompt source: " + html_escape(figures.value("source", "")) + "</p>";
  }
  return html;
}

void attach_judged_figures(const std::string& out_dir, ojson& summary) {
  std::vector<std::filesystem::path> files;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(out_dir, error)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("judge-", 0) == 0 && entry.path().extension() == ".json")
      files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& file : files) {
    std::ifstream in(file);
    const ojson judge = ojson::parse(in, nullptr, false);
    if (!judge.is_object() || !judge.contains("protocol")) continue;
    ojson figures = judge;
    for (const char* bulky : {"run_dir", "judge"}) figures.erase(bulky);
    figures["served_model"] = judge["judge"].value("served_model", "");
    summary["judged"][judge["protocol"].get<std::string>()] = figures;
  }
}

void rewrite_run_reports(const std::string& run_dir) {
  auto read = [&](const std::string& name) {
    std::ifstream in(run_dir + "/" + name);
    if (!in) throw Error(ErrorCode::kFileNotFound, run_dir + "/" + name + ": cannot be read");
    return ojson::parse(in);
  };
  const ojson run = read("run.json");
  ojson summary = read("summary.json");
  std::vector<ojson> records;
  std::ifstream in(run_dir + "/results.jsonl");
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) records.push_back(ojson::parse(line));
  attach_judged_figures(run_dir, summary);
  write_text_file(run_dir + "/summary.json", summary.dump(2) + "\n");
  write_text_file(run_dir + "/report.md", report_markdown(run, summary, records));
  write_text_file(run_dir + "/report.html", report_html(run, summary, records));
}

}  // namespace almkit::bench
