// MMAU-Pro (`--bench mmau-pro`, gamma-lab-umd/MMAU-Pro; scoring: sonalkum/MMAUPro bf12804): the
// test set's rows (test.parquet exported to JSON / JSONL: id, audio_path as a list of clips,
// question, choices, answer, category, ...), each item's clips given to the model in order. The
// prompt is NeMo-Skills' formatting of the set (the authors publish none): the question, then
// for two or more choices a blank line and "A. ..." lines. Scoring is mmau_pro_scoring.h's: the
// run's own rule decides only responses identical to an option (the official embedding match
// needs NV-Embed-v2: `almkit score --bench mmau-pro --input RUN/results.jsonl --embed-endpoint`);
// open items go to `almkit judge --protocol mmau-pro-open`; instruction-following items are
// checked by mmau_pro_aif.h (the run's own rule too).
#include <map>

#include "almkit/error.h"
#include "bench/benchmarks/benchmark.h"
#include "bench/benchmarks/mmau_pro_aif.h"
#include "bench/benchmarks/mmau_pro_scoring.h"
#include "bench/datasets/record_file.h"
#include "bench/runner/report.h"

namespace almkit::bench {
namespace {

using ojson = nlohmann::ordered_json;

// NVIDIA/NeMo-Skills nemo_skills/dataset/mmau-pro/prepare.py format_entry
// (391ea4fbefd6219e93833dd814c3a93fafb81f15).
const char* kMmauProPrompt = "{question}{choices_block}";

std::vector<BenchItem> load_mmau_pro(const std::string& path, const LoadOptions& load) {
  std::vector<BenchItem> items;
  for (const auto& record : read_any_records(path)) {
    BenchItem item;
    item.source = record.where;
    const auto id = record.value.find("id");
    if (id == record.value.end() || id->is_null())
      throw Error(ErrorCode::kInvalidFormat, record.where + ": required field 'id' is missing");
    item.id = id->is_string() ? id->get<std::string>() : id->dump();
    for (const auto& clip : record_string_list(record, "audio_path", true))
      item.audio_paths.push_back(resolve_audio(load.audio_root, clip));
    if (item.audio_paths.empty())
      throw Error(ErrorCode::kInvalidFormat, record.where + ": 'audio_path' lists no clip");
    item.question = record_string(record, "question", true);
    item.category = record_string(record, "category", true);
    item.answer = record_string(record, "answer", true);
    // Open and instruction-following rows are asked without options.
    if (item.category != "open" && item.category != "instruction following")
      item.choices = record_string_list(record, "choices", false);
    item.task = item.category;
    item.sub_category = record_string(record, "sub-category", false);
    item.metadata_json = remaining_metadata(
        record.value,
        {"id", "audio_path", "question", "choices", "answer", "category", "sub-category"});
    items.push_back(std::move(item));
  }
  validate_items(items, false);
  return items;
}

class MmauProBenchmark : public Benchmark {
 public:
  std::string name() const override { return "mmau-pro"; }
  std::string description() const override {
    return "MMAU-Pro test rows as JSON/JSONL (multi-audio); NV-Embed matching via almkit score";
  }
  std::vector<BenchItem> load_items(const EvalOptions& options,
                                    const LoadOptions& load) const override {
    return limited_items(load_mmau_pro(options.data_path, load), options);
  }
  PromptTemplate default_prompt(const std::string& mode) const override {
    if (mode == "loglik") return Benchmark::default_prompt(mode);
    return {"mmau-pro-generate", kMmauProPrompt};
  }
  ParsedAnswer parse_answer(const EvalOptions& options, const BenchItem& item,
                            const std::vector<std::string>& shown_choices, int answer_position,
                            const std::string& response) const override {
    if (item.category == "instruction following") {  // its checker: followed or not
      const auto metadata = nlohmann::json::parse(item.metadata_json);
      ParsedAnswer out;
      out.correct = mmau_pro_aif_check(response, metadata.value("task_identifier", ""),
                                       metadata.value("kwargs", nlohmann::json()), item.question)
                        .verdict == AifVerdict::kFollowed;
      out.parsed = out.correct ? "followed" : "";
      return out;
    }
    if (shown_choices.size() <= 1)
      return Benchmark::parse_answer(options, item, shown_choices, answer_position, response);
    ParsedAnswer out;
    const MmauProMatch match = mmau_pro_match(response, shown_choices, nullptr);
    if (match.choice >= 0) {
      out.parsed = shown_choices[size_t(match.choice)];
      out.chosen_position = match.choice;
    }
    out.correct = out.chosen_position >= 0 && out.parsed == item.answer;
    return out;
  }
  void summarize(const ojson& run, const SummaryRecords& records, ojson& summary) const override {
    // The instruction-following checkers read the row's question, task_identifier and kwargs.
    std::map<std::string, BenchItem> by_id;
    try {
      for (auto& item : load_mmau_pro(run.value("data_path", ""), LoadOptions{}))
        by_id[item.id] = std::move(item);
    } catch (const std::exception&) {
    }
    std::vector<SourceRecord> rows;
    for (const auto* list : {&records.first_audio, &records.open_items})
      for (const ojson* record : *list) {
        SourceRecord row;
        row.value = nlohmann::json::parse(record->dump());
        const auto found = by_id.find(record->value("id", ""));
        if (found != by_id.end() && found->second.category == "instruction following") {
          const auto metadata = nlohmann::json::parse(found->second.metadata_json);
          row.value["question"] = found->second.question;
          for (const char* key : {"task_identifier", "kwargs"})
            if (metadata.contains(key)) row.value[key] = metadata[key];
        }
        row.where = "results.jsonl: " + record->value("id", "");
        rows.push_back(std::move(row));
      }
    if (rows.empty()) return;
    ojson official;
    std::vector<ojson> lines;
    score_mmau_pro_records(rows, "response", nullptr, official, lines);
    summary["official"]["mmau_pro"] = official;
  }
  std::string report_markdown(const ojson& summary) const override {
    if (!summary["official"].contains("mmau_pro")) return "";
    return "## MMAU-Pro (official closed-ended rule; undecided answers need "
           "`almkit score --bench mmau-pro --embed-endpoint`)\n\n```json\n" +
           summary["official"]["mmau_pro"].dump(2) + "\n```\n\n";
  }
  std::string report_html(const ojson& summary) const override {
    if (!summary["official"].contains("mmau_pro")) return "";
    return "<h2>MMAU-Pro (official closed-ended rule)</h2><pre>" +
           html_escape(summary["official"]["mmau_pro"].dump(2)) + "</pre>";
  }
  bool score_file(const std::string& input_path, uint64_t, ojson& summary,
                  std::vector<ojson>& items) const override {
    score_mmau_pro_file(input_path, "", nullptr, summary, items);
    return true;
  }
};

}  // namespace

std::unique_ptr<Benchmark> make_mmau_pro_benchmark() {
  return std::make_unique<MmauProBenchmark>();
}

}  // namespace almkit::bench
