// STAR-Bench: parse_multi_choice_response and the AA / ACR figures of its evaluate().
#include <algorithm>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>

#include "almkit/bench_scoring.h"
#include "almkit/error.h"
#include "bench/datasets/record_file.h"
#include "bench/python_text.h"
#include "bench/regex.h"

namespace almkit::bench {

std::string star_parse_multi_choice_response(const std::string& response,
                                             const std::vector<std::string>& options) {
  if (options.empty() || options.size() > 26) return "Z";
  std::string letters;
  for (size_t i = 0; i < options.size(); ++i) letters.push_back(static_cast<char>('A' + i));

  // Priority 1: a choice after an answer keyword; (?i) applies to the letters too, so "answer
  // is b" yields "<b>", which never equals "<B>" (a quirk of the original kept on purpose).
  const Regex keyword_pattern(
      "(?i)(?:answer|<answer>|solution|choice|option|correct option is|answer is|"
      "\xE7\xAD\x94\xE6\xA1\x88\xE6\x98\xAF|\xE9\x80\x89\xE9\xA1\xB9\xE6\x98\xAF)"
      "\\s*[:\xEF\xBC\x9A]*\\s*(?:[\\(\\<\\[\\{]\\s*([" +
      letters + "])\\s*[\\)\\]\\>\\}]|\\b([" + letters + "])\\b)");
  // (letter, position, type): type 1 bracketed beats type 0 standalone; then the last position.
  std::vector<std::tuple<std::string, size_t, int>> keyword_matches;
  for (const auto& match : keyword_pattern.find_all(response)) {
    if (match.group_set[2]) keyword_matches.emplace_back(match.groups[2], match.start, 0);
    if (match.group_set[1]) keyword_matches.emplace_back(match.groups[1], match.start, 1);
  }
  auto by_type_then_position = [](const auto& a, const auto& b) {
    return std::make_pair(std::get<2>(a), std::get<1>(a)) <
           std::make_pair(std::get<2>(b), std::get<1>(b));
  };
  if (!keyword_matches.empty()) {
    std::stable_sort(keyword_matches.begin(), keyword_matches.end(), by_type_then_position);
    return "<" + std::get<0>(keyword_matches.back()) + ">";
  }

  // Priority 2: bracketed letters (type 2) > option texts (type 1, responses of 3+ words) >
  // bare capital letters (type 0); the last position within the best type.
  std::vector<std::tuple<std::string, size_t, int>> matches;
  const Regex standalone_pattern("[\\(\\<\\[\\{]\\s*([" + letters + "])\\s*[\\)\\]\\>\\}]|\\b([" +
                                 letters + "])\\b");
  for (const auto& match : standalone_pattern.find_all(response)) {
    if (match.group_set[1]) matches.emplace_back("<" + match.groups[1] + ">", match.start, 2);
    if (match.group_set.size() > 2 && match.group_set[2]) {
      matches.emplace_back("<" + match.groups[2] + ">", match.start, 0);
    }
  }
  if (python_split(response).size() > 2) {
    for (size_t i = 0; i < options.size(); ++i) {
      const Regex text_pattern("(?<![A-Za-z])" + regex_escape(options[i]) + "(?![A-Za-z])",
                               /*caseless=*/true);
      for (const auto& match : text_pattern.find_all(response)) {
        matches.emplace_back("<" + letters.substr(i, 1) + ">", match.start, 1);
      }
    }
  }
  if (!matches.empty()) {
    std::stable_sort(matches.begin(), matches.end(), by_type_then_position);
    return std::get<0>(matches.back());
  }
  return "Z";
}

std::vector<StarRecord> read_star_results(const std::string& path) {
  std::vector<StarRecord> records;
  for (const auto& source : read_any_records(path)) {
    StarRecord record;
    record.id = record_string(source, "id", true);
    record.options = record_string_list(source, "options", true);
    record.answer_letter = record_string(source, "answer_letter", true);
    record.model_response = record_string(source, "model_response", false);
    record.category = record_string(source, "category", false);
    record.sub_category = record_string(source, "sub-category", false);
    records.push_back(std::move(record));
  }
  return records;
}

namespace {

std::string percent2(double value) {
  char text[64];
  std::snprintf(text, sizeof(text), "%.2f%%", value);
  return text;
}

// _calculate_metrics: AA over runs, ACR over ids (all runs right).
StarCell metrics_for(const std::string& name, const std::vector<size_t>& rows,
                     const std::vector<StarRecord>& records, const std::vector<bool>& correct) {
  StarCell result;
  result.name = name;
  result.total_runs = static_cast<int64_t>(rows.size());
  if (rows.empty()) return result;
  std::map<std::string, bool> all_right;
  int64_t right = 0;
  for (size_t row : rows) {
    right += correct[row];
    auto [it, inserted] = all_right.emplace(records[row].id, correct[row]);
    if (!inserted) it->second = it->second && correct[row];
  }
  int64_t ids_right = 0;
  for (const auto& [id, ok] : all_right) ids_right += ok;
  result.aa = double(right) / double(rows.size()) * 100.0;
  result.acr = double(ids_right) / double(all_right.size()) * 100.0;
  result.unique_samples = static_cast<int64_t>(all_right.size());
  return result;
}

nlohmann::ordered_json cell_json(const StarCell& cell, bool macro) {
  nlohmann::ordered_json out;
  out["AA"] = percent2(cell.aa);
  out["ACR"] = percent2(cell.acr);
  if (macro) out["n_subcategories"] = cell.n_subcategories;
  out["total_runs"] = cell.total_runs;
  out["unique_samples"] = cell.unique_samples;
  return out;
}

double two_decimals(double value) {  // float(f"{x:.2f}") as pct2float reads it back
  char text[64];
  std::snprintf(text, sizeof(text), "%.2f", value);
  return std::strtod(text, nullptr);
}

}  // namespace

StarReport score_star(const std::vector<StarRecord>& records, bool perception_macro) {
  StarReport report;
  for (const auto& record : records) {
    const std::string prediction =
        star_parse_multi_choice_response(record.model_response, record.options);
    report.predictions.push_back(prediction);
    report.correct.push_back(prediction == record.answer_letter);
  }
  std::vector<size_t> all(records.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = i;
  std::map<std::string, std::vector<size_t>> by_category, by_sub;
  bool any_category = false, any_sub = false;
  for (size_t i = 0; i < records.size(); ++i) {
    if (!records[i].category.empty()) {
      by_category[records[i].category].push_back(i);
      any_category = true;
    }
    if (!records[i].sub_category.empty()) {
      by_sub[records[i].sub_category].push_back(i);
      any_sub = true;
    }
  }
  nlohmann::ordered_json document;
  if (!perception_macro) {
    report.total = metrics_for("Total", all, records, report.correct);
    document["Total"] = cell_json(report.total, false);
    if (any_category) {
      for (const auto& [name, rows] : by_category) {
        report.by_category.push_back(metrics_for(name, rows, records, report.correct));
        document["By Category"][name] = cell_json(report.by_category.back(), false);
      }
    }
    if (any_sub) {
      for (const auto& [name, rows] : by_sub) {
        report.by_sub_category.push_back(metrics_for(name, rows, records, report.correct));
        document["By Sub-category"][name] = cell_json(report.by_sub_category.back(), false);
      }
    }
  } else {
    // PerceptionDataset.evaluate: sub-category figures, then categories and total as plain
    // means of the sub-categories' two-decimal percentages.
    std::map<std::string, std::vector<std::pair<double, double>>> per_category;
    std::vector<std::pair<double, double>> all_subs;
    for (const auto& [name, rows] : by_sub) {
      report.by_sub_category.push_back(metrics_for(name, rows, records, report.correct));
      const StarCell& sub = report.by_sub_category.back();
      document["By Sub-category"][name] = cell_json(sub, false);
      const auto pair = std::make_pair(two_decimals(sub.aa), two_decimals(sub.acr));
      per_category[records[rows.front()].category].push_back(pair);
      all_subs.push_back(pair);
    }
    auto macro = [&](const std::string& name, const std::vector<std::pair<double, double>>& subs,
                     const std::vector<size_t>& rows) {
      StarCell result = metrics_for(name, rows, records, report.correct);
      double aa = 0, acr = 0;
      for (const auto& [a, c] : subs) {
        aa += a;
        acr += c;
      }
      result.aa = subs.empty() ? 0.0 : aa / double(subs.size());
      result.acr = subs.empty() ? 0.0 : acr / double(subs.size());
      result.n_subcategories = static_cast<int64_t>(subs.size());
      return result;
    };
    for (const auto& [name, subs] : per_category) {
      report.by_category.push_back(macro(name, subs, by_category[name]));
      document["By Category"][name] = cell_json(report.by_category.back(), true);
    }
    report.total = macro("Total", all_subs, all);
    document["Total"] = cell_json(report.total, true);
  }
  report.performance_json = document.dump(4);
  return report;
}

}  // namespace almkit::bench
