// One benchmark, one plug: everything that makes a benchmark different from another (its loader,
// prompt templates, answer parser, scorer, an optional multi-turn protocol, optional files of its
// own) lives behind `Benchmark`, registered by name in registry.cpp. The runner
// (src/bench/runner/) names no benchmark: it asks find_benchmark(options.bench).
//
// Adding a benchmark: src/bench/benchmarks/<name>.cpp with a class deriving from Benchmark and a
// `std::unique_ptr<Benchmark> make_<name>_benchmark()`, then one line in registry.cpp.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "almkit/bench.h"
#include "almkit/eval.h"
#include "bench/runner/answer_parsing.h"
#include "bench/runner/prompts.h"

namespace almkit::bench {

struct UnitPlan;
struct UnitContext;
class EvalBackend;

// The records summary.json is computed from, split by the shared summary code.
struct SummaryRecords {
  std::vector<const nlohmann::ordered_json*> first_audio;    // multiple choice, presentation 0
  std::vector<const nlohmann::ordered_json*> all_audio;      // multiple choice, every presentation
  std::vector<const nlohmann::ordered_json*> open_items;     // items without choices
  const std::vector<nlohmann::ordered_json>* all = nullptr;  // failures included
};

// A run whose units are not one question each (MUSE's chats: a unit asks a whole sequence).
class RunProtocol {
 public:
  virtual ~RunProtocol() = default;
  // One UnitPlan per unit, with its cache key.
  virtual std::vector<UnitPlan> plan_units(const EvalOptions& options,
                                           const std::vector<BenchItem>& items,
                                           const std::string& model_hash) const = 0;
  // run.json: the fields naming the protocol (run_id is rehashed with them).
  virtual void describe(nlohmann::ordered_json& run) const = 0;
  // Runs one unit; errors of the model are recorded in the result (as run_unit does).
  virtual nlohmann::ordered_json run_unit(const UnitContext& context,
                                          const UnitPlan& plan) const = 0;
  // results.jsonl's lines of one unit's result (a MUSE sequence: one per trial).
  virtual void append_records(const nlohmann::ordered_json& unit_result, bool from_cache,
                              std::vector<nlohmann::ordered_json>& records) const = 0;
};

class Benchmark {
 public:
  virtual ~Benchmark() = default;
  virtual std::string name() const = 0;
  // One line for `almkit eval --help` and error messages.
  virtual std::string description() const = 0;

  // --data is required unless the items are built in (MUSE).
  virtual bool needs_data_file() const { return true; }
  // run.json's data_hash: the data file's SHA-256.
  virtual std::string data_hash(const EvalOptions& options) const;
  // The run's items, --limit applied (as the benchmark counts: ISA-Bench counts data records).
  virtual std::vector<BenchItem> load_items(const EvalOptions& options,
                                            const LoadOptions& load) const = 0;
  // Options of this benchmark only; kInvalidArgument.
  virtual void check_options(const EvalOptions& options) const;

  // The default template for "generate" or "loglik" (docs/eval.md's table). The base class gives
  // option letters, and the log-likelihood template.
  virtual PromptTemplate default_prompt(const std::string& mode) const;
  // A generated answer under this benchmark's rule. The base class: open items by normalised
  // exact match against any reference, choices by option letters (parse_option_letter).
  virtual ParsedAnswer parse_answer(const EvalOptions& options, const BenchItem& item,
                                    const std::vector<std::string>& shown_choices,
                                    int answer_position, const std::string& response) const;

  // run.json fields of the benchmark's scoring (they do not change the answers: not in run_id).
  virtual void describe_run(const EvalOptions& /*options*/, nlohmann::ordered_json& /*run*/) const {
  }
  // --protocol: the protocol's run state (clips prepared before the model loads), or null when
  // options.protocol is empty. The base class refuses every protocol.
  virtual std::unique_ptr<RunProtocol> make_protocol(const EvalOptions& options,
                                                     const std::vector<BenchItem>& items) const;

  // summary.json: the benchmark's own figures (official printouts, open-answer metrics, the
  // protocol's per-seed figures), added to what the shared code computed.
  virtual void summarize(const nlohmann::ordered_json& /*run*/, const SummaryRecords& /*records*/,
                         nlohmann::ordered_json& /*summary*/) const {}
  // After a complete run: files of the benchmark's own beside the usual outputs (ISA-Bench's
  // isa_results.json); may add to the summary before it is written.
  virtual void write_outputs(const std::string& /*out_dir*/, const nlohmann::ordered_json& /*run*/,
                             const std::vector<nlohmann::ordered_json>& /*records*/,
                             nlohmann::ordered_json& /*summary*/) const {}
  // The benchmark's sections of report.md / report.html ("" for none).
  virtual std::string report_markdown(const nlohmann::ordered_json& /*summary*/) const {
    return "";
  }
  virtual std::string report_html(const nlohmann::ordered_json& /*summary*/) const { return ""; }

  // `almkit score --bench NAME --input F`: outputs in the benchmark's own result layout rescored
  // by its official rule into summary (and one line per answer in items); false when the plug has
  // no such scorer. `seed` is for official rules that draw random numbers.
  virtual bool score_file(const std::string& /*input_path*/, uint64_t /*seed*/,
                          nlohmann::ordered_json& /*summary*/,
                          std::vector<nlohmann::ordered_json>& /*items*/) const {
    return false;
  }
};

// The registered benchmark of that name; kInvalidArgument listing the names.
const Benchmark& find_benchmark(const std::string& name);
// Every registered name, in registry order.
std::vector<std::string> benchmark_names();
// "a, b, c or d".
std::string benchmark_names_text();

// Shared by plugs: --limit applied to a loaded list; kInvalidFormat for no items at all.
std::vector<BenchItem> limited_items(std::vector<BenchItem> items, const EvalOptions& options);

}  // namespace almkit::bench
