// Per-token log-probabilities of a token sequence (OpenAI's `echo` + `logprobs` on
// /v1/completions), computed with Model::score_ids only.
#pragma once

#include <cstdint>
#include <vector>

#include "almkit/model.h"

namespace almkit::serve {

// log P(ids[i] | ids[0..i)) for every i in [max(from, 1), ids.size()); entry i of the result
// (index i - from) is meaningful for i >= 1 (ids[0] has no context: its entry is NaN).
//
// score_ids scores each continuation after a shared prompt, so position i is the difference of
// the sums of two nested continuations. Splitting the sequence into blocks of about sqrt(n)
// tokens (each block's prompt prefilled once) costs about n^1.5 token positions instead of
// n^2 / 2, and keeps every difference within one short block.
std::vector<double> token_logprobs(const Model& model, const std::vector<int32_t>& ids,
                                   size_t from);

}  // namespace almkit::serve
