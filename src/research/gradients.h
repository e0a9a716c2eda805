// Input gradients with libtorch autograd (weights frozen): the gradient of a teacher-forced
// continuation's log-probability with respect to the input features, or to the waveform through
// a differentiable Whisper log-mel (transformers' torch path: torch.stft, |.|^2, mel filters,
// log10, the clip's max - 8 floor, (x + 4) / 4). Run outside c10::InferenceMode.
#pragma once

#include <ATen/ATen.h>

#include "almkit/features.h"
#include "research/readouts.h"

namespace almkit::research {

struct TargetScore {
  at::Tensor logprobs;  // [B, N] log P(target j | prompt, targets before j)
  at::Tensor sum;       // [B]
};

// One teacher-forced forward on prompt.ids + targets [B, N] (attention mask extended by ones);
// differentiable in prompt.features when they require grad.
TargetScore score_targets(const Pipeline& pipeline, const PromptTensors& prompt,
                          const at::Tensor& targets, const Interventions* interventions = nullptr);

// d(sum over rows of the targets' log-probability) / d features, [clips, bins, frames], and the
// score it differentiated.
at::Tensor feature_gradient(const Pipeline& pipeline, const PromptTensors& prompt,
                            const at::Tensor& targets, TargetScore* score = nullptr,
                            const Interventions* interventions = nullptr);

// transformers' WhisperFeatureExtractor torch path on rows of `waveform` [B, samples] (each row
// zero-padded to chunk_length seconds), differentiable: [B, feature_size, frames].
at::Tensor whisper_log_mel_torch(const at::Tensor& waveform, const WhisperMelOptions& options);

// The gradient with respect to the samples [B, samples] (0 at and beyond each row's length);
// `prompt.features` is replaced by the log-mel of the waveform, feature_lengths are kept.
at::Tensor waveform_gradient(const Pipeline& pipeline, const PromptTensors& prompt,
                             const at::Tensor& waveform, const at::Tensor& lengths,
                             const at::Tensor& targets, const WhisperMelOptions& options,
                             TargetScore* score = nullptr,
                             const Interventions* interventions = nullptr);

}  // namespace almkit::research
