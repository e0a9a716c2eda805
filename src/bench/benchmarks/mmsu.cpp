// MMSU (`--bench mmsu`, dingdongwang/MMSU 217d1d3): the HF dataset's rows (exported with each
// clip's path), mmsu_inference.py's prompt, and mmsu_evaluation.py's rule and printout: the
// AIR-Bench letter rule (letter_rule.h); a reply in neither form is left out of every count, an
// empty one or "None" counts wrong; accuracy per (category, sub-category), per category and
// overall, printed with four decimals. `almkit score --bench mmsu` reads its output JSONL.
#include <algorithm>
#include <map>

#include "almkit/error.h"
#include "bench/benchmarks/benchmark.h"
#include "bench/benchmarks/letter_rule.h"
#include "bench/datasets/record_file.h"
#include "bench/python_text.h"
#include "bench/runner/report.h"

namespace almkit::bench {
namespace {

using ojson = nlohmann::ordered_json;

// mmsu_inference.py's instruction (a missing choice prints as None, as for AIR-Bench).
const char* kMmsuPrompt =
    "Choose the most suitable answer from options A, B, C, and D. You must respond with only A, B, "
    "C, or D.\n\nQuestion: {question}\n\n{choices_lettered_abcd}";

struct MmsuAnswer {
  std::string category, sub_category, response, answer;
  std::vector<std::string> choices;  // A-D as the row has them ("" where missing)
};

// mmsu_evaluation.py's figures: skipped replies, then counts in first-seen order.
ojson mmsu_figures(const std::vector<MmsuAnswer>& answers) {
  std::vector<std::string> categories;
  std::map<std::string, std::vector<std::string>> sub_order;
  std::map<std::pair<std::string, std::string>, std::pair<int64_t, int64_t>> counts;
  int64_t correct = 0, total = 0, skipped = 0;
  for (const auto& a : answers) {
    const std::string text = python_strip(a.response);
    const std::string letter = first_or_penultimate_letter(a.response);
    std::string joined;
    for (char c : text)
      if (c != '\n') joined += c;
    if (letter.empty() && !joined.empty() && joined != "None") {
      ++skipped;  // "Wrong format response": not counted at all
      continue;
    }
    if (std::find(categories.begin(), categories.end(), a.category) == categories.end())
      categories.push_back(a.category);
    auto& subs = sub_order[a.category];
    if (std::find(subs.begin(), subs.end(), a.sub_category) == subs.end())
      subs.push_back(a.sub_category);
    auto& [right, count] = counts[{a.category, a.sub_category}];
    const bool is_correct = !letter.empty() && a.choices[size_t(letter[0] - 'A')] == a.answer;
    right += is_correct;
    correct += is_correct;
    ++count;
    ++total;
  }
  char line[512];
  std::string printout;
  ojson by_sub = ojson::array(), by_category = ojson::array();
  for (const auto& category : categories) {
    for (const auto& sub : sub_order[category]) {
      const auto [right, count] = counts[{category, sub}];
      const double accuracy = double(right) / double(count);
      std::snprintf(line, sizeof(line), "Category: %s, Sub-category: %s, Accuracy: %.4f\n",
                    category.c_str(), sub.c_str(), accuracy);
      printout += line;
      by_sub.push_back({{"category", category},
                        {"sub_category", sub},
                        {"correct", right},
                        {"total", count},
                        {"accuracy", accuracy}});
    }
  }
  for (const auto& category : categories) {
    int64_t right = 0, count = 0;
    for (const auto& sub : sub_order[category]) {
      right += counts[{category, sub}].first;
      count += counts[{category, sub}].second;
    }
    std::snprintf(line, sizeof(line), "Category: %s, Average Accuracy: %.4f\n", category.c_str(),
                  double(right) / double(count));
    printout += line;
    by_category.push_back({{"category", category},
                           {"correct", right},
                           {"total", count},
                           {"accuracy", double(right) / double(count)}});
  }
  const double overall = total ? double(correct) / double(total) : 0.0;
  std::snprintf(line, sizeof(line), "Overall Accuracy: %.4f\nTotal count: %lld\n", overall,
                static_cast<long long>(total));
  printout += line;
  return {{"overall_accuracy", overall},     {"total_count", total},
          {"skipped_wrong_format", skipped}, {"by_sub_category", by_sub},
          {"by_category", by_category},      {"printout", printout}};
}

std::vector<BenchItem> load_mmsu(const std::string& path, const LoadOptions& load) {
  std::vector<BenchItem> items;
  for (const auto& record : read_any_records(path)) {
    BenchItem item;
    item.source = record.where;
    item.id = record_string(record, "id", true);
    std::string clip = record_string(record, "audio", false);
    if (clip.empty()) clip = record_string(record, "audio_path", true);
    item.audio_paths.push_back(resolve_audio(load.audio_root, clip));
    item.question = record_string(record, "question", true);
    for (const auto& choice : abcd_choice_fields(record))
      if (!choice.empty()) item.choices.push_back(choice);
    item.answer = record_string(record, "answer_gt", true);
    item.task = record_string(record, "task_name", false);
    item.category = record_string(record, "category", false);
    item.sub_category = record_string(record, "sub-category", false);
    item.metadata_json = remaining_metadata(
        record.value, {"id", "audio", "audio_path", "question", "choice_a", "choice_b", "choice_c",
                       "choice_d", "answer_gt", "task_name", "category", "sub-category"});
    items.push_back(std::move(item));
  }
  validate_items(items, true);
  return items;
}

class MmsuBenchmark : public Benchmark {
 public:
  std::string name() const override { return "mmsu"; }
  std::string description() const override {
    return "MMSU rows (HF fields + audio path), mmsu_evaluation.py's rule and printout";
  }
  std::vector<BenchItem> load_items(const EvalOptions& options,
                                    const LoadOptions& load) const override {
    return limited_items(load_mmsu(options.data_path, load), options);
  }
  PromptTemplate default_prompt(const std::string& mode) const override {
    if (mode == "loglik") return Benchmark::default_prompt(mode);
    return {"mmsu-generate", kMmsuPrompt};
  }
  ParsedAnswer parse_answer(const EvalOptions&, const BenchItem&,
                            const std::vector<std::string>& shown_choices, int answer_position,
                            const std::string& response) const override {
    return parse_by_letter_rule(shown_choices, answer_position, response);
  }
  void summarize(const ojson&, const SummaryRecords& records, ojson& summary) const override {
    if (records.first_audio.empty()) return;
    std::vector<MmsuAnswer> answers;
    for (const ojson* record : records.first_audio) {
      MmsuAnswer a{record->value("category", ""), record->value("sub_category", ""),
                   record->value("response", ""), (*record)["answer"],
                   (*record)["choices"].get<std::vector<std::string>>()};
      a.choices.resize(4);
      answers.push_back(std::move(a));
    }
    summary["official"]["mmsu"] = mmsu_figures(answers);
  }
  std::string report_markdown(const ojson& summary) const override {
    if (!summary["official"].contains("mmsu")) return "";
    return "## MMSU (mmsu_evaluation.py's printout)\n\n```\n" +
           summary["official"]["mmsu"]["printout"].get<std::string>() + "```\n\n";
  }
  std::string report_html(const ojson& summary) const override {
    if (!summary["official"].contains("mmsu")) return "";
    return "<h2>MMSU</h2><pre>" + html_escape(summary["official"]["mmsu"]["printout"]) + "</pre>";
  }
  // mmsu_inference.py's output JSONL.
  bool score_file(const std::string& input_path, uint64_t, ojson& summary,
                  std::vector<ojson>& items) const override {
    std::vector<MmsuAnswer> answers;
    for (const auto& record : read_any_records(input_path)) {
      const auto response = record.value.find("response");
      if (response == record.value.end() || !response->is_string())
        continue;  // "Error prediction!"
      MmsuAnswer a{record_string(record, "category", false),
                   record_string(record, "sub-category", false), response->get<std::string>(),
                   record_string(record, "answer_gt", false), abcd_choice_fields(record)};
      const std::string letter = first_or_penultimate_letter(a.response);
      items.push_back(
          {{"id", record_string(record, "id", false)},
           {"letter", letter.empty() ? ojson(nullptr) : ojson(letter)},
           {"correct", !letter.empty() && a.choices[size_t(letter[0] - 'A')] == a.answer}});
      answers.push_back(std::move(a));
    }
    summary = {{"benchmark", "mmsu"}, {"figures", mmsu_figures(answers)}};
    return true;
  }
};

}  // namespace

std::unique_ptr<Benchmark> make_mmsu_benchmark() {
  return std::make_unique<MmsuBenchmark>();
}

}  // namespace almkit::bench
