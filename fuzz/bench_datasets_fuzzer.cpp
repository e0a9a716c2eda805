// Fuzzes the benchmark file loaders (MMAU, MMAR, STAR-Bench, almkit JSONL, ISA-Bench) and the
// readers of result files that the scorers take (MMAU predictions, STAR-Bench results, ISA-Bench
// results through isa_metric_json). The first byte picks the reader and the file name.
#include <cstdint>
#include <string>

#include "almkit/bench.h"
#include "almkit/bench_scoring.h"
#include "almkit/error.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t mode = data[0];
  const std::string path = almkit::fuzz::write_scratch(
      (mode & 0x80) ? "records.jsonl" : "records.json", data + 1, size - 1);
  almkit::bench::LoadOptions options;
  options.audio_root = "/audio";
  try {
    switch ((mode & 0x7f) % 10) {
      case 0:
        (void)almkit::bench::load_mmau(path, options);
        break;
      case 1:
        (void)almkit::bench::load_mmar(path, options);
        break;
      case 2:
        (void)almkit::bench::load_star(path, options);
        break;
      case 3:
        (void)almkit::bench::load_jsonl(path, options);
        break;
      case 4:
        (void)almkit::bench::load_isa(path, options);
        break;
      case 5: {
        almkit::bench::MmauScoreOptions score_options;
        score_options.mmar = (mode & 0x40) != 0;
        const auto records = almkit::bench::read_mmau_predictions(path, score_options);
        (void)almkit::bench::score_mmau(records, score_options);
        break;
      }
      case 6: {
        const auto records = almkit::bench::read_star_results(path);
        (void)almkit::bench::score_star(records, (mode & 0x40) != 0);
        break;
      }
      case 7:
        (void)almkit::bench::isa_metric_json(path, almkit::bench::IsaDimension::kD, "asr");
        break;
      case 8:
        (void)almkit::bench::isa_metric_json(path, almkit::bench::IsaDimension::kF, "ser");
        break;
      case 9:
        (void)almkit::bench::isa_metric_json(path, almkit::bench::IsaDimension::kN, "");
        break;
    }
  } catch (const almkit::Error&) {
  }
  return 0;
}
