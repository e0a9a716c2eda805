// Corpus BLEU as sacrebleu computes it (its 13a and zh tokenizers, exp smoothing, closest
// reference length) and the caption metrics of aac-metrics (CIDEr-D, ROUGE-L), rule by rule.
#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "almkit/bench_scoring.h"
#include "almkit/error.h"
#include "almkit/text_metrics.h"
#include "bench/metrics/python_re.h"
#include "bench/python_text.h"

namespace almkit::bench {
namespace {

bool is_digit(char32_t c) { return c >= U'0' && c <= U'9'; }

// sacrebleu's TokenizerZh._is_chinese_char. Two of its ranges are written '\u20000'..'\u2a6d6'
// and '\u2f800'..'\u2fa1d': in Python these are two-character strings, so a character c is in
// them when U+2000 < c <= U+2A6D (general punctuation, arrows, maths...) and U+2F80 < c <= U+2FA1.
bool sacrebleu_chinese_char(char32_t c) {
  static const std::pair<char32_t, char32_t> kRanges[] = {
      {0x3400, 0x4db5}, {0x4e00, 0x9fa5}, {0x9fa6, 0x9fbb}, {0xf900, 0xfa2d}, {0xfa30, 0xfa6a},
      {0xfa70, 0xfad9}, {0x2001, 0x2a6d}, {0x2f81, 0x2fa1}, {0xff00, 0xffef}, {0x2e80, 0x2eff},
      {0x3000, 0x303f}, {0x31c0, 0x31ef}, {0x2f00, 0x2fdf}, {0x2ff0, 0x2fff}, {0x3100, 0x312f},
      {0x31a0, 0x31bf}, {0xfe10, 0xfe1f}, {0xfe30, 0xfe4f}, {0x2600, 0x26ff}, {0x2700, 0x27bf},
      {0x3200, 0x32ff}, {0x3300, 0x33ff}};
  for (const auto& [low, high] : kRanges) {
    if (c >= low && c <= high) return true;
  }
  return false;
}

// TokenizerRegexp: its four re.sub passes (non-overlapping, left to right), then ' '.join(split()).
std::string regexp_tokenize(const std::u32string& line) {
  auto separated = [](char32_t c) {
    return (c >= U'{' && c <= U'~') || (c >= U'[' && c <= U'`') || (c >= U' ' && c <= U'&') ||
           (c >= U'(' && c <= U'+') || (c >= U':' && c <= U'@') || c == U'/';
  };
  auto period_or_comma = [](char32_t c) { return c == U'.' || c == U','; };
  std::u32string a;
  for (char32_t c : line) {
    if (separated(c)) {
      a += U' ';
      a += c;
      a += U' ';
    } else {
      a += c;
    }
  }
  std::u32string b;  // ([^0-9])([\.,]) -> '\1 \2 '
  for (size_t i = 0; i < a.size();) {
    if (i + 1 < a.size() && !is_digit(a[i]) && period_or_comma(a[i + 1])) {
      b += a[i];
      b += U' ';
      b += a[i + 1];
      b += U' ';
      i += 2;
    } else {
      b += a[i++];
    }
  }
  std::u32string c;  // ([\.,])([^0-9]) -> ' \1 \2'
  for (size_t i = 0; i < b.size();) {
    if (i + 1 < b.size() && period_or_comma(b[i]) && !is_digit(b[i + 1])) {
      c += U' ';
      c += b[i];
      c += U' ';
      c += b[i + 1];
      i += 2;
    } else {
      c += b[i++];
    }
  }
  std::u32string d;  // ([0-9])(-) -> '\1 \2 '
  for (size_t i = 0; i < c.size();) {
    if (i + 1 < c.size() && is_digit(c[i]) && c[i + 1] == U'-') {
      d += c[i];
      d += U' ';
      d += U'-';
      d += U' ';
      i += 2;
    } else {
      d += c[i++];
    }
  }
  std::string out;
  for (const auto& word : python_split(codepoints_to_utf8(d))) out += (out.empty() ? "" : " ") + word;
  return out;
}

void replace_all(std::string& text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
}

using NgramCounts = std::map<std::vector<std::string>, int64_t>;

// sacrebleu's extract_all_word_ngrams / aac-metrics' cook: counts of 1..n-grams of split().
NgramCounts count_ngrams(const std::vector<std::string>& words, int max_order) {
  NgramCounts counts;
  for (int n = 1; n <= max_order; ++n) {
    for (size_t i = 0; i + size_t(n) <= words.size(); ++i) {
      ++counts[std::vector<std::string>(words.begin() + i, words.begin() + i + n)];
    }
  }
  return counts;
}

double my_log(double value) { return value == 0.0 ? -9999999999.0 : std::log(value); }

}  // namespace

std::string sacrebleu_tokenize(const std::string& line, const std::string& tokenizer) {
  if (tokenizer == "none") return line;
  if (tokenizer == "13a") {
    std::string text = line;
    replace_all(text, "<skipped>", "");
    replace_all(text, "-\n", "");
    replace_all(text, "\n", " ");
    replace_all(text, "&quot;", "\"");
    replace_all(text, "&amp;", "&");
    replace_all(text, "&lt;", "<");
    replace_all(text, "&gt;", ">");
    return regexp_tokenize(utf8_to_codepoints(" " + text + " "));
  }
  if (tokenizer == "zh") {
    std::u32string spaced;
    for (char32_t c : utf8_to_codepoints(python_strip(line))) {
      if (sacrebleu_chinese_char(c)) {
        spaced += U' ';
        spaced += c;
        spaced += U' ';
      } else {
        spaced += c;
      }
    }
    return regexp_tokenize(spaced);
  }
  if (tokenizer == "intl") {
    // TokenizerV14International: three regex module substitutions, then ' '.join(split()).
    static const Regex punct_after_non_number = python_regex("(\\P{N})(\\p{P})");
    static const Regex punct_before_non_number = python_regex("(\\p{P})(\\P{N})");
    static const Regex symbol = python_regex("(\\p{S})");
    std::string text = python_sub(punct_after_non_number, line, "\\1 \\2 ");
    text = python_sub(punct_before_non_number, text, " \\1 \\2");
    text = python_sub(symbol, text, " \\1 ");
    std::string out;
    for (const auto& word : python_split(text)) out += (out.empty() ? "" : " ") + word;
    return out;
  }
  throw Error(ErrorCode::kInvalidArgument,
              "sacrebleu tokenizer '" + tokenizer + "' is not supported (13a, zh, intl or none)");
}

BleuScore corpus_bleu(const std::vector<std::string>& hypotheses,
                      const std::vector<std::vector<std::string>>& reference_sets,
                      const std::string& tokenizer) {
  for (const auto& set : reference_sets) {
    if (set.size() != hypotheses.size()) {
      throw Error(ErrorCode::kInvalidArgument,
                  "corpus_bleu: every reference set needs one reference per hypothesis");
    }
  }
  std::vector<std::vector<std::string>> references(hypotheses.size());
  for (const auto& set : reference_sets) {
    for (size_t i = 0; i < set.size(); ++i) references[i].push_back(set[i]);
  }
  return corpus_bleu_by_segment(hypotheses, references, tokenizer);
}

BleuScore corpus_bleu_by_segment(const std::vector<std::string>& hypotheses,
                                 const std::vector<std::vector<std::string>>& references,
                                 const std::string& tokenizer) {
  constexpr int kOrder = 4;
  if (references.size() != hypotheses.size()) {
    throw Error(ErrorCode::kInvalidArgument, "corpus_bleu: one reference list per hypothesis");
  }
  sacrebleu_tokenize("", tokenizer);  // rejects an unknown tokenizer even for an empty corpus
  std::vector<int64_t> correct(kOrder, 0), total(kOrder, 0);
  int64_t sys_len = 0, ref_len = 0;
  for (size_t i = 0; i < hypotheses.size(); ++i) {
    if (references[i].empty()) {
      throw Error(ErrorCode::kInvalidArgument,
                  "corpus_bleu: hypothesis " + std::to_string(i) + " has no reference");
    }
    // _preprocess_segment: tokenizer(sent.rstrip()).
    NgramCounts ref_ngrams;
    std::vector<int64_t> ref_lens;
    for (const auto& reference : references[i]) {
      const auto words = python_split(sacrebleu_tokenize(python_rstrip(reference), tokenizer));
      ref_lens.push_back(static_cast<int64_t>(words.size()));
      for (const auto& [ngram, count] : count_ngrams(words, kOrder))
        ref_ngrams[ngram] = std::max(ref_ngrams[ngram], count);
    }
    const auto words = python_split(sacrebleu_tokenize(python_rstrip(hypotheses[i]), tokenizer));
    const auto hyp_len = static_cast<int64_t>(words.size());
    int64_t closest_diff = -1, closest_len = -1;  // _get_closest_ref_len
    for (int64_t length : ref_lens) {
      const int64_t diff = std::llabs(hyp_len - length);
      if (closest_diff == -1 || diff < closest_diff) {
        closest_diff = diff;
        closest_len = length;
      } else if (diff == closest_diff && length < closest_len) {
        closest_len = length;
      }
    }
    sys_len += hyp_len;
    ref_len += closest_len;
    for (const auto& [ngram, count] : count_ngrams(words, kOrder)) {
      const size_t n = ngram.size() - 1;
      total[n] += count;
      auto found = ref_ngrams.find(ngram);
      if (found != ref_ngrams.end()) correct[n] += std::min(count, found->second);
    }
  }
  // compute_bleu with smooth_method 'exp' and effective_order False.
  BleuScore score;
  for (int n = 0; n < kOrder; ++n) {
    score.counts[n] = correct[size_t(n)];
    score.totals[n] = total[size_t(n)];
  }
  score.sys_len = sys_len;
  score.ref_len = ref_len;
  score.bp = sys_len < ref_len ? (sys_len > 0 ? std::exp(1.0 - double(ref_len) / double(sys_len))
                                              : 0.0)
                               : 1.0;
  if (std::all_of(correct.begin(), correct.end(), [](int64_t c) { return c == 0; })) return score;
  double smooth = 1.0;
  for (int n = 0; n < kOrder; ++n) {
    if (total[size_t(n)] == 0) break;
    if (correct[size_t(n)] == 0) {
      smooth *= 2.0;
      score.precisions[n] = 100.0 / (smooth * double(total[size_t(n)]));
    } else {
      score.precisions[n] = 100.0 * double(correct[size_t(n)]) / double(total[size_t(n)]);
    }
  }
  double log_sum = 0.0;
  for (double precision : score.precisions) log_sum += my_log(precision);
  score.score = score.bp * std::exp(log_sum / kOrder);
  return score;
}

std::string caption_tokens(const std::string& sentence) {
  // Approximates `PTBTokenizer -preserveLines -lowerCase` followed by aac-metrics' removal of
  // PTB_PUNCTUATIONS: lower case; brackets, quotes, backslashes and ; ! ? $ % # made tokens of
  // their own; ',' and ':' too unless between digits, '.' unless a letter or digit follows;
  // contractions ('s, n't, 're, 've, 'll, 'd, 'm) split off; punctuation tokens dropped.
  static const std::string kAlone = "\\\"()[]{};!?$%#`";
  const std::string text = python_lower(sentence);
  auto alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (static_cast<unsigned char>(c) >= 0x80);
  };
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  std::string spaced;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const char before = i > 0 ? text[i - 1] : ' ', after = i + 1 < text.size() ? text[i + 1] : ' ';
    bool alone = kAlone.find(c) != std::string::npos;
    if (c == ',' || c == ':') alone = !(digit(before) && digit(after));
    if (c == '.') alone = !alnum(after);
    if (alone) {
      spaced += ' ';
      spaced += c;
      spaced += ' ';
    } else {
      spaced += c;
    }
  }
  static const char* kContractions[] = {"n't", "'s", "'re", "'ve", "'ll", "'d", "'m"};
  static const std::set<std::string> kPunctuation = {
      "''", "'", "``", "`", "(", ")", "{", "}", "[", "]", ".", "?", "!", ",", ":", "-", "--",
      "...", ";", "\"", "..", "...."};
  std::vector<std::string> out;
  auto keep = [&](const std::string& token) {
    if (!token.empty() && !kPunctuation.count(token)) out.push_back(token);
  };
  for (std::string word : python_split(spaced)) {
    // Quotes around a word are tokens of their own.
    while (word.size() > 1 && word.front() == '\'') word.erase(0, 1);
    std::string contraction;
    for (const char* suffix : kContractions) {
      const std::string s = suffix;
      if (word.size() > s.size() && word.compare(word.size() - s.size(), s.size(), s) == 0) {
        contraction = s;
        word.resize(word.size() - s.size());
        break;
      }
    }
    while (contraction.empty() && word.size() > 1 && word.back() == '\'') word.pop_back();
    keep(word);
    keep(contraction);
  }
  std::string joined;
  for (const auto& token : out) joined += (joined.empty() ? "" : " ") + token;
  return joined;
}

double cider_d(const std::vector<std::string>& candidates,
               const std::vector<std::vector<std::string>>& references) {
  constexpr int kOrder = 4;
  constexpr double kSigma = 6.0;
  if (candidates.size() != references.size()) {
    throw Error(ErrorCode::kInvalidArgument, "cider_d: one reference list per candidate");
  }
  if (candidates.size() <= 1) {
    throw Error(ErrorCode::kInvalidArgument,
                "CIDEr-D needs at least 2 candidates (aac-metrics raises ValueError here)");
  }
  std::vector<NgramCounts> cands;
  std::vector<std::vector<NgramCounts>> refs;
  std::map<std::vector<std::string>, int64_t> document_frequency;
  for (size_t i = 0; i < candidates.size(); ++i) {
    cands.push_back(count_ngrams(python_split(candidates[i]), kOrder));
    refs.emplace_back();
    std::map<std::vector<std::string>, bool> seen;
    for (const auto& reference : references[i]) {
      refs.back().push_back(count_ngrams(python_split(reference), kOrder));
      for (const auto& [ngram, count] : refs.back().back()) seen[ngram] = true;
    }
    for (const auto& [ngram, present] : seen) ++document_frequency[ngram];
  }
  const double log_n_refs = std::log(double(refs.size()));
  struct Vector {
    std::map<std::vector<std::string>, double> weights[kOrder];
    double norm[kOrder] = {};
    int64_t length = 0;  // counts bigrams, as the coco code does (cur_n == 1)
  };
  auto to_vector = [&](const NgramCounts& counts) {
    Vector v;
    for (const auto& [ngram, term_frequency] : counts) {
      auto found = document_frequency.find(ngram);
      const double df = found == document_frequency.end() ? 0.0 : double(found->second);
      const size_t n = ngram.size() - 1;
      const double weight = double(term_frequency) * (log_n_refs - std::log(std::max(1.0, df)));
      v.weights[n][ngram] = weight;
      v.norm[n] += weight * weight;
      if (n == 1) v.length += term_frequency;
    }
    for (double& norm : v.norm) norm = std::sqrt(norm);
    return v;
  };
  double sum = 0.0;
  for (size_t i = 0; i < cands.size(); ++i) {
    const Vector cand = to_vector(cands[i]);
    double ngram_scores[kOrder] = {};
    for (const auto& ref_counts : refs[i]) {
      const Vector ref = to_vector(ref_counts);
      const double delta = double(cand.length - ref.length);
      for (int n = 0; n < kOrder; ++n) {
        double similarity = 0.0;
        for (const auto& [ngram, weight] : cand.weights[n]) {
          auto found = ref.weights[n].find(ngram);
          const double ref_weight = found == ref.weights[n].end() ? 0.0 : found->second;
          similarity += std::min(weight, ref_weight) * ref_weight;
        }
        if (cand.norm[n] != 0.0 && ref.norm[n] != 0.0) similarity /= cand.norm[n] * ref.norm[n];
        similarity *= std::pow(M_E, -(delta * delta) / (2.0 * kSigma * kSigma));
        ngram_scores[n] += similarity;
      }
    }
    double mean = 0.0;
    for (double s : ngram_scores) mean += s;
    mean /= kOrder;
    sum += mean / double(refs[i].size()) * 10.0;
  }
  return sum / double(cands.size());
}

double rouge_l(const std::vector<std::string>& candidates,
               const std::vector<std::vector<std::string>>& references) {
  constexpr double kBeta = 1.2;
  if (candidates.size() != references.size()) {
    throw Error(ErrorCode::kInvalidArgument, "rouge_l: one reference list per candidate");
  }
  if (candidates.empty()) return std::nan("");  // np.mean of nothing
  double sum = 0.0;
  for (size_t i = 0; i < candidates.size(); ++i) {
    const auto cand = python_split(candidates[i]);
    if (cand.empty()) continue;  // scores 0
    double precision = 0.0, recall = 0.0;
    for (const auto& reference : references[i]) {
      const auto ref = python_split(reference);
      const auto& longer = ref.size() >= cand.size() ? ref : cand;
      const auto& shorter = ref.size() >= cand.size() ? cand : ref;
      std::vector<std::vector<int>> lengths(longer.size() + 1,
                                            std::vector<int>(shorter.size() + 1, 0));
      for (size_t j = 1; j <= shorter.size(); ++j) {
        for (size_t k = 1; k <= longer.size(); ++k) {
          lengths[k][j] = longer[k - 1] == shorter[j - 1]
                              ? lengths[k - 1][j - 1] + 1
                              : std::max(lengths[k - 1][j], lengths[k][j - 1]);
        }
      }
      const double lcs = lengths[longer.size()][shorter.size()];
      precision = std::max(precision, lcs / double(cand.size()));
      recall = std::max(recall, ref.empty() ? 0.0 : lcs / double(ref.size()));
    }
    if (precision != 0.0 && recall != 0.0) {
      sum += ((1 + kBeta * kBeta) * precision * recall) / (recall + kBeta * kBeta * precision);
    }
  }
  return sum / double(candidates.size());
}

}  // namespace almkit::bench
