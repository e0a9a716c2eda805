#include "serve/prompt_logprobs.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace almkit::serve {

SequenceLogprobs token_logprobs(const Model& model, const std::vector<int32_t>& ids, size_t from,
                                int top_k) {
  const size_t n = ids.size();
  SequenceLogprobs out;
  out.values.assign(n > from ? n - from : 0, std::numeric_limits<double>::quiet_NaN());
  out.top.resize(out.values.size());
  const size_t begin = std::max<size_t>(from, 1);
  if (begin >= n) return out;
  // One pass: the tokens from `begin` on are a single continuation of the ones before, and
  // score_ids reports each token's log-probability.
  Request prompt;
  prompt.prompt_ids.assign(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(begin));
  const std::vector<OptionScore> scores = model.score_ids(
      prompt, {std::vector<int32_t>(ids.begin() + static_cast<std::ptrdiff_t>(begin), ids.end())},
      {}, top_k);
  const OptionScore& score = scores.at(0);
  for (size_t i = 0; i < score.token_logprobs.size(); ++i) {
    out.values[begin + i - from] = score.token_logprobs[i];
    if (i < score.top_logprobs.size()) out.top[begin + i - from] = score.top_logprobs[i];
  }
  return out;
}

}  // namespace almkit::serve
