// Big Bench Audio (`--bench big-bench-audio`, ArtificialAnalysis/big_bench_audio): 1,000 spoken
// Big Bench Hard questions (formal_fallacies, navigate, object_counting, web_of_lies). The
// dataset's metadata rows (category, official_answer, file_name, id; `transcript` where the user
// adds the question's text); the model hears the question alone (the "speech to text"
// configuration of the release post). The official score is its LLM evaluator (`almkit judge
// --protocol big-bench-audio`); almkit's rule beside it is the base class's normalised exact
// match of the whole reply.
#include "almkit/error.h"
#include "bench/benchmarks/benchmark.h"
#include "bench/datasets/record_file.h"

namespace almkit::bench {
namespace {

std::vector<BenchItem> load_big_bench_audio(const std::string& path, const LoadOptions& load) {
  std::vector<BenchItem> items;
  for (const auto& record : read_any_records(path)) {
    BenchItem item;
    item.source = record.where;
    item.id = record_string(record, "id", true);
    item.audio_paths.push_back(
        resolve_audio(load.audio_root, record_string(record, "file_name", true)));
    item.answer = record_string(record, "official_answer", true);
    item.task = record_string(record, "category", true);
    item.transcript = record_string(record, "transcript", false);
    item.metadata_json = remaining_metadata(
        record.value, {"id", "file_name", "official_answer", "category", "transcript"});
    items.push_back(std::move(item));
  }
  validate_items(items, false);
  return items;
}

class BigBenchAudioBenchmark : public Benchmark {
 public:
  std::string name() const override { return "big-bench-audio"; }
  std::string description() const override {
    return "Big Bench Audio metadata rows; judged by --protocol big-bench-audio";
  }
  std::vector<BenchItem> load_items(const EvalOptions& options,
                                    const LoadOptions& load) const override {
    return limited_items(load_big_bench_audio(options.data_path, load), options);
  }
  PromptTemplate default_prompt(const std::string&) const override {
    return {"big-bench-audio-generate", "{audio}"};
  }
};

}  // namespace

std::unique_ptr<Benchmark> make_big_bench_audio_benchmark() {
  return std::make_unique<BigBenchAudioBenchmark>();
}

}  // namespace almkit::bench
