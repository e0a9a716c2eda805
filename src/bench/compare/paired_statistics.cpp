#include "bench/compare/paired_statistics.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace almkit::bench {

double mcnemar_exact_p(int64_t only_a, int64_t only_b) {
  const int64_t n = only_a + only_b;
  if (n == 0) return 1.0;
  const int64_t k = std::min(only_a, only_b);
  // P[X <= k] for X ~ Binomial(n, 1/2), each term in log space (n can be in the thousands).
  double cdf = 0.0;
  for (int64_t i = 0; i <= k; ++i) {
    const double log_term = std::lgamma(double(n) + 1) - std::lgamma(double(i) + 1) -
                            std::lgamma(double(n - i) + 1) - double(n) * std::log(2.0);
    cdf += std::exp(log_term);
  }
  return std::min(1.0, 2.0 * cdf);
}

uint64_t SplitMix64::next() {
  uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

double percentile_linear(std::vector<double> values, double q) {
  if (values.empty()) return 0.0;
  std::sort(values.begin(), values.end());
  const double position = q / 100.0 * double(values.size() - 1);
  const auto low = static_cast<size_t>(std::floor(position));
  const size_t high = std::min(low + 1, values.size() - 1);
  const double fraction = position - double(low);
  return values[low] + (values[high] - values[low]) * fraction;
}

double clustered_standard_error(const std::vector<double>& values,
                                const std::vector<std::string>& clusters) {
  const size_t n = values.size();
  if (n == 0) return 0.0;
  double mean = 0.0;
  for (double v : values) mean += v;
  mean /= double(n);
  std::map<std::string, double> residual_sums;
  for (size_t i = 0; i < n; ++i) residual_sums[clusters[i]] += values[i] - mean;
  double total = 0.0;
  for (const auto& [name, sum] : residual_sums) total += sum * sum;
  return std::sqrt(total) / double(n);
}

PairedComparison compare_paired(const std::vector<PairedOutcome>& outcomes, int samples,
                                uint64_t seed) {
  PairedComparison out;
  out.items = static_cast<int64_t>(outcomes.size());
  out.samples = samples;
  out.seed = seed;
  if (outcomes.empty()) return out;
  std::vector<double> a, b, difference;
  std::vector<std::string> cluster_names;
  std::map<std::string, size_t> cluster_index;
  // Per cluster: items, correct of A minus correct of B.
  std::vector<int64_t> cluster_items;
  std::vector<int64_t> cluster_difference;
  for (const auto& outcome : outcomes) {
    out.both_right += outcome.a && outcome.b;
    out.only_a += outcome.a && !outcome.b;
    out.only_b += !outcome.a && outcome.b;
    out.both_wrong += !outcome.a && !outcome.b;
    a.push_back(outcome.a);
    b.push_back(outcome.b);
    difference.push_back(double(outcome.a) - double(outcome.b));
    cluster_names.push_back(outcome.cluster);
    auto [it, added] = cluster_index.emplace(outcome.cluster, cluster_items.size());
    if (added) {
      cluster_items.push_back(0);
      cluster_difference.push_back(0);
    }
    ++cluster_items[it->second];
    cluster_difference[it->second] += int64_t(outcome.a) - int64_t(outcome.b);
  }
  const double n = double(out.items);
  out.clusters = static_cast<int64_t>(cluster_items.size());
  out.accuracy_a = double(out.both_right + out.only_a) / n;
  out.accuracy_b = double(out.both_right + out.only_b) / n;
  out.difference = out.accuracy_a - out.accuracy_b;
  out.mcnemar_p = mcnemar_exact_p(out.only_a, out.only_b);
  double squares = 0.0;
  for (double d : difference) squares += (d - out.difference) * (d - out.difference);
  out.se_difference = std::sqrt(squares) / n;
  out.se_difference_clustered = clustered_standard_error(difference, cluster_names);
  out.se_a_clustered = clustered_standard_error(a, cluster_names);
  out.se_b_clustered = clustered_standard_error(b, cluster_names);
  if (samples > 0) {
    SplitMix64 rng(seed);
    std::vector<double> draws;
    draws.reserve(size_t(samples));
    const auto clusters = static_cast<uint64_t>(cluster_items.size());
    for (int s = 0; s < samples; ++s) {
      int64_t items = 0, diff = 0;
      for (uint64_t c = 0; c < clusters; ++c) {
        const uint64_t pick = rng.below(clusters);
        items += cluster_items[pick];
        diff += cluster_difference[pick];
      }
      draws.push_back(double(diff) / double(items));
    }
    out.bootstrap_low = percentile_linear(draws, 2.5);
    out.bootstrap_high = percentile_linear(draws, 97.5);
  }
  return out;
}

}  // namespace almkit::bench
