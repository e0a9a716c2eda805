#include "generate/pipeline.h"

#include <algorithm>
#include <limits>

#include "almkit/error.h"
#include "generate/audio_binding.h"
#include "generate/sampling.h"

namespace almkit {

Pipeline::Pipeline(ModelParts parts) : parts_(std::move(parts)) {
  if (!parts_.language_model && !parts_.projector) {
    throw Error(ErrorCode::kInternal, "pipeline without a language model or projector");
  }
}

const LanguageModel& Pipeline::language_model() const {
  if (!parts_.language_model) {
    throw Error(ErrorCode::kInvalidArgument, "model type '" + parts_.model_type + "' has no language model");
  }
  return *parts_.language_model;
}

EncodedAudio Pipeline::encode(const at::Tensor& features, const at::Tensor& feature_lengths,
                              const LayerHook* hook) const {
  if (!parts_.encoder) {
    throw Error(ErrorCode::kInvalidArgument, "model type '" + parts_.model_type + "' takes no audio");
  }
  return parts_.encoder->encode(features, feature_lengths, hook);
}

EncodedAudio Pipeline::project(const EncodedAudio& encoded, const LayerHook* hook) const {
  // Frames past the longest clip are padding: drop them before projecting (Qwen2-Audio: 750 -> 75
  // for a 3 s clip).
  const int64_t longest = encoded.output_lengths.max().item<int64_t>();
  const EncodedAudio trimmed{encoded.hidden.narrow(1, 0, std::min(longest, encoded.hidden.size(1))),
                             encoded.output_lengths};
  if (!parts_.projector) return trimmed;
  return parts_.projector->project(trimmed, hook);
}

DecoderInput Pipeline::prepare(const at::Tensor& ids, const at::Tensor& attention_mask, const EncodedAudio* audio,
                               nn::KvCache& cache, std::vector<int64_t> clips_per_row) const {
  const LanguageModel& lm = language_model();
  const at::Tensor mask = attention_mask.defined() ? attention_mask.to(at::kLong) : at::ones_like(ids);
  if (lm.attends_to_audio() || audio == nullptr || parts_.audio_token_id < 0) {
    if (lm.attends_to_audio()) {
      if (audio == nullptr) throw Error(ErrorCode::kInvalidArgument, "this model needs audio to attend to");
      cache.encoder_states = audio->hidden;
    }
    return {lm.embed(ids), lm.prompt_positions(mask, at::Tensor()), mask};
  }
  const at::Tensor lengths = audio->output_lengths.to(at::kCPU).to(at::kLong).contiguous();
  const std::vector<int64_t> clip_frames(lengths.data_ptr<int64_t>(), lengths.data_ptr<int64_t>() + lengths.numel());
  if (clips_per_row.empty()) clips_per_row = infer_clips_per_row(ids, parts_.audio_token_id, clip_frames);
  // Placeholders are embedded as id 0 (their rows are replaced): a placeholder id may lie past
  // the embedding table (Granite Speech).
  const at::Tensor text_ids = ids.masked_fill(ids == parts_.audio_token_id, 0);
  const SplicedPrompt spliced =
      splice_audio(ids, mask, lm.embed(text_ids), audio->hidden, clip_frames, clips_per_row, parts_.audio_token_id);
  return {spliced.embeddings, lm.prompt_positions(spliced.attention_mask, spliced.audio_mask), spliced.attention_mask,
          spliced.audio_mask};
}

namespace {

// Per row of `logprobs` [rows, vocab]: the chosen token (one id a row) with its value and rank
// (1 + the number of tokens more likely), and the k most likely tokens, most likely first.
std::vector<StepLogprobs> rank_choices(const at::Tensor& logprobs, const std::vector<int64_t>& chosen,
                                       int64_t k) {
  const at::Tensor chosen_ids =
      at::tensor(chosen, at::TensorOptions().dtype(at::kLong)).to(logprobs.device()).view({-1, 1});
  const at::Tensor own = logprobs.gather(1, chosen_ids);
  const at::Tensor ranks = (logprobs > own).sum(-1).add(1).cpu().contiguous();
  const at::Tensor values = own.view({-1}).to(at::kDouble).cpu().contiguous();
  k = std::min<int64_t>(k, logprobs.size(-1));
  at::Tensor top_values, top_ids;
  if (k > 0) {
    const auto [v, i] = at::topk(logprobs, k, -1);
    top_values = v.to(at::kDouble).cpu().contiguous();
    top_ids = i.cpu().contiguous();
  }
  std::vector<StepLogprobs> out(chosen.size());
  for (size_t row = 0; row < chosen.size(); ++row) {
    StepLogprobs& step = out[row];
    step.token = static_cast<int32_t>(chosen[row]);
    step.logprob = values.data_ptr<double>()[row];
    step.rank = ranks.data_ptr<int64_t>()[row];
    for (int64_t j = 0; j < k; ++j) {
      const int64_t at = static_cast<int64_t>(row) * k + j;
      step.top.push_back({static_cast<int32_t>(top_ids.data_ptr<int64_t>()[at]),
                          top_values.data_ptr<double>()[at]});
    }
  }
  return out;
}

}  // namespace

Generation Pipeline::generate(const DecoderInput& input, nn::KvCache& cache, const SamplingOptions& options,
                              const LayerHook* hook) const {
  const LanguageModel& lm = language_model();
  const int64_t rows = input.embeddings.size(0);
  std::vector<int64_t> stops = options.stop_at_eos ? parts_.generation.eos_token_ids : std::vector<int64_t>{};
  stops.insert(stops.end(), options.stop_token_ids.begin(), options.stop_token_ids.end());
  const int64_t pad = parts_.generation.pad_token_id >= 0 ? parts_.generation.pad_token_id
                                                           : (stops.empty() ? 0 : stops[0]);
  Sampler sampler(options);
  Generation result;
  result.tokens.resize(rows);
  std::vector<bool> finished(rows, false);
  std::vector<at::Tensor> kept;
  at::Tensor hidden = lm.forward(input, cache, hook);
  at::Tensor mask = input.attention_mask;
  at::Tensor positions = input.positions;
  for (int64_t step = 0; step < options.max_new_tokens; ++step) {
    at::Tensor logits = lm.logits(hidden.select(1, hidden.size(1) - 1)).to(at::kFloat);
    const at::Tensor raw_logprobs =
        options.logprobs >= 0 && options.on_logprobs ? at::log_softmax(logits, -1) : at::Tensor();
    if (step < options.min_new_tokens && !stops.empty()) {
      // transformers' MinNewTokensLengthLogitsProcessor: stop ids cannot be chosen yet
      logits = logits.index_fill(1, at::tensor(stops, at::TensorOptions().dtype(at::kLong)).to(logits.device()),
                                 -std::numeric_limits<float>::infinity());
    }
    if (options.keep_step_logits) kept.push_back(logits.unsqueeze(1));
    const std::vector<int64_t> next = sampler.choose(logits);
    if (raw_logprobs.defined()) {
      const std::vector<StepLogprobs> steps = rank_choices(raw_logprobs, next, options.logprobs);
      for (int64_t r = 0; r < rows; ++r) {
        if (!finished[r]) options.on_logprobs(r, steps[r]);
      }
    }
    bool all_done = true;
    std::vector<int64_t> fed(rows);
    for (int64_t r = 0; r < rows; ++r) {
      fed[r] = finished[r] ? pad : next[r];
      if (!finished[r]) {
        result.tokens[r].push_back(next[r]);
        const bool stop = std::find(stops.begin(), stops.end(), next[r]) != stops.end();
        const bool keep_going = options.on_token ? options.on_token(r, next[r]) : true;
        finished[r] = stop || !keep_going;
      }
      all_done = all_done && finished[r];
    }
    if (all_done || step + 1 == options.max_new_tokens) break;
    const at::Tensor token = at::tensor(fed, at::TensorOptions().dtype(at::kLong)).view({rows, 1}).to(positions.device());
    positions = lm.next_positions(positions, 1);
    mask = at::cat({mask, at::ones({rows, 1}, mask.options())}, 1);
    hidden = lm.forward({lm.embed(token), positions, mask}, cache, hook);
  }
  if (!kept.empty()) result.step_logits = at::cat(kept, 1);
  return result;
}

std::vector<OptionScore> Pipeline::score(const DecoderInput& prompt, nn::KvCache& cache,
                                               const std::vector<std::vector<int64_t>>& continuations,
                                               const LayerHook* hook, int64_t top_k) const {
  const LanguageModel& lm = language_model();
  if (prompt.embeddings.size(0) != 1) {
    throw Error(ErrorCode::kInvalidArgument, "scoring takes one prompt at a time");
  }
  const at::Tensor prompt_hidden = lm.forward(prompt, cache, hook);
  const at::Tensor first = at::log_softmax(lm.logits(prompt_hidden.select(1, prompt_hidden.size(1) - 1)).to(at::kFloat), -1);
  // The rank and top_k alternatives of each row's token (`chosen`, one id a row), appended to
  // `out`.
  auto append_top = [top_k](const at::Tensor& logprobs, const std::vector<int64_t>& chosen,
                            OptionScore& out) {
    if (top_k <= 0) return;
    for (StepLogprobs& step : rank_choices(logprobs, chosen, top_k)) {
      out.token_ranks.push_back(step.rank);
      out.top_logprobs.push_back(std::move(step.top));
    }
  };
  std::vector<OptionScore> scores;
  for (const auto& continuation : continuations) {
    if (continuation.empty()) throw Error(ErrorCode::kInvalidArgument, "an empty continuation cannot be scored");
    OptionScore score;
    score.tokens = static_cast<int64_t>(continuation.size());
    score.token_logprobs.push_back(first[0][continuation[0]].item<double>());
    append_top(first, {continuation[0]}, score);
    if (continuation.size() > 1) {
      nn::KvCache branch = cache;  // tensors are shared; the branch appends its own copies
      const auto n = static_cast<int64_t>(continuation.size()) - 1;
      const at::Tensor ids = at::tensor(std::vector<int64_t>(continuation.begin(), continuation.end() - 1),
                                        at::TensorOptions().dtype(at::kLong)).view({1, n}).to(prompt.positions.device());
      const at::Tensor positions = lm.next_positions(prompt.positions, n);
      const at::Tensor mask = at::cat({prompt.attention_mask, at::ones({1, n}, prompt.attention_mask.options())}, 1);
      const at::Tensor hidden = lm.forward({lm.embed(ids), positions, mask}, branch, hook);
      const at::Tensor logprobs = at::log_softmax(lm.logits(hidden).to(at::kFloat), -1)[0];
      for (int64_t i = 0; i < n; ++i) score.token_logprobs.push_back(logprobs[i][continuation[i + 1]].item<double>());
      append_top(logprobs, std::vector<int64_t>(continuation.begin() + 1, continuation.end()), score);
    }
    for (double value : score.token_logprobs) score.sum_logprob += value;
    score.mean_logprob = score.sum_logprob / score.tokens;
    scores.push_back(score);
  }
  return scores;
}

}  // namespace almkit
