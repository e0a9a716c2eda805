// The comparison half of every reference check (io.safetensors, interventions.safetensors):
// computed tensors against a reference file's, one report row each, the reference outputs nothing
// computed, and the dump of what was computed (`--dump`).
#pragma once

#include <ATen/ATen.h>

#include <map>
#include <set>
#include <string>

#include "almkit/safetensors.h"
#include "runtime/reference_check.h"

namespace almkit {

// A reference tensor: F32, I64, or BOOL / U8 masks as int64 0 / 1 (kUnsupported otherwise).
at::Tensor read_reference(const SafetensorsFile& file, const std::string& name);

class ReferenceComparer {
 public:
  // `inputs`: tensors of the file fed to the model (everything else is an output to reproduce).
  ReferenceComparer(const SafetensorsFile& io, const ReferenceCheckOptions& options, std::set<std::string> inputs)
      : io_(io), options_(options), inputs_(std::move(inputs)) {}

  bool has(const std::string& name) const { return io_.contains(name); }
  at::Tensor reference(const std::string& name) const { return read_reference(io_, name); }

  // Compares `got` with the reference `name` (nothing when the file has none); `row_mask`
  // (1 = compare) skips padded rows. Integer tensors must be identical, except for
  // `allowed_flip_rate` of their entries (codes decided by near-ties), reported in the note.
  // Float tolerance: relative_tolerance x max(1, max |reference|).
  void compare(const std::string& name, const at::Tensor& got, const at::Tensor& row_mask = at::Tensor(),
               double allowed_flip_rate = 0.0, const std::string& reported_name = "");
  // Gradients are small: tolerance relative_tolerance x max |reference| alone.
  void compare_gradient(const std::string& name, const at::Tensor& got);

  // The report, with the reference outputs nothing compared; writes the dump when asked.
  ReferenceReport finish();

 private:
  void add_row(const std::string& name, const at::Tensor& got, const at::Tensor& row_mask, double allowed_flip_rate,
               const std::string& reported_name, bool gradient);
  const SafetensorsFile& io_;
  ReferenceCheckOptions options_;
  std::set<std::string> inputs_;
  ReferenceReport report_;
  std::map<std::string, at::Tensor> computed_;
};

}  // namespace almkit
