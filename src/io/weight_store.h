// Checkpoint tensors as ATen tensors, by their hub names. Tensors are views of the memory-mapped
// safetensors files (no copy for float32 on CPU); every name taken is recorded so that a
// checkpoint with tensors the architecture does not use is reported, not silently ignored.
// A recording store has no checkpoint: it hands out placeholders of the asked shapes and keeps
// the list, which is how `init-model` learns an architecture's tensors from its own builder.
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "almkit/safetensors.h"

namespace almkit {

struct WeightOptions {
  at::ScalarType dtype = at::kFloat;  // dtype of the weight matrices
  at::Device device = at::kCPU;
  // `--dtype int8`: every nn::Linear weight quantised once at load (nn/int8_linear.h), with dtype
  // float32 for everything else (embeddings, norms, convolutions, activations).
  bool int8_linear = false;
  // Activations (and norms, biases, convolutions) stay float32 when bf16 weights run on a CPU:
  // almkit's bf16 kernels read bf16 weights and compute in fp32 (see nn/linear.h).
  at::ScalarType activation_dtype() const {
    return dtype == at::kBFloat16 && device.is_cpu() ? at::kFloat : dtype;
  }
};

// How a freshly initialised model fills a tensor (the value its layer starts from in training
// code): what a recording store reports for random checkpoints.
enum class WeightInit { kNormal, kOnes, kZeros, kSinusoids };

struct RecordedWeight {
  std::string name;
  std::vector<int64_t> shape;
  WeightInit init;
};

// "[1, 80, 3000]": shapes in error messages.
std::string shape_text(at::IntArrayRef shape);

class WeightStore {
 public:
  WeightStore(SafetensorsCheckpoint checkpoint, WeightOptions options);
  // No checkpoint: take() returns zero placeholders (no memory per tensor) and records them.
  static WeightStore recording(WeightOptions options = {});

  // The tensor `name` with exactly `shape`; kNotFound / kShapeMismatch name the tensor.
  at::Tensor take(const std::string& name, const std::vector<int64_t>& shape,
                  WeightInit init = WeightInit::kNormal);
  // Optional tensors (e.g. an untied head): a recording store has none of them.
  bool has(const std::string& name) const { return checkpoint_ && checkpoint_->contains(name); }
  // As take(), in the file's own dtype (on the options' device): for code that converts it
  // itself, piece by piece (int8 quantisation of a bf16 checkpoint).
  at::Tensor take_as_stored(const std::string& name, const std::vector<int64_t>& shape);
  // The caller keeps no view of tensor `name` (e.g. it was quantised to int8): the pages of the
  // mapped file it occupies (or `bytes` of them from byte `offset`) leave this process's resident
  // set (read again if touched).
  void release(const std::string& name, size_t offset = 0, size_t bytes = SIZE_MAX) const;
  // Marks names the architecture knowingly ignores (e.g. buffers HF saves but recomputes).
  void ignore(const std::string& name) { taken_.insert(name); }
  // The same for every tensor under `prefix` (modules a family does not run, e.g. Qwen2.5-Omni's
  // talker, or a vision tower next to the audio one).
  void ignore_prefix(const std::string& prefix);
  // Throws kInvalidFormat listing tensors present in the checkpoint that nothing took.
  void check_all_used() const;
  const WeightOptions& options() const { return options_; }
  std::string folder() const { return checkpoint_ ? checkpoint_->folder() : std::string("(recording)"); }
  // Every tensor taken, in order (recording stores).
  const std::vector<RecordedWeight>& recorded() const { return recorded_; }

 private:
  // The tensor as the file holds it, on the CPU (a placeholder for a recording store).
  at::Tensor file_view(const std::string& name, const std::vector<int64_t>& shape, WeightInit init);
  WeightStore(std::optional<SafetensorsCheckpoint> checkpoint, WeightOptions options)
      : checkpoint_(std::move(checkpoint)), options_(options) {}
  std::optional<SafetensorsCheckpoint> checkpoint_;
  WeightOptions options_;
  std::set<std::string> taken_;
  std::vector<RecordedWeight> recorded_;
};

}  // namespace almkit
