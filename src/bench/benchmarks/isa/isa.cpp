// ISA-Bench (docs/eval.md): every instruction variant of every data record is one open item asked
// verbatim; a complete run also writes isa_results.json (ISA-Bench's result layout) and
// isa_metric.json (its metric scripts' JSON), summarised in summary.json's official.isa.
#include "bench/benchmarks/benchmark.h"
#include "bench/benchmarks/isa/isa_plan.h"

namespace almkit::bench {
namespace {

using ojson = nlohmann::ordered_json;

class IsaBenchmark : public Benchmark {
 public:
  std::string name() const override { return "isa"; }
  std::string description() const override {
    return "ISA-Bench data file, one open item per instruction variant, its metric scripts";
  }
  // --limit counts data records; each of their instruction variants is an item.
  std::vector<BenchItem> load_items(const EvalOptions& options,
                                    const LoadOptions& load) const override {
    EvalOptions unlimited = options;
    unlimited.limit = 0;
    return limited_items(isa_eval_items(options.data_path, load, options.limit), unlimited);
  }
  // ISA-Bench measures how the model follows each instruction variant: it is asked verbatim.
  PromptTemplate default_prompt(const std::string&) const override {
    return {"isa-generate", "{question}"};
  }
  void write_outputs(const std::string& out_dir, const ojson& run,
                     const std::vector<ojson>& records, ojson& summary) const override {
    summary["official"]["isa"] = write_isa_outputs(out_dir, run, records);
  }
  std::string report_markdown(const ojson& summary) const override {
    if (!summary["official"].contains("isa")) return "";
    return isa_report_markdown(summary["official"]["isa"]);
  }
  std::string report_html(const ojson& summary) const override {
    if (!summary["official"].contains("isa")) return "";
    return isa_report_html(summary["official"]["isa"]);
  }
};

}  // namespace

std::unique_ptr<Benchmark> make_isa_benchmark() {
  return std::make_unique<IsaBenchmark>();
}

}  // namespace almkit::bench
