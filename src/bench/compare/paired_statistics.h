// Statistics for comparing two runs on the same items: McNemar's exact test, a seeded paired
// bootstrap of the accuracy difference resampling audio clips, and standard errors clustered by
// clip (Miller 2024, "Adding Error Bars to Evals", eq. for clustered SEs). Plain functions of 0/1
// outcomes, so that tests/data/compare/make_compare_expected.py can recompute every figure.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace almkit::bench {

// One item answered by both runs.
struct PairedOutcome {
  std::string item_id;
  std::string cluster;  // the item's audio (items sharing a clip are not independent)
  bool a = false, b = false;
};

// McNemar's exact test (statsmodels mcnemar(exact=True)): b = items only run A got right,
// c = only run B; p = min(1, 2 * P[Binomial(b + c, 1/2) <= min(b, c)]), 1 when b + c = 0.
double mcnemar_exact_p(int64_t only_a, int64_t only_b);

// SplitMix64 (Steele et al.): the bootstrap's generator, easy to reproduce in any language.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t next();
  // An index in [0, n): next() % n (the bias is below 2^-40 for the cluster counts seen here).
  uint64_t below(uint64_t n) { return next() % n; }

 private:
  uint64_t state_;
};

struct PairedComparison {
  int64_t items = 0, clusters = 0;
  int64_t both_right = 0, only_a = 0, only_b = 0, both_wrong = 0;
  double accuracy_a = 0.0, accuracy_b = 0.0, difference = 0.0;  // difference = a - b
  double mcnemar_p = 1.0;
  // Standard errors of the difference: items independent, and clustered by clip.
  double se_difference = 0.0, se_difference_clustered = 0.0;
  double se_a_clustered = 0.0, se_b_clustered = 0.0;
  // Paired bootstrap over clips: `samples` resamples of the clusters with replacement (drawn with
  // SplitMix64(seed), cluster index = next() % clusters), the difference of each resample
  // (summed correct over summed items), its 2.5 and 97.5 percentiles (numpy's linear rule).
  int samples = 0;
  uint64_t seed = 0;
  double bootstrap_low = 0.0, bootstrap_high = 0.0;
};

// Clusters are numbered in first-seen order of `outcomes`.
PairedComparison compare_paired(const std::vector<PairedOutcome>& outcomes, int samples,
                                uint64_t seed);

// Standard error of a mean of 0/1 outcomes clustered by `clusters` (same length): sqrt(sum over
// clusters of (sum of (x_i - mean))^2) / n. With one item per cluster: sqrt(p (1 - p) / n).
double clustered_standard_error(const std::vector<double>& values,
                                const std::vector<std::string>& clusters);

// numpy.percentile(values, q) with the default linear interpolation (q in [0, 100]).
double percentile_linear(std::vector<double> values, double q);

}  // namespace almkit::bench
