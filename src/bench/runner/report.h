// The human-readable reports of a run: report.md and a self-contained report.html (inline SVG
// charts, no scripts, no network).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace almkit::bench {

std::string report_markdown(const nlohmann::ordered_json& run,
                            const nlohmann::ordered_json& summary,
                            const std::vector<nlohmann::ordered_json>& records);
std::string report_html(const nlohmann::ordered_json& run, const nlohmann::ordered_json& summary,
                        const std::vector<nlohmann::ordered_json>& records);

// Shared by both reports.
std::string format_percent(double fraction, int decimals = 1);
// "27.5% [18.1, 39.2]" for an accuracy cell (no interval when ci95 is null).
std::string cell_text(const nlohmann::ordered_json& cell);
// The group the charts break accuracy down by: sub-categories when there are several (the
// perception suite's tasks), else tasks.
const nlohmann::ordered_json& chart_groups(const nlohmann::ordered_json& summary,
                                           std::string& title);
// "Judged scores": each `almkit judge` of the run (summary.json's `judged`) beside the rule-based
// accuracy, with the disagreement rate ("" when the run was not judged).
std::string judged_markdown(const nlohmann::ordered_json& summary);
std::string judged_html(const nlohmann::ordered_json& summary);
// summary.json's `judged`: the figures of every `almkit judge` of this run folder
// (judge-<protocol>.json), beside the rule-based ones.
void attach_judged_figures(const std::string& out_dir, nlohmann::ordered_json& summary);
// After a judge: summary.json, report.md and report.html of a finished run rewritten with them.
void rewrite_run_reports(const std::string& run_dir);
// Text made safe inside HTML (&, <, >, quotes).
std::string html_escape(const std::string& text);
// The plain-words banner for checkpoints written by `almkit init-model` ("" otherwise).
std::string random_weights_banner(const nlohmann::ordered_json& run,
                                  const nlohmann::ordered_json& summary);

}  // namespace almkit::bench
