// almkit's own JSONL format (docs/formats.md): option letters for choices; open items by
// normalised exact match, with WER / CER in summary.json's open_items.
#include "bench/benchmarks/benchmark.h"

namespace almkit::bench {
namespace {

class JsonlBenchmark : public Benchmark {
 public:
  std::string name() const override { return "jsonl"; }
  std::string description() const override {
    return "almkit's JSONL (docs/formats.md), option letters; open items by exact match, WER/CER";
  }
  std::vector<BenchItem> load_items(const EvalOptions& options,
                                    const LoadOptions& load) const override {
    return limited_items(load_jsonl(options.data_path, load), options);
  }
};

}  // namespace

std::unique_ptr<Benchmark> make_jsonl_benchmark() {
  return std::make_unique<JsonlBenchmark>();
}

}  // namespace almkit::bench
