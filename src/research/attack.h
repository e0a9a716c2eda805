// Projected gradient descent on the input of an audio-language model (weights frozen): lowers the
// log-probability of a reference answer (untargeted) or raises that of a target (targeted), on the
// log-mel features under an L-infinity budget or on the waveform under an L-infinity or SNR
// budget, through research/gradients.h.
#pragma once

#include <ATen/ATen.h>

#include <cstdint>

#include "research/gradients.h"

namespace almkit::research {

struct PgdOptions {
  bool waveform = false;  // false: perturb the features; true: the samples (Whisper log-mel)
  double epsilon = 0.0;   // L-infinity budget (feature or sample units); 0: none
  double snr_db = 0.0;    // waveform only: L2 budget |delta| <= |x| / 10^(snr / 20); 0: none
  int steps = 10;
  double step_size = 0.0;  // 0: 2.5 x budget / steps (L-inf: per coordinate; SNR: of the L2 radius)
  bool targeted = false;   // true: raise log P(targets); false: lower it
  uint64_t seed = 0;       // random start inside the budget (0: start at the clean input)
};

struct PgdResult {
  at::Tensor perturbed;    // features [clips, bins, frames] or waveform [B, samples]
  at::Tensor clean_score;  // [B] sum log P(targets) before
  at::Tensor final_score;  // [B] after
};

// `waveform`/`lengths` are used when options.waveform; `mel` describes the features then.
PgdResult projected_gradient_attack(const Pipeline& pipeline, const PromptTensors& prompt,
                                    const at::Tensor& targets, const PgdOptions& options,
                                    const at::Tensor& waveform = at::Tensor(),
                                    const at::Tensor& lengths = at::Tensor(),
                                    const WhisperMelOptions& mel = {});

}  // namespace almkit::research
