// VoiceBench (`--bench voicebench`): spoken instructions answered as a voice assistant would, each
// subset scored by the evaluator VoiceBench's README names for it (voicebench_rules.h). The model
// hears the instruction only, as VoiceBench's main.py sends `generate_audio(item['audio'])`.
#include "almkit/error.h"
#include "bench/benchmarks/benchmark.h"
#include "bench/benchmarks/voicebench/voicebench_rules.h"
#include "bench/datasets/record_file.h"
#include "bench/python_text.h"
#include "bench/runner/report.h"

namespace almkit::bench {
namespace {

using ojson = nlohmann::ordered_json;

// Rows: the HF dataset's fields (prompt, reference where the subset has one, id where it has
// one, others kept) with `subset` (the dataset config) and `audio` (the exported clip's path).
std::vector<BenchItem> load_voicebench(const std::string& path, const LoadOptions& load) {
  std::vector<BenchItem> items;
  size_t index = 0;
  for (const auto& record : read_any_records(path)) {
    BenchItem item;
    item.source = record.where;
    item.task = record_string(record, "subset", true);
    if (voicebench_evaluator(item.task).empty())
      throw Error(ErrorCode::kInvalidFormat,
                  record.where + ": subset '" + item.task + "' is not a VoiceBench subset");
    item.id = record.value.contains("id") ? record_string(record, "id", true)
                                          : item.task + "-" + std::to_string(index);
    ++index;
    for (const auto& clip : record_string_list(record, "audio", true))
      item.audio_paths.push_back(resolve_audio(load.audio_root, clip));
    item.transcript = record_string(record, "prompt", true);  // what the speaker says
    item.answer = record_string(record, "reference", false);
    item.category = record_string(record, "split", false);
    item.metadata_json =
        remaining_metadata(record.value, {"id", "subset", "audio", "prompt", "reference", "split"});
    items.push_back(std::move(item));
  }
  validate_items(items, false);
  return items;
}

std::vector<VoicebenchRow> rows_of(const std::vector<const ojson*>& records) {
  std::vector<VoicebenchRow> rows;
  for (const ojson* record : records)
    rows.push_back({(*record)["id"], record->value("task", ""), "", record->value("answer", ""),
                    record->value("response", "")});
  return rows;
}

std::string subsets_table(const ojson& figures) {
  std::string md = "| subset | evaluator | rows | figure |\n|---|---|---|---|\n";
  for (const auto& [name, f] : figures["subsets"].items()) {
    std::string value;
    if (f["evaluator"] == "mcq" || f["evaluator"] == "bbh") {
      char text[160];
      std::snprintf(text, sizeof(text),
                    "acc %.2f (official rule, seed %llu), fail %.2f, acc %.2f "
                    "(unparsed wrong)",
                    f["acc"].get<double>(),
                    static_cast<unsigned long long>(f["random_seed"].get<uint64_t>()),
                    f["fail"].get<double>(), f["acc_deterministic"].get<double>());
      value = text;
    } else if (f["evaluator"] == "harm") {
      value = "refusal_rate " + std::to_string(f["refusal_rate"].get<double>());
    } else if (f["evaluator"] == "ifeval") {
      char text[200];
      std::snprintf(text, sizeof(text),
                    "final %.4f (strict prompt %.4f, instruction %.4f; loose prompt %.4f, "
                    "instruction %.4f)",
                    f["final"].get<double>(), f["strict-prompt"].get<double>(),
                    f["strict-instruction"].get<double>(), f["loose-prompt"].get<double>(),
                    f["loose-instruction"].get<double>());
      value = text;
    } else {
      value = "`almkit judge --protocol " + f["judge_protocol"].get<std::string>() + "`";
    }
    md += "| " + name + " | " + f["evaluator"].get<std::string>() + " | " +
          std::to_string(f["rows"].get<int64_t>()) + " | " + value + " |\n";
  }
  return md;
}

class VoicebenchBenchmark : public Benchmark {
 public:
  std::string name() const override { return "voicebench"; }
  std::string description() const override {
    return "VoiceBench rows (subset, audio, prompt, reference): its evaluators per subset";
  }
  std::vector<BenchItem> load_items(const EvalOptions& options,
                                    const LoadOptions& load) const override {
    return limited_items(load_voicebench(options.data_path, load), options);
  }
  // The spoken instruction alone (with --modality text: its transcript).
  PromptTemplate default_prompt(const std::string&) const override {
    return {"voicebench-generate", "{audio}"};
  }
  // mcq: the extracted letter (unparsed is wrong here; summary.json has the official random
  // rule); advbench: correct when the reply is safe; judged subsets: exact match until judged.
  ParsedAnswer parse_answer(const EvalOptions& options, const BenchItem& item,
                            const std::vector<std::string>& shown_choices, int answer_position,
                            const std::string& response) const override {
    const std::string evaluator = voicebench_evaluator(item.task);
    ParsedAnswer out;
    if (evaluator == "mcq") {
      out.parsed = voicebench_mcq_letter(response);
      out.correct = !out.parsed.empty() && out.parsed == item.answer;
    } else if (evaluator == "bbh") {
      const int answer = voicebench_bbh_answer(item.id, response);
      out.parsed = answer < 0 ? "" : answer == 1 ? "1" : "0";
      const std::string reference = python_lower(item.answer);
      out.correct = answer >= 0 && answer == (reference == "yes" || reference == "(b)" ? 1 : 0);
    } else if (evaluator == "harm") {
      out.correct = voicebench_refuses(response);
      out.parsed = out.correct ? "safe" : "unsafe";
    } else {
      return Benchmark::parse_answer(options, item, shown_choices, answer_position, response);
    }
    return out;
  }
  void describe_run(const EvalOptions& options, ojson& run) const override {
    run["scoring"] = {{"voicebench_random_seed", options.seed}};
  }
  void summarize(const ojson& run, const SummaryRecords& records, ojson& summary) const override {
    std::vector<const ojson*> scorable;
    for (const ojson* record : records.open_items) {
      const std::string evaluator = voicebench_evaluator(record->value("task", ""));
      if (evaluator != "ifeval") scorable.push_back(record);
    }
    if (scorable.empty()) return;
    summary["official"]["voicebench"] =
        score_voicebench(rows_of(scorable), run.value("seed", uint64_t(0))).summary;
  }
  std::string report_markdown(const ojson& summary) const override {
    if (!summary["official"].contains("voicebench")) return "";
    return "## VoiceBench evaluators\n\n" + subsets_table(summary["official"]["voicebench"]) + "\n";
  }
  std::string report_html(const ojson& summary) const override {
    if (!summary["official"].contains("voicebench")) return "";
    return "<h2>VoiceBench evaluators</h2><pre>" +
           html_escape(subsets_table(summary["official"]["voicebench"])) + "</pre>";
  }
  // Rows as VoiceBench writes them (one JSON object per line) plus `subset`; ifeval rows keep
  // its `key`, `instruction_id_list` and `kwargs`.
  bool score_file(const std::string& input_path, uint64_t seed, ojson& summary,
                  std::vector<ojson>& items) const override {
    std::vector<VoicebenchRow> rows;
    size_t index = 0;
    for (const auto& record : read_any_records(input_path)) {
      VoicebenchRow row;
      row.subset = record_string(record, "subset", true);
      row.id = record.value.contains("id") ? record_string(record, "id", true)
                                           : row.subset + "-" + std::to_string(index);
      ++index;
      row.prompt = record_string(record, "prompt", false);
      row.reference = record_string(record, "reference", false);
      row.response = record_string(record, "response", true);
      if (voicebench_evaluator(row.subset) == "ifeval") {  // IFEval's fields, checked when scored
        row.prompt = record_string(record, "prompt", true);
        row.key = record.value.value("key", nlohmann::json());
        row.instruction_id_list = record.value.value("instruction_id_list", nlohmann::json());
        row.kwargs = record.value.value("kwargs", nlohmann::json());
        row.where = record.where;
      }
      rows.push_back(std::move(row));
    }
    auto scores = score_voicebench(rows, seed);
    summary = std::move(scores.summary);
    items = std::move(scores.items);
    return true;
  }
};

}  // namespace

std::unique_ptr<Benchmark> make_voicebench_benchmark() {
  return std::make_unique<VoicebenchBenchmark>();
}

}  // namespace almkit::bench
