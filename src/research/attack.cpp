#include "research/attack.h"

#include <cmath>

#include "almkit/error.h"

namespace almkit::research {
namespace {

// Projects `delta` onto the budget around `clean` (rows along dim 0).
at::Tensor project(at::Tensor delta, const at::Tensor& clean, const PgdOptions& options) {
  if (options.epsilon > 0) delta = delta.clamp(-options.epsilon, options.epsilon);
  if (options.waveform && options.snr_db > 0) {
    const at::Tensor radius = clean.flatten(1).norm(2, 1) / std::pow(10.0, options.snr_db / 20.0);
    const at::Tensor norm = delta.flatten(1).norm(2, 1).clamp_min(1e-12);
    const at::Tensor scale = (radius / norm).clamp_max(1.0);
    delta = delta * scale.view({-1, 1});
  }
  return delta;
}

}  // namespace

PgdResult projected_gradient_attack(const Pipeline& pipeline, const PromptTensors& prompt,
                                    const at::Tensor& targets, const PgdOptions& options,
                                    const at::Tensor& waveform, const at::Tensor& lengths,
                                    const WhisperMelOptions& mel) {
  if (options.steps < 1)
    throw Error(ErrorCode::kInvalidArgument, "an attack needs at least one step");
  if (options.epsilon <= 0 && !(options.waveform && options.snr_db > 0)) {
    throw Error(ErrorCode::kInvalidArgument,
                "an attack needs a budget: epsilon (L-inf) or, on the waveform, snr_db");
  }
  if (options.waveform && !waveform.defined())
    throw Error(ErrorCode::kInvalidArgument, "a waveform attack needs the waveform");
  const at::Tensor clean = (options.waveform ? waveform : prompt.features).detach().to(at::kFloat);
  // Samples past each clip's end stay zero.
  at::Tensor inside = at::ones_like(clean);
  if (options.waveform) {
    inside =
        (at::arange(clean.size(1)).unsqueeze(0) < lengths.to(at::kCPU).to(at::kLong).unsqueeze(1))
            .to(at::kFloat);
  }
  double step = options.step_size;
  if (step <= 0) {
    if (options.epsilon > 0) {
      step = 2.5 * options.epsilon / options.steps;
    } else {
      step =
          2.5 /
          options
              .steps;  // SNR: a fraction of the radius per step, taken on the normalised gradient
    }
  }
  at::Tensor delta = at::zeros_like(clean);
  if (options.seed != 0) {
    at::manual_seed(options.seed);
    const double start = options.epsilon > 0 ? options.epsilon : 1e-3;
    delta = project((at::rand_like(clean) * 2 - 1) * start * inside, clean, options);
  }
  const auto score_and_gradient = [&](const at::Tensor& d, at::Tensor* gradient) {
    TargetScore score;
    if (options.waveform) {
      *gradient = waveform_gradient(pipeline, prompt, clean + d, lengths, targets, mel, &score);
    } else {
      PromptTensors moved = prompt;
      moved.features = clean + d;
      *gradient = feature_gradient(pipeline, moved, targets, &score);
    }
    return score.sum;
  };
  PgdResult result;
  at::Tensor gradient, best_delta;
  // The best iterate is kept (not the last): a step can overshoot, and a clean start then never
  // ends worse than the clean input.
  double best = 0.0;
  const auto keep_if_best = [&](const at::Tensor& d, const at::Tensor& score) {
    const double total = score.sum().item<double>();
    if (best_delta.defined() && (options.targeted ? total <= best : total >= best)) return;
    best = total;
    best_delta = d;
    result.final_score = score;
  };
  for (int s = 0; s < options.steps; ++s) {
    const at::Tensor score = score_and_gradient(delta, &gradient);
    if (s == 0) result.clean_score = options.seed == 0 ? score : at::Tensor();
    keep_if_best(delta, score);
    const double sign = options.targeted ? 1.0 : -1.0;
    at::Tensor move;
    if (options.epsilon > 0) {
      move = gradient.sign();  // L-inf steepest ascent
    } else {
      const at::Tensor norm = gradient.flatten(1).norm(2, 1).clamp_min(1e-20).view({-1, 1});
      const at::Tensor radius =
          clean.flatten(1).norm(2, 1).view({-1, 1}) / std::pow(10.0, options.snr_db / 20.0);
      move = gradient / norm * radius;
    }
    delta = project(delta + sign * step * move * inside, clean, options).detach();
  }
  at::Tensor unused;
  keep_if_best(delta, score_and_gradient(delta, &unused));
  if (!result.clean_score.defined())
    result.clean_score = score_and_gradient(at::zeros_like(delta), &unused);
  result.perturbed = clean + best_delta;
  return result;
}

}  // namespace almkit::research
