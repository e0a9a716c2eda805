// Speech recognition (`--bench asr`): open items with a reference transcript, asked "Transcribe
// ..." unless the row has its own instruction; scored with jiwer's corpus WER and CER after
// Whisper's English normaliser (--normalizer), as published ASR numbers are.
#include <map>

#include "almkit/error.h"
#include "almkit/text_metrics.h"
#include "bench/benchmarks/benchmark.h"
#include "bench/benchmarks/open_answer.h"
#include "bench/runner/baselines.h"
#include "bench/runner/report.h"

namespace almkit::bench {
namespace {

using ojson = nlohmann::ordered_json;

const char* kAsrQuestion = "Transcribe the speech in this audio. Answer with the transcript only.";

std::string normalizer_name(const EvalOptions& options) {
  return options.normalizer.empty() ? "whisper-en" : options.normalizer;
}

// WER / CER of one group of records, references and responses normalised.
ojson asr_figures(const std::vector<const ojson*>& records, TextNormalizer normalizer) {
  std::vector<std::string> references, hypotheses;
  int64_t exact = 0;
  for (const ojson* record : records) {
    references.push_back(normalize_text((*record)["answer"].get<std::string>(), normalizer));
    hypotheses.push_back(normalize_text(record->value("response", ""), normalizer));
    exact += references.back() == hypotheses.back();
  }
  const int64_t n = static_cast<int64_t>(records.size());
  return {{"items", n},
          {"exact_match", accuracy_cell_json("exact match", exact, n)},
          {"wer", error_rate_json(word_error_rate(references, hypotheses))},
          {"cer", error_rate_json(character_error_rate(references, hypotheses))}};
}

class AsrBenchmark : public Benchmark {
 public:
  std::string name() const override { return "asr"; }
  std::string description() const override {
    return "speech recognition rows (id, audio, reference): WER / CER, whisper-en normalised";
  }
  std::vector<BenchItem> load_items(const EvalOptions& options,
                                    const LoadOptions& load) const override {
    return limited_items(load_open_answer_items(options.data_path, load, kAsrQuestion), options);
  }
  void check_options(const EvalOptions& options) const override {
    Benchmark::check_options(options);
    text_normalizer_from_name(normalizer_name(options));  // throws for an unknown name
  }
  PromptTemplate default_prompt(const std::string&) const override {
    return {"asr-generate", "{question}"};
  }
  void describe_run(const EvalOptions& options, ojson& run) const override {
    run["scoring"] = {{"normalizer", normalizer_name(options)}};
  }
  void summarize(const ojson& run, const SummaryRecords& records, ojson& summary) const override {
    if (records.open_items.empty()) return;
    const std::string name = run.contains("scoring")
                                 ? run["scoring"].value("normalizer", "whisper-en")
                                 : std::string("whisper-en");
    const TextNormalizer normalizer = text_normalizer_from_name(name);
    ojson open = asr_figures(records.open_items, normalizer);
    open["normalizer"] = name;
    open["metric_reference"] = "jiwer 4 corpus rates (errors summed over items)";
    std::map<std::string, std::vector<const ojson*>> by_task;
    std::vector<std::string> tasks;
    for (const ojson* record : records.open_items) {
      const std::string task = record->value("task", "");
      if (task.empty()) continue;
      if (!by_task.count(task)) tasks.push_back(task);
      by_task[task].push_back(record);
    }
    ojson groups = ojson::array();
    for (const auto& task : tasks) {
      ojson cell = asr_figures(by_task[task], normalizer);
      cell["name"] = task;
      groups.push_back(cell);
    }
    open["by_task"] = groups;
    summary["open_items"] = open;
  }
  std::string report_markdown(const ojson& summary) const override {
    if (!summary.contains("open_items") || !summary["open_items"].contains("normalizer")) return "";
    const ojson& open = summary["open_items"];
    std::string md = "## Speech recognition (normaliser " + open["normalizer"].get<std::string>() +
                     ")\n\n| group | items | WER | CER | S | D | I | reference words |\n"
                     "|---|---|---|---|---|---|---|---|\n";
    auto row = [&](const std::string& name, const ojson& cell) {
      const ojson& wer = cell["wer"];
      md += "| " + name + " | " + cell["items"].dump() + " | " +
            format_percent(wer["rate"].get<double>(), 2) + " | " +
            format_percent(cell["cer"]["rate"].get<double>(), 2) + " | " +
            wer["substitutions"].dump() + " | " + wer["deletions"].dump() + " | " +
            wer["insertions"].dump() + " | " + wer["reference_length"].dump() + " |\n";
    };
    row("all", open);
    for (const auto& cell : open["by_task"]) row(cell["name"].get<std::string>(), cell);
    return md + "\n";
  }
  std::string report_html(const ojson& summary) const override {
    const std::string md = report_markdown(summary);
    return md.empty() ? "" : "<h2>Speech recognition</h2><pre>" + html_escape(md) + "</pre>";
  }
};

}  // namespace

std::unique_ptr<Benchmark> make_asr_benchmark() {
  return std::make_unique<AsrBenchmark>();
}

}  // namespace almkit::bench
