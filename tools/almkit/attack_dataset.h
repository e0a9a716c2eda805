// `almkit attack --data FILE`: the waveform attack over a multiple-choice set, with accuracy
// (log-likelihood choice, as `almkit eval --mode loglik`) before and after and per-item SNR /
// L-infinity; one JSON line per item, written as it finishes, so a stopped run resumes.
#pragma once

#include <string>

#include "almkit/model.h"
#include "almkit/research.h"

namespace almkit::cli {

struct DatasetAttackArgs {
  std::string bench = "jsonl";  // any loader of almkit/bench.h (jsonl, mmau, mmar, star)
  std::string data, audio_root, output_dir;
  int limit = 0;  // first N items (0: all)
  research::AttackOptions attack;
};

// Writes output_dir/attack.json (the settings; a resumed run must match them),
// results.jsonl (per item), summary.json and wav/<item>_<clip>.wav; prints the summary.
void run_dataset_attack(const Model& model, const std::string& model_dir, const DatasetAttackArgs& args);

}  // namespace almkit::cli
