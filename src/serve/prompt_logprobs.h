// Per-token log-probabilities of a token sequence (OpenAI's `echo` + `logprobs` on
// /v1/completions), computed with Model::score_ids only.
#pragma once

#include <cstdint>
#include <vector>

#include "almkit/model.h"

namespace almkit::serve {

struct SequenceLogprobs {
  // log P(ids[i] | ids[0..i)) at index i - from; NaN for ids[0], which has no context.
  std::vector<double> values;
  // With top_k > 0: the top_k most likely tokens at each of those positions (empty for ids[0]).
  std::vector<std::vector<TokenLogprob>> top;
};

// The log-probabilities of ids[from..) in one forward pass (Model::score_ids).
SequenceLogprobs token_logprobs(const Model& model, const std::vector<int32_t>& ids, size_t from,
                                int top_k = 0);

}  // namespace almkit::serve
