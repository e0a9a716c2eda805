// STAR-Bench: its meta_info JSON (several clips per item), the option-letter prompt,
// parse_multi_choice_response, and performance.json over every presentation.
#include "almkit/bench_scoring.h"
#include "bench/benchmarks/benchmark.h"
#include "bench/runner/report.h"

namespace almkit::bench {
namespace {

using ojson = nlohmann::ordered_json;

const char* kStarPromptText =
    "{question}\n{choices_lettered}\nAnswer with the option's letter from the given choices "
    "directly.";

class StarBenchmark : public Benchmark {
 public:
  std::string name() const override { return "star"; }
  std::string description() const override {
    return "STAR-Bench meta_info JSON, parse_multi_choice_response, performance.json";
  }
  std::vector<BenchItem> load_items(const EvalOptions& options,
                                    const LoadOptions& load) const override {
    return limited_items(load_star(options.data_path, load), options);
  }
  PromptTemplate default_prompt(const std::string& mode) const override {
    if (mode == "loglik") return Benchmark::default_prompt(mode);
    return {"star-generate", kStarPromptText};
  }
  ParsedAnswer parse_answer(const EvalOptions& options, const BenchItem& item,
                            const std::vector<std::string>& shown_choices, int answer_position,
                            const std::string& response) const override {
    if (shown_choices.empty())
      return Benchmark::parse_answer(options, item, shown_choices, answer_position, response);
    ParsedAnswer out;
    out.parsed = star_parse_multi_choice_response(response, shown_choices);
    if (out.parsed.size() == 3 && out.parsed[0] == '<') out.chosen_position = out.parsed[1] - 'A';
    if (out.chosen_position >= int(shown_choices.size())) out.chosen_position = -1;
    out.correct = out.chosen_position >= 0 && out.chosen_position == answer_position;
    return out;
  }
  void summarize(const ojson&, const SummaryRecords& records, ojson& summary) const override {
    if (records.all_audio.empty()) return;
    std::vector<StarRecord> star;
    for (const ojson* record : records.all_audio) {
      StarRecord s;
      s.id = (*record)["id"];
      s.category = record->value("category", "");
      s.sub_category = record->value("sub_category", "");
      s.answer_letter =
          "<" + std::string(1, char('A' + (*record)["answer_position"].get<int>())) + ">";
      s.model_response = (*record)["response"];
      s.options = (*record)["choices"].get<std::vector<std::string>>();
      star.push_back(std::move(s));
    }
    summary["official"]["star_performance"] =
        ojson::parse(score_star(star, false).performance_json);
  }
  std::string report_markdown(const ojson& summary) const override {
    if (!summary["official"].contains("star_performance")) return "";
    return "## Official STAR-Bench figures (performance.json)\n\n```json\n" +
           summary["official"]["star_performance"].dump(2) + "\n```\n\n";
  }
  std::string report_html(const ojson& summary) const override {
    if (!summary["official"].contains("star_performance")) return "";
    return "<h2>Official STAR-Bench figures</h2><pre>" +
           html_escape(summary["official"]["star_performance"].dump(2)) + "</pre>";
  }
};

}  // namespace

std::unique_ptr<Benchmark> make_star_benchmark() {
  return std::make_unique<StarBenchmark>();
}

}  // namespace almkit::bench
