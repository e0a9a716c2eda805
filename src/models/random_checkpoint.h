// Random weights written straight into a safetensors file, for checkpoints that stand in for
// pretrained ones (init-model) and for benchmarks at published shapes.
#pragma once

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "almkit/safetensors.h"

namespace almkit {

// Tensors are planned first and generated while the file is written, one at a time, so a
// 7B-parameter checkpoint never sits in memory.
class RandomWriter {
 public:
  RandomWriter(uint64_t seed, DType dtype) : seed_(seed), dtype_(dtype) {}
  // Gaussian weights with standard deviation `std_dev`.
  void normal(const std::string& name, const std::vector<int64_t>& shape, float std_dev);
  void constant(const std::string& name, const std::vector<int64_t>& shape, float value);
  // Whisper's fixed positional table: sin over the first half of channels, cos over the second.
  void sinusoids(const std::string& name, int64_t length, int64_t channels);
  void set_metadata(const std::string& key, const std::string& value) { metadata_[key] = value; }
  int64_t parameters() const { return parameters_; }
  // Generates every planned tensor in order (deterministic for the seed) and writes the file.
  void write(const std::string& path) const;

 private:
  enum class Kind { kNormal, kConstant, kSinusoids };
  struct Plan {
    std::string name;
    std::vector<int64_t> shape;
    Kind kind;
    float value;
  };
  void plan(const std::string& name, const std::vector<int64_t>& shape, Kind kind, float value);
  uint64_t seed_;
  DType dtype_;
  std::vector<Plan> plans_;
  std::map<std::string, std::string> metadata_;
  int64_t parameters_ = 0;
};

}  // namespace almkit
