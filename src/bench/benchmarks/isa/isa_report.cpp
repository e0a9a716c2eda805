// The ISA-Bench section of report.md / report.html: its scripts' metric JSON as a table per
// variant (IFR and the task metric in `_IF` form), the radar axes of the run's dimension.
#include <algorithm>
#include <cstdio>
#include <string>

#include "bench/benchmarks/isa/isa_plan.h"
#include "bench/runner/report.h"

namespace almkit::bench {
namespace {

using ojson = nlohmann::ordered_json;

std::string value_text(const ojson& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number_float()) {
    char text[32];
    std::snprintf(text, sizeof(text), "%g", value.get<double>());
    return text;
  }
  return value.dump();
}

// Rows of (variant, metric values) when every variant maps to flat numbers (D and F files).
bool flat_table(const ojson& metrics, std::vector<std::string>& columns) {
  if (!metrics.is_object() || metrics.empty()) return false;
  for (const auto& [variant, cell] : metrics.items()) {
    if (!cell.is_object()) return false;
    for (const auto& [name, value] : cell.items()) {
      if (value.is_object() || value.is_array()) return false;
      if (std::find(columns.begin(), columns.end(), name) == columns.end()) columns.push_back(name);
    }
  }
  return true;
}

}  // namespace

std::string isa_report_markdown(const ojson& isa) {
  std::string md = "## ISA-Bench figures (dimension " + isa.value("dimension", "?") + ", task " +
                   isa.value("task", "?") + ")\n\n";
  md += "Responses in ISA-Bench's result layout: `" + isa.value("results_file", "") +
        "`; metric JSON as its scripts write it: `isa_metric.json`.\n\n";
  if (isa.contains("error"))
    return md + "**Not scored:** " + isa["error"].get<std::string>() + "\n\n";
  std::vector<std::string> columns;
  const ojson& metrics = isa["metrics"];
  if (flat_table(metrics, columns)) {
    md += "| variant |";
    for (const auto& column : columns) md += " " + column + " |";
    md += "\n|---|";
    for (size_t i = 0; i < columns.size(); ++i) md += "---|";
    md += "\n";
    for (const auto& [variant, cell] : metrics.items()) {
      md += "| " + variant + " |";
      for (const auto& column : columns)
        md += " " + (cell.contains(column) ? value_text(cell[column]) : "") + " |";
      md += "\n";
    }
    md += "\n";
  } else {
    md += "```json\n" + metrics.dump(2) + "\n```\n\n";
  }
  if (isa.contains("axes") && !isa["axes"].empty()) {
    md += "IFR radar axes of this dimension (calc_area.py's averages): ";
    bool first = true;
    for (const auto& [axis, value] : isa["axes"].items()) {
      md += std::string(first ? "" : ", ") + axis + " " + value_text(value);
      first = false;
    }
    md += ".\n" + isa.value("note", "") + "\n\n";
  }
  return md;
}

std::string isa_report_html(const ojson& isa) {
  std::string html = "<h2>ISA-Bench figures (dimension " +
                     html_escape(isa.value("dimension", "?")) + ", task " +
                     html_escape(isa.value("task", "?")) + ")</h2>";
  if (isa.contains("error"))
    return html + "<p><b>Not scored:</b> " + html_escape(isa["error"].get<std::string>()) + "</p>";
  std::vector<std::string> columns;
  const ojson& metrics = isa["metrics"];
  if (flat_table(metrics, columns)) {
    html += "<table><tr><th>variant</th>";
    for (const auto& column : columns) html += "<th>" + html_escape(column) + "</th>";
    html += "</tr>";
    for (const auto& [variant, cell] : metrics.items()) {
      html += "<tr><td>" + html_escape(variant) + "</td>";
      for (const auto& column : columns)
        html +=
            "<td>" + (cell.contains(column) ? html_escape(value_text(cell[column])) : "") + "</td>";
      html += "</tr>";
    }
    html += "</table>";
  } else {
    html += "<pre>" + html_escape(metrics.dump(2)) + "</pre>";
  }
  if (isa.contains("axes") && !isa["axes"].empty()) {
    html += "<p>IFR radar axes of this dimension: ";
    bool first = true;
    for (const auto& [axis, value] : isa["axes"].items()) {
      html += std::string(first ? "" : ", ") + html_escape(axis) + " " + value_text(value);
      first = false;
    }
    html += ". " + html_escape(isa.value("note", "")) + "</p>";
  }
  return html;
}

}  // namespace almkit::bench
