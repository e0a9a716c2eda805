// VoiceBench (`--bench voicebench`): spoken instructions answered as a voice assistant would, each
// subset scored by the evaluator VoiceBench's README names for it (voicebench_rules.h). The model
// hears the instruction only, as VoiceBench's main.py sends `generate_audio(item['audio'])`.
#include <map>

#include "almkit/error.h"
#include "bench/benchmarks/benchmark.h"
#include "bench/benchmarks/voicebench/ifeval_score.h"
#include "bench/benchmarks/voicebench/voicebench_rules.h"
#include "bench/datasets/record_file.h"
#include "bench/python_text.h"
#include "bench/runner/report.h"

namespace almkit::bench {
namespace {

using ojson = nlohmann::ordered_json;

// Rows: the HF dataset's fields (prompt, reference where the subset has one, id where it has
// one, others kept) with `subset` (the dataset config) and `audio` (the exported clip's path).
// ifeval rows also carry the dataset's `key`, `instruction_id_list` and `kwargs` (one object per
// instruction), kept in the item's metadata.
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
    if (voicebench_evaluator(item.task) == "ifeval")  // refused here, before any model call
      parse_ifeval_fields(record.value.value("instruction_id_list", nlohmann::json()),
                          record.value.value("kwargs", nlohmann::json()), record.where);
    items.push_back(std::move(item));
  }
  validate_items(items, false);
  return items;
}

// A row of `almkit score`'s input or of the benchmark file: ifeval rows keep VoiceBench's
// `key`, `instruction_id_list` and `kwargs` (checked when scored) and their place for errors.
VoicebenchRow row_of(const SourceRecord& record, size_t index, bool response_required) {
  VoicebenchRow row;
  row.subset = record_string(record, "subset", true);
  row.id = record.value.contains("id") ? record_string(record, "id", true)
                                       : row.subset + "-" + std::to_string(index);
  row.prompt = record_string(record, "prompt", false);
  row.reference = record_string(record, "reference", false);
  row.response = record_string(record, "response", response_required);
  if (voicebench_evaluator(row.subset) == "ifeval") {
    row.prompt = record_string(record, "prompt", true);  // IFEvaluator pairs responses by prompt
    row.key = record.value.value("key", nlohmann::json());
    row.instruction_id_list = record.value.value("instruction_id_list", nlohmann::json());
    row.kwargs = record.value.value("kwargs", nlohmann::json());
    row.where = record.where;
  }
  return row;
}

// The run's ifeval answers as rows, their instructions read again from the run's data file.
std::vector<VoicebenchRow> ifeval_rows_of(const ojson& run,
                                          const std::vector<const ojson*>& records) {
  const std::string data_path = run.value("data_path", "");
  std::map<std::string, VoicebenchRow> by_id;
  size_t index = 0;
  for (const auto& record : read_any_records(data_path)) {
    VoicebenchRow row = row_of(record, index++, false);
    if (voicebench_evaluator(row.subset) == "ifeval") by_id[row.id] = std::move(row);
  }
  std::vector<VoicebenchRow> rows;
  for (const ojson* record : records) {
    const auto found = by_id.find((*record)["id"].get<std::string>());
    if (found == by_id.end())
      throw Error(ErrorCode::kNotFound, "voicebench: ifeval item '" +
                                            (*record)["id"].get<std::string>() + "' is not in " +
                                            data_path);
    rows.push_back(found->second);
    rows.back().response = record->value("response", "");
  }
  return rows;
}

std::vector<VoicebenchRow> rows_of(const std::vector<const ojson*>& records) {
  std::vector<VoicebenchRow> rows;
  for (const ojson* record : records) {
    VoicebenchRow row;
    row.id = (*record)["id"];
    row.subset = record->value("task", "");
    row.reference = record->value("answer", "");
    row.response = record->value("response", "");
    rows.push_back(std::move(row));
  }
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
  // rule); advbench: correct when the reply is safe; ifeval: every instruction followed
  // (strict; summary.json has all four figures); judged subsets: exact match until judged.
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
    } else if (evaluator == "ifeval") {  // every instruction followed (the strict rule)
      const auto metadata = nlohmann::json::parse(item.metadata_json);
      const auto instructions =
          parse_ifeval_fields(metadata.value("instruction_id_list", nlohmann::json()),
                              metadata.value("kwargs", nlohmann::json()), item.source);
      size_t followed = 0;
      for (const auto& instruction : instructions)
        followed +=
            !python_strip(response).empty() && ifeval_follows(instruction, response, options.seed);
      out.correct = followed == instructions.size();
      out.parsed = "strict " + std::to_string(followed) + "/" + std::to_string(instructions.size());
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
    std::vector<const ojson*> scorable, ifeval;
    for (const ojson* record : records.open_items) {
      const std::string evaluator = voicebench_evaluator(record->value("task", ""));
      (evaluator == "ifeval" ? ifeval : scorable).push_back(record);
    }
    if (scorable.empty() && ifeval.empty()) return;
    std::vector<VoicebenchRow> rows = rows_of(scorable);
    if (!ifeval.empty()) {
      for (auto& row : ifeval_rows_of(run, ifeval)) rows.push_back(std::move(row));
    }
    summary["official"]["voicebench"] =
        score_voicebench(rows, run.value("seed", uint64_t(0))).summary;
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
    for (const auto& record : read_any_records(input_path))
      rows.push_back(row_of(record, index++, true));
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
