// Checkpoint tensors as ATen tensors, by their hub names. Tensors are views of the memory-mapped
// safetensors files (no copy for float32 on CPU); every name taken is recorded so that a
// checkpoint with tensors the architecture does not use is reported, not silently ignored.
#pragma once

#include <ATen/ATen.h>

#include <set>
#include <string>
#include <vector>

#include "almkit/safetensors.h"

namespace almkit {

struct WeightOptions {
  at::ScalarType dtype = at::kFloat;  // dtype of the weight matrices
  at::Device device = at::kCPU;
  // Activations (and norms, biases, convolutions) stay float32 when bf16 weights run on a CPU:
  // almkit's bf16 kernels read bf16 weights and compute in fp32 (see nn/linear.h).
  at::ScalarType activation_dtype() const {
    return dtype == at::kBFloat16 && device.is_cpu() ? at::kFloat : dtype;
  }
};

// "[1, 80, 3000]": shapes in error messages.
std::string shape_text(at::IntArrayRef shape);

class WeightStore {
 public:
  WeightStore(SafetensorsCheckpoint checkpoint, WeightOptions options);

  // The tensor `name` with exactly `shape`; kNotFound / kShapeMismatch name the tensor.
  at::Tensor take(const std::string& name, const std::vector<int64_t>& shape);
  bool has(const std::string& name) const { return checkpoint_.contains(name); }
  // Marks names the architecture knowingly ignores (e.g. buffers HF saves but recomputes).
  void ignore(const std::string& name) { taken_.insert(name); }
  // Throws kInvalidFormat listing tensors present in the checkpoint that nothing took.
  void check_all_used() const;
  const WeightOptions& options() const { return options_; }
  const std::string& folder() const { return checkpoint_.folder(); }

 private:
  SafetensorsCheckpoint checkpoint_;
  WeightOptions options_;
  std::set<std::string> taken_;
};

}  // namespace almkit
