// sacreBLEU 2.x's CHRF metric (sacrebleu/metrics/chrf.py with its defaults): character n-grams
// of order 1-6 without whitespace, optional word n-grams of order 1-2 (chrF++) after its
// punctuation split, the best reference per segment, statistics summed over the corpus.
#include <cstdio>
#include <unordered_map>

#include "almkit/error.h"
#include "almkit/text_metrics.h"
#include "bench/python_text.h"

namespace almkit::bench {
namespace {

constexpr int kCharOrder = 6;
constexpr int kBeta = 2;

using Counter = std::unordered_map<std::u32string, int64_t>;

// extract_all_char_ngrams(line, 6, include_whitespace=False)
std::vector<Counter> char_ngrams(const std::string& line) {
  std::u32string text;
  for (const auto& word : python_split(line)) text += utf8_to_codepoints(word);
  std::vector<Counter> counters(kCharOrder);
  for (int n = 1; n <= kCharOrder; ++n) {
    for (size_t i = 0; i + size_t(n) <= text.size(); ++i)
      ++counters[size_t(n - 1)][text.substr(i, size_t(n))];
  }
  return counters;
}

// CHRF._remove_punctuation: one ASCII punctuation mark split off the end, else off the start.
std::vector<std::u32string> chrf_words(const std::string& line) {
  static const std::u32string kPunctuation = U"!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
  auto punct = [](char32_t c) { return kPunctuation.find(c) != std::u32string::npos; };
  std::vector<std::u32string> words;
  for (const auto& word_utf8 : python_split(line)) {
    const std::u32string w = utf8_to_codepoints(word_utf8);
    if (w.size() == 1) {
      words.push_back(w);
    } else if (punct(w.back())) {
      words.push_back(w.substr(0, w.size() - 1));
      words.push_back(w.substr(w.size() - 1));
    } else if (punct(w.front())) {
      words.push_back(w.substr(0, 1));
      words.push_back(w.substr(1));
    } else {
      words.push_back(w);
    }
  }
  return words;
}

// extract_word_ngrams(tokens, n): ' '.join of each window.
Counter word_ngrams(const std::vector<std::u32string>& words, int n) {
  Counter counter;
  for (size_t i = 0; i + size_t(n) <= words.size(); ++i) {
    std::u32string key;
    for (size_t k = 0; k < size_t(n); ++k) key += (k ? U" " : U"") + words[i + k];
    ++counter[key];
  }
  return counter;
}

std::vector<Counter> all_ngrams(const std::string& line, int word_order) {
  auto counters = char_ngrams(line);
  if (word_order > 0) {
    const auto words = chrf_words(line);
    for (int n = 1; n <= word_order; ++n) counters.push_back(word_ngrams(words, n));
  }
  return counters;
}

// _compute_f_score without epsilon smoothing: precision and recall averaged over the orders
// that have both hypothesis and reference n-grams, then F-beta.
double f_score(const std::vector<int64_t>& statistics) {
  const double factor = kBeta * kBeta;
  double average_precision = 0.0, average_recall = 0.0;
  int effective_order = 0;
  for (size_t i = 0; i + 2 < statistics.size(); i += 3) {
    const int64_t hyp = statistics[i], ref = statistics[i + 1], match = statistics[i + 2];
    if (hyp > 0 && ref > 0) {
      average_precision += double(match) / double(hyp);
      average_recall += double(match) / double(ref);
      ++effective_order;
    }
  }
  if (effective_order == 0) {
    average_precision = average_recall = 0.0;
  } else {
    average_precision /= effective_order;
    average_recall /= effective_order;
  }
  if (average_precision + average_recall == 0.0) return 0.0;
  double score = (1 + factor) * average_precision * average_recall;
  score /= (factor * average_precision) + average_recall;
  return 100 * score;
}

}  // namespace

ChrfScore corpus_chrf(const std::vector<std::string>& hypotheses,
                      const std::vector<std::vector<std::string>>& references, int word_order) {
  if (references.size() != hypotheses.size()) {
    throw Error(ErrorCode::kInvalidArgument, "corpus_chrf: one reference list per hypothesis");
  }
  if (word_order < 0 || word_order > 2) {
    throw Error(ErrorCode::kInvalidArgument,
                "corpus_chrf: word order " + std::to_string(word_order) + " (0 chrF, 2 chrF++)");
  }
  ChrfScore result;
  result.word_order = word_order;
  result.statistics.assign(size_t(3 * (kCharOrder + word_order)), 0);
  for (size_t i = 0; i < hypotheses.size(); ++i) {
    if (references[i].empty()) {
      throw Error(ErrorCode::kInvalidArgument,
                  "corpus_chrf: hypothesis " + std::to_string(i) + " has no reference");
    }
    const auto hyp_ngrams = all_ngrams(hypotheses[i], word_order);
    std::vector<int64_t> best;
    double best_f = -1.0;
    for (const auto& reference : references[i]) {
      const auto ref_ngrams = all_ngrams(reference, word_order);
      std::vector<int64_t> statistics;
      for (size_t order = 0; order < hyp_ngrams.size(); ++order) {
        // _get_match_statistics
        int64_t hyp_count = 0, ref_count = 0, match = 0;
        for (const auto& [ngram, count] : hyp_ngrams[order]) {
          hyp_count += count;
          const auto found = ref_ngrams[order].find(ngram);
          if (found != ref_ngrams[order].end()) match += std::min(count, found->second);
        }
        for (const auto& entry : ref_ngrams[order]) ref_count += entry.second;
        statistics.insert(statistics.end(),
                          {ref_ngrams[order].empty() ? 0 : hyp_count, ref_count, match});
      }
      const double f = f_score(statistics);
      if (f > best_f) {
        best_f = f;
        best = statistics;
      }
    }
    for (size_t k = 0; k < best.size(); ++k) result.statistics[k] += best[k];
  }
  result.score = f_score(result.statistics);
  return result;
}

std::string sacrebleu_printout(const BleuScore& score) {
  const double ratio = score.ref_len ? double(score.sys_len) / double(score.ref_len) : 0.0;
  char line[256];
  std::snprintf(
      line, sizeof(line),
      "BLEU = %.2f %.1f/%.1f/%.1f/%.1f (BP = %.3f ratio = %.3f hyp_len = %lld ref_len = %lld)",
      score.score, score.precisions[0], score.precisions[1], score.precisions[2],
      score.precisions[3], score.bp, ratio, static_cast<long long>(score.sys_len),
      static_cast<long long>(score.ref_len));
  return line;
}

std::string sacrebleu_printout(const ChrfScore& score) {
  char line[64];
  std::snprintf(line, sizeof(line), "chrF%d%s = %.2f", score.beta,
                std::string(size_t(score.word_order), '+').c_str(), score.score);
  return line;
}

}  // namespace almkit::bench
