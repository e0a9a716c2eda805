#include "research/gradients.h"

#include <ATen/Context.h>
#include <c10/core/GradMode.h>

#include "almkit/error.h"

namespace almkit::research {
namespace {

// libtorch 1.13's oneDNN convolution backward returns a different, wrong input gradient on every
// run for the Whisper stem of some checkpoints (80 mel bins, init-model weights; plain ATen
// conv1d + gelu reproduce it outside almkit; the native convolution is exact): gradients run with
// oneDNN off. The switch is process-wide (libtorch has no other), restored on exit.
class WithoutOneDnn {
 public:
  WithoutOneDnn() : was_(at::globalContext().userEnabledMkldnn()) {
    at::globalContext().setUserEnabledMkldnn(false);
  }
  ~WithoutOneDnn() { at::globalContext().setUserEnabledMkldnn(was_); }
  WithoutOneDnn(const WithoutOneDnn&) = delete;
  WithoutOneDnn& operator=(const WithoutOneDnn&) = delete;

 private:
  bool was_;
};

}  // namespace

TargetScore score_targets(const Pipeline& pipeline, const PromptTensors& prompt,
                          const at::Tensor& targets, const Interventions* interventions) {
  const LanguageModel& lm = pipeline.language_model();
  const int64_t rows = prompt.ids.size(0), n = targets.size(1);
  if (targets.dim() != 2 || targets.size(0) != rows || n < 1) {
    throw Error(ErrorCode::kInvalidArgument,
                "targets must be [batch, tokens], got " + shape_text(targets.sizes()));
  }
  PromptTensors full = prompt;
  full.ids = at::cat({prompt.ids, targets.to(prompt.ids.device())}, 1);
  const at::Tensor mask =
      prompt.attention_mask.defined() ? prompt.attention_mask : at::ones_like(prompt.ids);
  full.attention_mask = at::cat({mask, at::ones({rows, n}, mask.options())}, 1);
  const LayerHook encoder_hook = interventions ? interventions->hook(DecoderInput{}) : LayerHook{};
  nn::KvCache cache = lm.new_cache();
  const DecoderInput input =
      prepare_prompt(pipeline, full, cache, active_hook(encoder_hook));
  const LayerHook decoder_hook = interventions ? interventions->hook(input) : LayerHook{};
  const at::Tensor hidden =
      lm.forward(input, cache, active_hook(decoder_hook));
  const int64_t prompt_length = input.embeddings.size(1) - n;  // S: the merged prompt
  const at::Tensor logits = lm.logits(hidden.narrow(1, prompt_length - 1, n)).to(at::kFloat);
  TargetScore score;
  score.logprobs =
      at::log_softmax(logits, -1).gather(2, targets.to(logits.device()).unsqueeze(-1)).squeeze(-1);
  score.sum = score.logprobs.sum(1);
  return score;
}

at::Tensor feature_gradient(const Pipeline& pipeline, const PromptTensors& prompt,
                            const at::Tensor& targets, TargetScore* score,
                            const Interventions* interventions) {
  if (!prompt.features.defined())
    throw Error(ErrorCode::kInvalidArgument, "a feature gradient needs audio");
  at::AutoGradMode grad(true);
  const WithoutOneDnn without_onednn;
  PromptTensors leaf = prompt;
  leaf.features = prompt.features.detach().clone().requires_grad_(true);
  TargetScore s = score_targets(pipeline, leaf, targets, interventions);
  s.sum.sum().backward();
  if (score) *score = {s.logprobs.detach(), s.sum.detach()};
  return leaf.features.grad();
}

at::Tensor whisper_log_mel_torch(const at::Tensor& waveform, const WhisperMelOptions& options) {
  const int64_t padded = static_cast<int64_t>(options.chunk_length) * options.sampling_rate;
  at::Tensor x = waveform.to(at::kFloat);
  if (options.pad_to_chunk && x.size(1) < padded)
    x = at::constant_pad_nd(x, {0, padded - x.size(1)}, 0.0);
  if (options.pad_to_chunk && x.size(1) > padded) x = x.narrow(1, 0, padded);
  const at::Tensor window =
      at::hann_window(options.n_fft, at::TensorOptions().dtype(at::kFloat).device(x.device()));
  // torch.stft(center=True, pad_mode="reflect"): reflect-pad n_fft / 2 on both sides first
  const int64_t half = options.n_fft / 2;
  const at::Tensor padded_x = at::reflection_pad1d(x.unsqueeze(1), {half, half}).squeeze(1);
  const at::Tensor spectrum =
      at::stft(padded_x, options.n_fft, options.hop_length, options.n_fft, window,
               /*normalized=*/false, /*onesided=*/true, /*return_complex=*/true);
  const at::Tensor frames = at::view_as_real(spectrum.narrow(2, 0, spectrum.size(2) - 1));
  const at::Tensor power = frames.pow(2).sum(-1);  // [B, n_fft / 2 + 1, frames]
  const WhisperMel mel(options);
  const std::vector<float>& bank = mel.mel_filters();  // [n_fft / 2 + 1, bins]
  const at::Tensor filters =
      at::from_blob(const_cast<float*>(bank.data()), {options.n_fft / 2 + 1, options.feature_size},
                    at::TensorOptions().dtype(at::kFloat))
          .to(x.device());
  const at::Tensor mel_spec = at::matmul(filters.t(), power);  // [B, bins, frames]
  at::Tensor log_spec = at::clamp_min(mel_spec, 1e-10).log10();
  // the batched form of transformers' _torch_extract_fbank_features: each row's own max
  const at::Tensor row_max = std::get<0>(std::get<0>(log_spec.max(2, true)).max(1, true));
  log_spec = at::maximum(log_spec, row_max - 8.0);
  return (log_spec + 4.0) / 4.0;
}

at::Tensor waveform_gradient(const Pipeline& pipeline, const PromptTensors& prompt,
                             const at::Tensor& waveform, const at::Tensor& lengths,
                             const at::Tensor& targets, const WhisperMelOptions& options,
                             TargetScore* score, const Interventions* interventions) {
  at::AutoGradMode grad(true);
  const WithoutOneDnn without_onednn;
  const int64_t rows = waveform.size(0);
  const at::Tensor lengths_cpu = lengths.to(at::kCPU).to(at::kLong);
  std::vector<at::Tensor> leaves, padded_rows;
  const int64_t samples = waveform.size(1);
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t n = lengths_cpu[r].item<int64_t>();
    leaves.push_back(
        waveform[r].narrow(0, 0, n).detach().clone().to(at::kFloat).requires_grad_(true));
    padded_rows.push_back(at::constant_pad_nd(leaves.back(), {0, samples - n}, 0.0));
  }
  PromptTensors full = prompt;
  full.features = whisper_log_mel_torch(at::stack(padded_rows, 0), options);
  TargetScore s = score_targets(pipeline, full, targets, interventions);
  s.sum.sum().backward();
  if (score) *score = {s.logprobs.detach(), s.sum.detach()};
  at::Tensor out = at::zeros({rows, samples}, at::TensorOptions().dtype(at::kFloat));
  for (int64_t r = 0; r < rows; ++r) {
    const at::Tensor g = leaves[r].grad();
    if (g.defined()) out[r].narrow(0, 0, g.size(0)).copy_(g.cpu());
  }
  return out;
}

}  // namespace almkit::research
