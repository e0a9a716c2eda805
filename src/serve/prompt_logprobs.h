// Per-token log-probabilities of a token sequence (OpenAI's `echo` + `logprobs` on
// /v1/completions), computed with Model::score_ids only.
#pragma once

#include <cstdint>
#include <vector>

#include "almkit/model.h"

namespace almkit::serve {

// log P(ids[i] | ids[0..i)) for every i in [max(from, 1), ids.size()); entry i of the result
// (index i - from) is meaningful for i >= 1 (ids[0] has no context: its entry is NaN).
// One forward pass (Model::score_ids reports per-token log-probabilities).
std::vector<double> token_logprobs(const Model& model, const std::vector<int32_t>& ids,
                                   size_t from);

}  // namespace almkit::serve
