// MUSE (the built-in manifest of its 200 trials): almkit's one-question prompt scored by the
// canonical answer as the official runners find it, or, with --protocol muse-sysinst|muse-cot,
// the runners' own multi-turn chats (muse_protocol.h), one unit per (group, seed).
#include "almkit/bench_scoring.h"
#include "bench/benchmarks/benchmark.h"
#include "bench/benchmarks/muse/muse_protocol.h"
#include "bench/runner/hashing.h"
#include "bench/runner/report.h"
#include "bench/runner/unit.h"

namespace almkit::bench {

ParsedAnswer parse_muse_answer(const BenchItem& item, const std::vector<std::string>& shown_choices,
                               const std::string& response) {
  ParsedAnswer out;
  out.parsed = muse_parse_final_answer(item.task, response);
  for (int j = 0; j < int(shown_choices.size()); ++j) {
    if (!out.parsed.empty() && shown_choices[size_t(j)] == out.parsed) out.chosen_position = j;
  }
  out.correct = !out.parsed.empty() && out.parsed == item.answer;
  return out;
}

namespace {

using ojson = nlohmann::ordered_json;

const char* kMusePromptText = "{question}\nAnswer with exactly one of: {choices_joined}.";

class MuseProtocolRun : public RunProtocol {
 public:
  MuseProtocolRun(const EvalOptions& options, const std::vector<BenchItem>& items)
      : protocol_(options.protocol),
        seeds_(options.seeds),
        run_(prepare_muse_run(options, items)) {}

  std::vector<UnitPlan> plan_units(const EvalOptions& options, const std::vector<BenchItem>& items,
                                   const std::string& model_hash) const override {
    return muse_unit_plans(run_, options, items, model_hash);
  }
  // A protocol run answers differently from a plain one of the same settings.
  void describe(ojson& run) const override {
    run["protocol"] = protocol_;
    run["seeds"] = seeds_;
    run["run_id"] = sha256_hex(run["run_id"].get<std::string>() + "|" + protocol_ + "|" +
                               std::to_string(seeds_));
  }
  ojson run_unit(const UnitContext& context, const UnitPlan& plan) const override {
    return run_muse_sequence(context, run_, plan);
  }
  // A sequence is one unit; results.jsonl has one line per trial.
  void append_records(const ojson& sequence, bool from_cache,
                      std::vector<ojson>& records) const override {
    for (ojson trial : sequence["trials"]) {
      trial["unit"] = static_cast<int64_t>(records.size());
      trial["from_cache"] = from_cache;
      trial["confirmation"] = sequence["confirmation"];
      records.push_back(std::move(trial));
    }
  }

 private:
  std::string protocol_;
  int seeds_;
  MuseRun run_;
};

// Accuracy per seed, then mean +- sd across seeds, overall and per task.
std::string muse_protocol_markdown(const ojson& protocol) {
  auto mean_sd = [](const ojson& figures) {
    std::string text = format_percent(figures["mean"].get<double>());
    if (!figures["sd"].is_null()) text += " ± " + format_percent(figures["sd"].get<double>());
    return text;
  };
  std::string md = "## MUSE protocol (" + protocol.value("protocol", "") + ")\n\n";
  md += "| | ";
  for (const auto& seed : protocol["per_seed"]) md += "seed " + seed["seed"].dump() + " | ";
  md += "mean ± sd |\n|---|";
  for (size_t i = 0; i < protocol["per_seed"].size(); ++i) md += "---|";
  md += "---|\n";
  auto row = [&](const std::string& name, const ojson& figures) {
    md += "| " + name + " | ";
    for (const auto& seed : figures["per_seed"])
      md += format_percent(seed["accuracy"].get<double>()) + " | ";
    md += mean_sd(figures) + " |\n";
  };
  row("all", protocol);
  for (const auto& [task, figures] : protocol["by_task"].items()) row(task, figures);
  return md + "\n";
}

class MuseBenchmark : public Benchmark {
 public:
  std::string name() const override { return "muse"; }
  std::string description() const override {
    return "MUSE (built-in manifest), the runners' answer parse; --protocol muse-sysinst|muse-cot";
  }
  bool needs_data_file() const override { return false; }
  std::string data_hash(const EvalOptions& options) const override {
    return options.data_path.empty() ? sha256_hex("almkit built-in MUSE manifest")
                                     : Benchmark::data_hash(options);
  }
  std::vector<BenchItem> load_items(const EvalOptions& options,
                                    const LoadOptions& load) const override {
    return limited_items(load_muse(load), options);
  }
  PromptTemplate default_prompt(const std::string& mode) const override {
    if (mode == "loglik") return Benchmark::default_prompt(mode);
    return {"muse-generate", kMusePromptText};
  }
  ParsedAnswer parse_answer(const EvalOptions& options, const BenchItem& item,
                            const std::vector<std::string>& shown_choices, int answer_position,
                            const std::string& response) const override {
    if (shown_choices.empty())
      return Benchmark::parse_answer(options, item, shown_choices, answer_position, response);
    return parse_muse_answer(item, shown_choices, response);
  }
  std::unique_ptr<RunProtocol> make_protocol(const EvalOptions& options,
                                             const std::vector<BenchItem>& items) const override {
    if (options.protocol.empty()) return nullptr;
    return std::make_unique<MuseProtocolRun>(options, items);
  }
  void summarize(const ojson& run, const SummaryRecords& records, ojson& summary) const override {
    if (run.contains("protocol")) summary["protocol"] = muse_protocol_summary(*records.all);
  }
  std::string report_markdown(const ojson& summary) const override {
    return summary.contains("protocol") ? muse_protocol_markdown(summary["protocol"]) : "";
  }
};

}  // namespace

std::unique_ptr<Benchmark> make_muse_benchmark() {
  return std::make_unique<MuseBenchmark>();
}

}  // namespace almkit::bench
