// Planning a run's units: for each item of this shard, its presentations, its silent-audio twin
// and its sampled repeats, each with its rendered prompt, sampling seed and cache key.
#pragma once

#include <string>
#include <vector>

#include "almkit/bench.h"
#include "almkit/eval.h"
#include "bench/runner/prompts.h"
#include "bench/runner/unit.h"

namespace almkit::bench {

class EvalBackend;

struct PlanResult {
  std::vector<UnitPlan> units;  // this shard's
  int64_t units_total = 0;      // whole run
};

// Units of item i are numbered i * stride + p: presentations 0..P-1, the silent twin P, repeats
// P+1 .. P+R-1 (stride = P + R), whether or not the item has them, so that the numbers are the
// same in every shard.
PlanResult plan_units(const EvalOptions& options, const std::vector<BenchItem>& items,
                      const EvalBackend& backend, const PromptTemplate& prompt_template,
                      const std::string& model_hash);

// The cache key of a planned unit (docs/eval.md "Cache"): what its answer depends on.
std::string unit_key(const std::string& model_hash, const EvalOptions& options,
                     const BenchItem& item, const std::vector<std::string>& audio_hashes,
                     const UnitPlan& plan);

// The sampling seed of a unit: repeat 0 is the presentation's seed (unchanged by --repeats).
uint64_t unit_seed(const EvalOptions& options, const BenchItem& item, int presentation, int repeat);

}  // namespace almkit::bench
