#include "bench/metrics/levenshtein_alignment.h"

#include <algorithm>

namespace almkit::bench {

EditCounts rapidfuzz_edit_counts(const std::vector<uint32_t>& reference,
                                 const std::vector<uint32_t>& hypothesis) {
  // common_affix: equal leading, then equal trailing tokens are matched outright.
  size_t prefix = 0;
  while (prefix < reference.size() && prefix < hypothesis.size() &&
         reference[prefix] == hypothesis[prefix]) {
    ++prefix;
  }
  size_t suffix = 0;
  while (suffix < reference.size() - prefix && suffix < hypothesis.size() - prefix &&
         reference[reference.size() - 1 - suffix] == hypothesis[hypothesis.size() - 1 - suffix]) {
    ++suffix;
  }
  const std::vector<uint32_t> s1(reference.begin() + long(prefix), reference.end() - long(suffix));
  const std::vector<uint32_t> s2(hypothesis.begin() + long(prefix),
                                 hypothesis.end() - long(suffix));
  const size_t n = s1.size(), m = s2.size();
  EditCounts counts;
  // distance[col][row]: the edit distance of s1[:col] and s2[:row]. rapidfuzz keeps only the
  // signs of distance[col][row] - distance[col - 1][row] (its VP / VN bit vectors per row).
  std::vector<int32_t> distance((n + 1) * (m + 1));
  auto at = [&](size_t col, size_t row) -> int32_t& { return distance[col * (m + 1) + row]; };
  for (size_t col = 0; col <= n; ++col) at(col, 0) = int32_t(col);
  for (size_t row = 0; row <= m; ++row) at(0, row) = int32_t(row);
  for (size_t col = 1; col <= n; ++col) {
    for (size_t row = 1; row <= m; ++row) {
      at(col, row) = std::min({at(col - 1, row - 1) + (s1[col - 1] == s2[row - 1] ? 0 : 1),
                               at(col - 1, row) + 1, at(col, row - 1) + 1});
    }
  }
  size_t col = n, row = m;
  while (row != 0 && col != 0) {
    if (at(col, row) - at(col - 1, row) == 1) {  // VP bit: deletion
      ++counts.deletions;
      --col;
      continue;
    }
    --row;
    if (row != 0 && at(col, row) - at(col - 1, row) == -1) {  // VN bit of the row above
      ++counts.insertions;
    } else {
      --col;
      if (s1[col] != s2[row]) ++counts.substitutions;
    }
  }
  counts.deletions += int64_t(col);
  counts.insertions += int64_t(row);
  counts.hits = int64_t(reference.size()) - counts.substitutions - counts.deletions;
  return counts;
}

}  // namespace almkit::bench
