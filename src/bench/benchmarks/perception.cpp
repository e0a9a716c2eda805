// The perception suite (`almkit synth --perception`): MMAU-format JSON scored by option letters
// (parse_option_letter, docs/formats.md), the shared default of every plug.
#include "bench/benchmarks/benchmark.h"

namespace almkit::bench {
namespace {

class PerceptionBenchmark : public Benchmark {
 public:
  std::string name() const override { return "perception"; }
  std::string description() const override {
    return "the perception suite's MMAU-format JSON, option letters";
  }
  std::vector<BenchItem> load_items(const EvalOptions& options,
                                    const LoadOptions& load) const override {
    return limited_items(load_mmau(options.data_path, load), options);
  }
};

}  // namespace

std::unique_ptr<Benchmark> make_perception_benchmark() {
  return std::make_unique<PerceptionBenchmark>();
}

}  // namespace almkit::bench
