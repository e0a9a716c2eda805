// Speech translation (`--bench ast`): open items with one or several reference translations,
// asked "Translate ... into <target_language>" unless the row has its own instruction; scored
// with sacreBLEU 2.x's corpus BLEU (--bleu-tokenize, default 13a), chrF and chrF++.
#include "almkit/error.h"
#include "almkit/text_metrics.h"
#include "bench/benchmarks/benchmark.h"
#include "bench/benchmarks/open_answer.h"
#include "bench/runner/report.h"

namespace almkit::bench {
namespace {

using ojson = nlohmann::ordered_json;

const char* kAstQuestion =
    "Translate the speech in this audio into {target_language}. Answer with the translation only.";

class AstBenchmark : public Benchmark {
 public:
  std::string name() const override { return "ast"; }
  std::string description() const override {
    return "speech translation rows (id, audio, reference or references): sacreBLEU BLEU, chrF";
  }
  std::vector<BenchItem> load_items(const EvalOptions& options,
                                    const LoadOptions& load) const override {
    return limited_items(load_open_answer_items(options.data_path, load, kAstQuestion), options);
  }
  void check_options(const EvalOptions& options) const override {
    Benchmark::check_options(options);
    const std::string& t = options.bleu_tokenize;
    if (t != "13a" && t != "zh" && t != "intl" && t != "none")
      throw Error(ErrorCode::kInvalidArgument,
                  "--bleu-tokenize must be 13a, zh, intl or none, not '" + t + "'");
  }
  PromptTemplate default_prompt(const std::string&) const override {
    return {"ast-generate", "{question}"};
  }
  void describe_run(const EvalOptions& options, ojson& run) const override {
    run["scoring"] = {{"bleu_tokenize", options.bleu_tokenize}};
  }
  void summarize(const ojson& run, const SummaryRecords& records, ojson& summary) const override {
    if (records.open_items.empty()) return;
    const std::string tokenize =
        run.contains("scoring") ? run["scoring"].value("bleu_tokenize", "13a") : "13a";
    std::vector<std::string> hypotheses;
    std::vector<std::vector<std::string>> references;
    for (const ojson* record : records.open_items) {
      hypotheses.push_back(record->value("response", ""));
      references.push_back(record->contains("references")
                               ? (*record)["references"].get<std::vector<std::string>>()
                               : std::vector<std::string>{(*record)["answer"].get<std::string>()});
    }
    const BleuScore bleu = corpus_bleu_by_segment(hypotheses, references, tokenize);
    const ChrfScore chrf = corpus_chrf(hypotheses, references, 0);
    const ChrfScore chrf_plus = corpus_chrf(hypotheses, references, 2);
    ojson open;
    open["items"] = hypotheses.size();
    open["tokenize"] = tokenize;
    open["bleu"] = {{"score", bleu.score},
                    {"counts", std::vector<int64_t>(bleu.counts, bleu.counts + 4)},
                    {"totals", std::vector<int64_t>(bleu.totals, bleu.totals + 4)},
                    {"precisions", std::vector<double>(bleu.precisions, bleu.precisions + 4)},
                    {"bp", bleu.bp},
                    {"sys_len", bleu.sys_len},
                    {"ref_len", bleu.ref_len}};
    open["chrf"] = chrf.score;
    open["chrf++"] = chrf_plus.score;
    open["sacrebleu"] = {sacrebleu_printout(bleu), sacrebleu_printout(chrf),
                         sacrebleu_printout(chrf_plus)};
    summary["open_items"] = open;
  }
  std::string report_markdown(const ojson& summary) const override {
    if (!summary.contains("open_items") || !summary["open_items"].contains("sacrebleu")) return "";
    std::string md = "## Speech translation (sacreBLEU, tokenize " +
                     summary["open_items"]["tokenize"].get<std::string>() + ")\n\n```\n";
    for (const auto& line : summary["open_items"]["sacrebleu"])
      md += line.get<std::string>() + "\n";
    return md + "```\n\n";
  }
  std::string report_html(const ojson& summary) const override {
    if (!summary.contains("open_items") || !summary["open_items"].contains("sacrebleu")) return "";
    std::string html = "<h2>Speech translation</h2><pre>";
    for (const auto& line : summary["open_items"]["sacrebleu"])
      html += html_escape(line.get<std::string>()) + "\n";
    return html + "</pre>";
  }
};

}  // namespace

std::unique_ptr<Benchmark> make_ast_benchmark() {
  return std::make_unique<AstBenchmark>();
}

}  // namespace almkit::bench
