#include "serve/prompt_logprobs.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace almkit::serve {

std::vector<double> token_logprobs(const Model& model, const std::vector<int32_t>& ids,
                                   size_t from) {
  const size_t n = ids.size();
  std::vector<double> out(n > from ? n - from : 0, std::numeric_limits<double>::quiet_NaN());
  const size_t begin = std::max<size_t>(from, 1);
  if (begin >= n) return out;
  // One pass: the tokens from `begin` on are a single continuation of the ones before, and
  // score_ids reports each token's log-probability.
  Request prompt;
  prompt.prompt_ids.assign(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(begin));
  const std::vector<OptionScore> scores =
      model.score_ids(prompt, {std::vector<int32_t>(ids.begin() + static_cast<std::ptrdiff_t>(begin), ids.end())});
  const std::vector<double>& values = scores.at(0).token_logprobs;
  for (size_t i = 0; i < values.size(); ++i) out[begin + i - from] = values[i];
  return out;
}

}  // namespace almkit::serve
