// Runs a checkpoint on the inputs of a transformers reference file (io.safetensors) and
// compares every output it holds: the proof that almkit computes what transformers computes.
#pragma once

#include <string>
#include <vector>

namespace almkit {

struct ReferenceRow {
  std::string name;
  std::vector<int64_t> shape;
  double max_abs_diff = 0.0;
  double tolerance = 0.0;  // exact comparisons (ids, masks) have tolerance 0
  bool ok = false;
  std::string note;
};

struct ReferenceCheckOptions {
  double relative_tolerance = 1e-4;  // atol = this x max(1, max |reference|)
  std::string dump_path;             // when set, every computed tensor is written here
  int threads = 0;                   // 0: libtorch's default
  // Quantise the Linear weights to int8 (`--dtype int8`): an accuracy report against the float32
  // reference, which int8 is not expected to pass at the default tolerance.
  bool int8_weights = false;
};

struct ReferenceReport {
  std::vector<ReferenceRow> rows;
  std::vector<std::string> unknown;  // reference tensors nothing computed (a failure)
  bool ok() const;
};

ReferenceReport run_reference_check(const std::string& model_dir, const std::string& io_path,
                                    const ReferenceCheckOptions& options);

}  // namespace almkit
