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
  const size_t block = std::max<size_t>(
      8, static_cast<size_t>(std::ceil(std::sqrt(static_cast<double>(n - begin)))));
  for (size_t start = begin; start < n; start += block) {
    const size_t end = std::min(n, start + block);
    Request prompt;
    prompt.prompt_ids.assign(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(start));
    std::vector<std::vector<int32_t>> continuations;
    for (size_t k = start + 1; k <= end; ++k) {
      continuations.emplace_back(ids.begin() + static_cast<std::ptrdiff_t>(start),
                                 ids.begin() + static_cast<std::ptrdiff_t>(k));
    }
    const std::vector<OptionScore> scores = model.score_ids(prompt, continuations);
    for (size_t j = 0; j < scores.size(); ++j) {
      out[start + j - from] = scores[j].sum_logprob - (j == 0 ? 0.0 : scores[j - 1].sum_logprob);
    }
  }
  return out;
}

}  // namespace almkit::serve
