// ISA-Bench in `almkit eval`: every instruction variant of every data record is one open item
// (one model call, cached like any other); the responses are written back in ISA-Bench's own
// result layout (`variation_responses`, or the N dimension's records with a `response`) and scored
// with the rules of its metric scripts (isa_metric_json).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "almkit/bench.h"
#include "almkit/bench_scoring.h"

namespace almkit::bench {

// One instruction to ask: `path` names where it sits under `instructions.variations`
// ("default", "case/upper_case/0", "prefix/0", "single-stage/json/1/4").
struct IsaVariant {
  std::string path;
  std::string instruction;
};

// The variants of a record's `instructions.variations`, in file order. Strings, lists of strings
// and objects carrying the instruction in `inst` (F and N layouts) are asked; nested objects are
// walked. Throws kInvalidFormat naming `where` for a variant without instruction text.
std::vector<IsaVariant> isa_variants(const nlohmann::ordered_json& variations,
                                     const std::string& where);

// Dimension (D, F or N) from the variation keys, and ISA-Bench's task name (asr, ser, gr, s2tt,
// aac) from the record's `task` ("" for N records, which mix ASR, SER and GR).
IsaDimension isa_dimension_of(const nlohmann::ordered_json& variations);
std::string isa_task_of(const std::string& record_task);

// The eval items of an ISA-Bench data file: one per variant of the first `limit` records (0: all),
// id "<path>#<variant path>", question = the instruction, answer = the reference text, category =
// the top-level variation key, sub_category = the rest of the path.
std::vector<BenchItem> isa_eval_items(const std::string& data_path, const LoadOptions& options,
                                      int limit);

// Writes RUNDIR/isa_results.json (ISA-Bench's result layout, from the run's unit records) and
// RUNDIR/isa_metric.json (its scripts' metric JSON), and returns summary.json's `official.isa`:
// dimension, task, metrics, the radar axes of this dimension (calc_area.py's averages) and notes.
nlohmann::ordered_json write_isa_outputs(const std::string& out_dir,
                                         const nlohmann::ordered_json& run,
                                         const std::vector<nlohmann::ordered_json>& records);

// calc_area.py's axis values (IFR, percent) of one dimension's metric JSON: D-default, D-case,
// D-robust, D-semantic_equal, D-alter_symbol; F-constrain, F-case, F-decoration, F-json;
// N-2-task, N-3-task. Missing variants are left out.
nlohmann::ordered_json isa_axes(const nlohmann::ordered_json& metrics, IsaDimension dimension);

// ISA-Bench's section of report.md / report.html (summary.json's official.isa).
std::string isa_report_markdown(const nlohmann::ordered_json& isa);
std::string isa_report_html(const nlohmann::ordered_json& isa);

}  // namespace almkit::bench
