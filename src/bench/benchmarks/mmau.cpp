// MMAU and MMAR (MMAR is scored by MMAU's evaluation.py with its own grouping): MMAU's JSON list,
// the prompt most Qwen2-Audio MMAU evaluations use, the official string match, and the official
// printout in summary.json.
#include "almkit/bench_scoring.h"
#include "bench/benchmarks/benchmark.h"
#include "bench/runner/report.h"

namespace almkit::bench {
namespace {

using ojson = nlohmann::ordered_json;

// MMAU is scored by string match, so the model must answer with the option's text, not a letter.
const char* kMmauPromptText =
    "{question} Please choose the answer from the following options: {choices_list}.";

class MmauBenchmark : public Benchmark {
 public:
  explicit MmauBenchmark(bool mmar) : mmar_(mmar) {}
  std::string name() const override { return mmar_ ? "mmar" : "mmau"; }
  std::string description() const override {
    return mmar_ ? "MMAR (MMAU-format JSON with modality), official string match"
                 : "MMAU JSON list, official string match and evaluation.py printout";
  }
  std::vector<BenchItem> load_items(const EvalOptions& options,
                                    const LoadOptions& load) const override {
    return limited_items(
        mmar_ ? load_mmar(options.data_path, load) : load_mmau(options.data_path, load), options);
  }
  PromptTemplate default_prompt(const std::string& mode) const override {
    if (mode == "loglik") return Benchmark::default_prompt(mode);
    return {name() + "-generate", kMmauPromptText};
  }
  // The official string match decides `correct`; the chosen position is the one choice that
  // string-matches (none or several: -1).
  ParsedAnswer parse_answer(const EvalOptions& options, const BenchItem& item,
                            const std::vector<std::string>& shown_choices, int answer_position,
                            const std::string& response) const override {
    if (shown_choices.empty())
      return Benchmark::parse_answer(options, item, shown_choices, answer_position, response);
    ParsedAnswer out;
    out.correct = mmau_string_match(item.answer, response, shown_choices);
    for (int j = 0; j < int(shown_choices.size()); ++j) {
      if (!mmau_string_match(shown_choices[j], response, shown_choices)) continue;
      out.chosen_position = out.chosen_position == -1 ? j : -2;
    }
    if (out.chosen_position == -2) out.chosen_position = -1;
    if (out.chosen_position >= 0) out.parsed = shown_choices[size_t(out.chosen_position)];
    return out;
  }
  void summarize(const ojson&, const SummaryRecords& records, ojson& summary) const override {
    if (records.first_audio.empty()) return;
    std::vector<MmauRecord> mmau;
    for (const ojson* record : records.first_audio) {
      MmauRecord m;
      m.id = (*record)["id"];
      m.answer = (*record)["answer"];
      m.task = record->value("task", "");
      m.modality = m.task;
      m.difficulty = record->value("difficulty", "");
      m.category = record->value("category", "");
      m.sub_category = record->value("sub_category", "");
      m.has_sub_category = true;
      m.choices = (*record)["choices"].get<std::vector<std::string>>();
      m.has_output = true;
      m.output = (*record)["response"];
      mmau.push_back(std::move(m));
    }
    MmauScoreOptions options;
    options.mmar = mmar_;
    summary["official"]["mmau_printout"] = score_mmau(mmau, options).official_printout;
  }
  std::string report_markdown(const ojson& summary) const override {
    if (!summary["official"].contains("mmau_printout")) return "";
    return "## Official MMAU figures (evaluation.py's printout)\n\n```\n" +
           summary["official"]["mmau_printout"].get<std::string>() + "```\n\n";
  }
  std::string report_html(const ojson& summary) const override {
    if (!summary["official"].contains("mmau_printout")) return "";
    return "<h2>Official MMAU figures</h2><pre>" +
           html_escape(summary["official"]["mmau_printout"].get<std::string>()) + "</pre>";
  }

 private:
  bool mmar_;
};

}  // namespace

std::unique_ptr<Benchmark> make_mmau_benchmark() {
  return std::make_unique<MmauBenchmark>(false);
}
std::unique_ptr<Benchmark> make_mmar_benchmark() {
  return std::make_unique<MmauBenchmark>(true);
}

}  // namespace almkit::bench
