// report.html: one self-contained page (inline CSS and SVG, no scripts, no network).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

#include "bench/benchmarks/benchmark.h"
#include "bench/runner/report.h"

namespace almkit::bench {
namespace {

using ojson = nlohmann::ordered_json;

std::string escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string number(double value) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.1f", value);
  return text;
}

struct Bar {
  std::string label;
  double value = 0.0;          // fraction (or count for histograms)
  double low = -1, high = -1;  // interval, -1: none
  std::string color = "#3b6fb6";
};
struct Line {
  std::string label;
  double value = 0.0;
  std::string color;
};

const char* kModelColor = "#3b6fb6";

std::string baseline_color(const std::string& name) {
  if (name == "random_expected") return "#555555";
  if (name == "random_seeded") return "#9a9a9a";
  if (name == "always_first") return "#d08c2b";
  if (name == "always_longest") return "#8a5cc2";
  if (name == "silent_audio") return "#c0392b";
  return "#444444";
}

// Vertical bars with optional whiskers and horizontal reference lines; y from 0 to y_max.
std::string bar_chart(const std::vector<Bar>& bars, const std::vector<Line>& lines, double y_max,
                      bool percent_axis) {
  const double plot_h = 220, left = 48, top = 14,
               bar_w = std::max(14.0, std::min(48.0, 640.0 / std::max<size_t>(1, bars.size())));
  const double gap = bar_w * 0.35;
  const double plot_w = std::max(260.0, bars.size() * (bar_w + gap) + gap);
  const size_t longest_label =
      std::accumulate(bars.begin(), bars.end(), size_t(0),
                      [](size_t m, const Bar& b) { return std::max(m, b.label.size()); });
  const bool rotate = bars.size() > 6 || longest_label > 12;
  const double label_h = rotate ? std::min(170.0, 6.2 * longest_label + 10) : 22;
  const double legend_h = lines.empty() ? 0 : 18.0 * ((lines.size() + 2) / 3) + 6;
  const double width = left + plot_w + 170, height = top + plot_h + label_h + legend_h + 8;
  auto y_of = [&](double v) { return top + plot_h - plot_h * std::min(v, y_max) / y_max; };
  std::string svg = "<svg xmlns='http://www.w3.org/2000/svg' width='" + number(width) +
                    "' height='" + number(height) + "' font-family='sans-serif' font-size='11'>";
  for (int tick = 0; tick <= 4; ++tick) {
    const double v = y_max * tick / 4.0, y = y_of(v);
    svg += "<line x1='" + number(left) + "' x2='" + number(left + plot_w) + "' y1='" + number(y) +
           "' y2='" + number(y) + "' stroke='#e3e3e3'/>";
    const std::string text =
        percent_axis ? number(v * 100).substr(0, number(v * 100).find('.')) + "%" : number(v);
    svg += "<text x='" + number(left - 4) + "' y='" + number(y + 4) +
           "' text-anchor='end' fill='#555'>" + text + "</text>";
  }
  for (size_t i = 0; i < bars.size(); ++i) {
    const Bar& bar = bars[i];
    const double x = left + gap + i * (bar_w + gap), y = y_of(bar.value);
    svg += "<rect x='" + number(x) + "' y='" + number(y) + "' width='" + number(bar_w) +
           "' height='" + number(top + plot_h - y) + "' fill='" + bar.color + "'><title>" +
           escape(bar.label) + ": " +
           (percent_axis ? format_percent(bar.value) : number(bar.value)) + "</title></rect>";
    if (bar.low >= 0) {
      const double cx = x + bar_w / 2, y1 = y_of(bar.low), y2 = y_of(bar.high);
      svg += "<path d='M" + number(cx) + " " + number(y1) + " V" + number(y2) + " M" +
             number(cx - 4) + " " + number(y1) + " h8 M" + number(cx - 4) + " " + number(y2) +
             " h8' stroke='#222' stroke-width='1.2'/>";
    }
    const double label_y = top + plot_h + 12, label_x = x + bar_w / 2;
    if (rotate) {
      svg += "<text transform='translate(" + number(label_x + 3) + "," + number(label_y - 4) +
             ") rotate(-50)' text-anchor='end' fill='#222'>" + escape(bar.label) + "</text>";
    } else {
      svg += "<text x='" + number(label_x) + "' y='" + number(label_y) +
             "' text-anchor='middle' fill='#222'>" + escape(bar.label) + "</text>";
    }
  }
  svg += "<line x1='" + number(left) + "' x2='" + number(left + plot_w) + "' y1='" +
         number(top + plot_h) + "' y2='" + number(top + plot_h) + "' stroke='#333'/>";
  for (size_t i = 0; i < lines.size(); ++i) {
    const Line& line = lines[i];
    const double y = y_of(line.value);
    svg += "<line x1='" + number(left) + "' x2='" + number(left + plot_w) + "' y1='" + number(y) +
           "' y2='" + number(y) + "' stroke='" + line.color +
           "' stroke-width='1.6' stroke-dasharray='6 4'><title>" + escape(line.label) +
           "</title></line>";
    const double lx = left + (i % 3) * 230, ly = top + plot_h + label_h + 14 + 18.0 * (i / 3);
    svg += "<line x1='" + number(lx) + "' x2='" + number(lx + 22) + "' y1='" + number(ly - 4) +
           "' y2='" + number(ly - 4) + "' stroke='" + line.color +
           "' stroke-width='1.6' stroke-dasharray='6 4'/>";
    svg += "<text x='" + number(lx + 27) + "' y='" + number(ly) + "' fill='#222'>" +
           escape(line.label) + " " +
           (percent_axis ? format_percent(line.value) : number(line.value)) + "</text>";
  }
  return svg + "</svg>";
}

Bar cell_bar(const ojson& cell, const std::string& label, const std::string& color) {
  Bar bar;
  bar.label = label;
  bar.value = cell.value("accuracy", 0.0);
  if (cell.contains("ci95") && cell["ci95"].is_array()) {
    bar.low = cell["ci95"][0];
    bar.high = cell["ci95"][1];
  }
  bar.color = color;
  return bar;
}

std::vector<Line> baseline_lines(const ojson& summary) {
  std::vector<Line> lines;
  for (const auto& baseline : summary["baselines"]) {
    if (baseline["name"] == "random_seeded") continue;  // the expected value is the line to read
    lines.push_back({baseline["label"].get<std::string>(), baseline["accuracy"].get<double>(),
                     baseline_color(baseline["name"])});
  }
  return lines;
}

std::string cells_table(const std::string& heading, const ojson& cells) {
  if (cells.empty()) return "";
  std::string html = "<table><tr><th>" + escape(heading) +
                     "</th><th>accuracy [95% CI]</th><th>correct / total</th></tr>";
  for (const auto& cell : cells) {
    char counts[64];
    std::snprintf(counts, sizeof(counts), "%g / %lld", cell["correct"].get<double>(),
                  static_cast<long long>(cell["total"].get<int64_t>()));
    html += "<tr><td>" + escape(cell.value("label", cell["name"].get<std::string>())) +
            "</td><td>" + escape(cell_text(cell)) + "</td><td>" + counts + "</td></tr>";
  }
  return html + "</table>";
}

const char* kStyle =
    "body{font-family:system-ui,sans-serif;max-width:1100px;margin:24px auto;padding:0 "
    "16px;color:#222}"
    "h1{font-size:1.5em}h2{font-size:1.15em;margin-top:1.8em;border-bottom:1px solid #ddd}"
    ".banner{background:#fff4d6;border:1px solid #e0b84c;padding:10px 14px;border-radius:6px}"
    ".warn{background:#fde8e6;border:1px solid #d9776c;padding:8px "
    "14px;border-radius:6px;margin:6px 0}"
    ".headline{font-size:1.3em;margin:12px 0}"
    "table{border-collapse:collapse;margin:8px 0;font-size:.9em}td,th{border:1px solid "
    "#ddd;padding:3px 8px;text-align:left}"
    "th{background:#f4f4f4}pre{background:#f7f7f7;padding:8px;overflow-x:auto;font-size:.85em;"
    "white-space:pre-wrap}"
    ".ok{color:#1d7a35}.bad{color:#b3261e}.small{font-size:.85em;color:#555}";

}  // namespace

std::string html_escape(const std::string& text) {
  return escape(text);
}

std::string report_html(const ojson& run, const ojson& summary, const std::vector<ojson>& records) {
  const std::string bench = run["bench"];
  std::string html =
      "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>almkit eval: " +
      escape(bench) + "</title><style>" + kStyle + "</style></head><body>";
  html += "<h1>almkit eval: " + escape(bench) + " on " +
          escape(run["model_dir"].get<std::string>()) + "</h1>";
  const std::string banner = random_weights_banner(run, summary);
  if (!banner.empty())
    html += "<p class='banner'><b>Random weights.</b> " + escape(banner) + "</p>";
  html += "<p class='headline'>Accuracy <b>" + escape(cell_text(summary["accuracy"])) +
          "</b> over " + std::to_string(summary["items"].get<int64_t>()) +
          " items <span class='small'>(95% Wilson interval; original " +
          "choice order, real audio; " + escape(run["mode"].get<std::string>()) + " mode; " +
          format_percent(summary["parsed_rate"].get<double>()) + " of responses parsed)</span></p>";
  for (const auto& warning : summary["warnings"])
    html += "<p class='warn'>&#9888; " + escape(warning.get<std::string>()) + "</p>";

  html += "<h2>Model and baselines on the same items</h2>";
  std::vector<Bar> comparison{cell_bar(summary["accuracy"], "the model", kModelColor)};
  for (const auto& baseline : summary["baselines"]) {
    comparison.push_back(
        cell_bar(baseline, baseline["label"].get<std::string>(), baseline_color(baseline["name"])));
  }
  html += bar_chart(comparison, {}, 1.0, true);
  ojson rows = ojson::array();
  ojson model_cell = summary["accuracy"];
  model_cell["label"] = "the model";
  rows.push_back(model_cell);
  for (const auto& baseline : summary["baselines"]) rows.push_back(baseline);
  html += cells_table("answerer", rows);

  std::string group_title;
  const ojson& groups = chart_groups(summary, group_title);
  html += "<h2>Accuracy per " + escape(group_title) + " (95% CIs; dashed: baselines)</h2>";
  std::vector<Bar> group_bars;
  for (const auto& cell : groups) group_bars.push_back(cell_bar(cell, cell["name"], kModelColor));
  html += bar_chart(group_bars, baseline_lines(summary), 1.0, true);

  const auto& robust = summary["robustness"];
  html += "<h2>Accuracy per presentation of the choices</h2>";
  std::vector<Bar> presentation_bars;
  for (const auto& cell : robust["accuracy_per_presentation"]) {
    presentation_bars.push_back(cell_bar(cell, cell["name"], kModelColor));
  }
  html += bar_chart(presentation_bars, baseline_lines(summary), 1.0, true);
  if (robust["presentations"].get<int>() > 1) {
    html += "<p>CoR " + format_percent(robust["correctness_rate"].get<double>()) + " &middot; CR " +
            format_percent(robust["consistency_rate"].get<double>()) + " &middot; ACR " +
            format_percent(robust["all_correct_rate"].get<double>()) +
            " <span class='small'>(CoR: mean accuracy over presentations; CR: share of "
            "presentation pairs "
            "giving the same answer; ACR: items right in every presentation)</span></p>";
  } else {
    html += "<p class='small'>One presentation; run with --permutations K for CoR, CR and ACR.</p>";
  }

  html += "<h2>Answer positions</h2>";
  std::vector<Bar> positions;
  const auto& chosen = robust["position_histogram"];
  const auto& gold = robust["gold_position_histogram"];
  double top_count = 1;
  for (size_t j = 0; j < std::max(chosen.size(), gold.size()); ++j) {
    const double c = j < chosen.size() ? chosen[j].get<double>() : 0,
                 g = j < gold.size() ? gold[j].get<double>() : 0;
    const std::string letter(1, char('A' + j));
    positions.push_back({letter + " chosen", c, -1, -1, kModelColor});
    positions.push_back({letter + " correct", g, -1, -1, "#b9c9e4"});
    top_count = std::max({top_count, c, g});
  }
  positions.push_back({"unparsed", robust["unparsed"].get<double>(), -1, -1, "#c0392b"});
  top_count = std::max(top_count, robust["unparsed"].get<double>());
  html += bar_chart(positions, {}, std::ceil(top_count * 1.1), false);
  html +=
      "<p class='small'>Dark: answers the model gave at each shown position (over all "
      "presentations); light: "
      "where the correct answer was. A model that prefers a position stands out here.</p>";

  html += "<h2>Accuracy by group</h2>";
  html += cells_table("task", summary["by_task"]) +
          cells_table("category", summary["by_category"]) +
          cells_table("sub-category", summary["by_sub_category"]) +
          cells_table("difficulty", summary["by_difficulty"]);
  html += find_benchmark(bench).report_html(summary);
  html += judged_html(summary);
  if (!summary["failures"].empty()) {
    html += "<h2>Failed model calls</h2><ul>";
    for (const auto& failure : summary["failures"]) {
      html += "<li>" + escape(failure["id"].get<std::string>()) + " (" +
              escape(failure["variant"].get<std::string>()) +
              "): " + escape(failure["error"].get<std::string>()) + "</li>";
    }
    html += "</ul>";
  }

  html +=
      "<h2>Items</h2><table><tr><th>id</th><th>pres.</th><th>audio</th><th>answer</th><th>parsed</"
      "th><th></th><th>response</th></tr>";
  size_t shown = 0;
  for (const auto& record : records) {
    if (++shown > 400) break;
    std::string response = record.value("response", "");
    if (response.size() > 90) response = response.substr(0, 90) + "...";
    const bool correct = record.value("correct", false);
    html += "<tr><td>" + escape(record["id"].get<std::string>()) + "</td><td>" +
            std::to_string(record["presentation"].get<int>()) + "</td><td>" +
            escape(record["variant"].get<std::string>()) + "</td><td>" +
            escape(record["answer"].get<std::string>()) + "</td><td>" +
            escape(record.value("parsed", "")) + "</td><td class='" +
            (correct ? "ok'>&#10003;" : "bad'>&#10007;") + "</td><td>" + escape(response) +
            "</td></tr>";
  }
  html += "</table>";
  if (records.size() > 400)
    html += "<p class='small'>First 400 of " + std::to_string(records.size()) +
            " model calls; all are in results.jsonl.</p>";

  html += "<h2>Run</h2><table>";
  for (const char* key : {"almkit_version", "build_info", "blas", "created", "model_dir",
                          "model_hash", "bench", "data_path", "data_hash", "mode", "permutations",
                          "seed", "generation", "threads", "batch", "dtype", "device", "run_id"}) {
    html += std::string("<tr><th>") + key + "</th><td>" +
            escape(run[key].is_string() ? run[key].get<std::string>() : run[key].dump()) +
            "</td></tr>";
  }
  html += "</table><p>Prompt template <code>" +
          escape(run["prompt_template"]["name"].get<std::string>()) + "</code>:</p><pre>" +
          escape(run["prompt_template"]["text"].get<std::string>()) + "</pre>";
  if (!records.empty()) {
    html += "<details><summary>Exact prompt of the first item</summary><pre>" +
            escape(records.front()["prompt"].get<std::string>()) + "</pre></details>";
  }
  return html + "</body></html>\n";
}

}  // namespace almkit::bench
