// Rotary position embedding (rotate-half form, as transformers' Llama/Qwen2), computed in
// float32 exactly as transformers 4.47 does, with its rope_scaling variants for checkpoints that
// stretch their context (Qwen2.5 with YaRN, Llama 3.1, linear / dynamic NTK).
#pragma once

#include <ATen/ATen.h>

#include <string>
#include <vector>

namespace almkit::nn {

// config.json's rope_scaling, read by models/rope_config.h. Field names follow transformers.
struct RopeScaling {
  std::string type = "default";  // default, linear, dynamic, yarn, llama3
  double factor = 1.0;
  double attention_factor = 0.0;  // yarn; 0: 0.1 * ln(factor) + 1 as the YaRN paper suggests
  double beta_fast = 32.0, beta_slow = 1.0;               // yarn
  double low_freq_factor = 1.0, high_freq_factor = 4.0;  // llama3
  int64_t original_max_positions = 0;                    // llama3
  int64_t max_positions = 0;  // config.max_position_embeddings (dynamic, yarn)
};

class Rope {
 public:
  Rope(int64_t head_dim, double theta, at::Device device, RopeScaling scaling = {});
  // Qwen2-VL / Qwen2.5-Omni multimodal rotary positions: the head_dim / 2 frequencies split
  // into sections (e.g. [16, 24, 24]) taking their angle from position rows 0, 1, 2.
  void set_mrope_section(const std::vector<int64_t>& section);
  // positions [B, T] (int64) -> cos, sin [B, 1, T, head_dim] in `dtype`; with an mrope_section,
  // positions [3, B, T] (temporal, height, width).
  std::pair<at::Tensor, at::Tensor> cos_sin(const at::Tensor& positions, at::ScalarType dtype) const;
  // x [B, heads, T, head_dim]
  static at::Tensor apply(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin);

  const at::Tensor& inv_freq() const { return inv_freq_; }  // [head_dim / 2], float32
  double attention_scaling() const { return attention_scaling_; }

 private:
  // Dynamic NTK: the frequencies for a pass whose positions reach `length` (> max_positions).
  at::Tensor dynamic_inv_freq(int64_t length) const;

  int64_t head_dim_;
  double theta_;
  RopeScaling scaling_;
  at::Tensor inv_freq_;
  double attention_scaling_ = 1.0;
  std::vector<int64_t> frequency_axis_;  // M-RoPE: the position row of each frequency
};

}  // namespace almkit::nn
