// Log-probabilities on /v1/chat/completions: OpenAI's `logprobs` for the answer's tokens and
// vLLM's `prompt_logprobs` for the prompt's, each with alternatives and one Model::score_ids
// pass apiece, so they are exactly what almkit's own scoring gives.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "almkit/model.h"
#include "almkit/tokenizer.h"

namespace almkit::serve {

// {"content": [{"token", "logprob", "bytes", "top_logprobs": [{"token", "logprob", "bytes"}]}],
// "refusal": null} for `answer`, the tokens generated after `prompt` (its ids and audio), with
// `top_k` alternatives each, most likely first. Values are the model's own distribution, before
// temperature or penalties.
nlohmann::json answer_logprobs_json(const Model& model, const Request& prompt,
                                    const std::vector<int32_t>& answer, int top_k);

// One entry of the above for a token as generation saw it (streamed answers).
nlohmann::json step_logprobs_json(const Tokenizer& tokenizer, const StepLogprobs& step);

// vLLM's prompt_logprobs list: null for the first token, then {"<id>": {"logprob", "rank",
// "decoded_token"}} per token, holding the token itself and, with top_k > 0, the top_k most
// likely tokens at its position (ranked 1 .. top_k); the token's own rank is null without
// alternatives. With audio, the tokens up to the last audio placeholder are null too: their
// log-probabilities would describe placeholder ids, not the sound.
nlohmann::json prompt_logprobs_json(const Model& model, const std::vector<int32_t>& ids,
                                    const std::vector<AudioBuffer>& audio, int top_k);

}  // namespace almkit::serve
