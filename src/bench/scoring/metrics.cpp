// Wilson intervals, WER/CER with almkit's documented normaliser, and robustness over choice
// permutations (CoR, CR of arXiv 2510.04584, ACR, answer-position histogram).
#include <utf8proc.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "almkit/bench_scoring.h"
#include "bench/metrics/levenshtein_alignment.h"
#include "bench/python_text.h"
#include "bench/regex.h"

namespace almkit::bench {

Interval wilson_interval(int64_t successes, int64_t total, double z) {
  if (total <= 0) return {0.0, 1.0};
  const double n = double(total);
  const double p = double(successes) / n;
  const double z2 = z * z;
  const double center = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
  const double half = z * std::sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n)) / (1.0 + z2 / n);
  return {std::max(0.0, center - half), std::min(1.0, center + half)};
}

std::string normalize_transcript(const std::string& text) {
  std::string s = python_lower(text);
  static const Regex brackets("[<\\[][^>\\]]*[>\\]]");
  static const Regex parentheses("\\(([^)]+?)\\)");
  static const Regex fillers("\\b(hmm|mm|mhm|mmm|uh|um)\\b");
  static const Regex space_apostrophe("\\s+'");
  static const Regex digit_comma("(\\d),(?=\\d)");
  s = brackets.replace_all(s, "");
  s = parentheses.replace_all(s, "");
  s = fillers.replace_all(s, "");
  s = space_apostrophe.replace_all(s, "'");
  // Commas between digits go ("1,000" -> "1000"): keep the digit, drop the comma.
  std::string without_commas;
  size_t copied = 0;
  for (const auto& match : digit_comma.find_all(s)) {
    without_commas.append(s, copied, match.start - copied);
    without_commas += match.groups[1];
    copied = match.end;
  }
  without_commas.append(s, copied, std::string::npos);
  s = without_commas;
  // NFKD, drop combining marks, symbols and punctuation become spaces; an apostrophe between
  // letters stays (contractions), and '.' between digits stays (decimals).
  utf8proc_uint8_t* decomposed = nullptr;
  const utf8proc_ssize_t length =
      utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(s.c_str()), 0, &decomposed,
                   static_cast<utf8proc_option_t>(UTF8PROC_NULLTERM | UTF8PROC_STABLE |
                                                  UTF8PROC_COMPAT | UTF8PROC_DECOMPOSE));
  std::u32string in;
  if (length >= 0 && decomposed) {
    in = utf8_to_codepoints(
        std::string(reinterpret_cast<char*>(decomposed), static_cast<size_t>(length)));
  } else {
    in = utf8_to_codepoints(s);
  }
  std::free(decomposed);
  std::u32string out;
  for (size_t i = 0; i < in.size(); ++i) {
    const char32_t c = in[i];
    const auto category = utf8proc_category(static_cast<utf8proc_int32_t>(c));
    if (category == UTF8PROC_CATEGORY_MN) continue;
    const bool word_before = i > 0 && python_is_word_char(in[i - 1]);
    const bool word_after = i + 1 < in.size() && python_is_word_char(in[i + 1]);
    if ((c == U'\'' || c == U'\u2019') && word_before && word_after) {
      out.push_back(U'\'');
      continue;
    }
    if (c == U'.' && i > 0 && i + 1 < in.size() && in[i - 1] >= U'0' && in[i - 1] <= U'9' &&
        in[i + 1] >= U'0' && in[i + 1] <= U'9') {
      out.push_back(c);
      continue;
    }
    const bool symbol_or_punct =
        (category >= UTF8PROC_CATEGORY_MN && category <= UTF8PROC_CATEGORY_ME) ||
        (category >= UTF8PROC_CATEGORY_PC && category <= UTF8PROC_CATEGORY_SO);
    out.push_back(symbol_or_punct ? U' ' : c);
  }
  std::string joined;
  for (const auto& word : python_split(codepoints_to_utf8(out))) {
    joined += (joined.empty() ? "" : " ") + word;
  }
  return joined;
}

namespace {

// jiwer's wer_default: RemoveMultipleSpaces (\s\s+ -> ' '), Strip, split(' ') without empties;
// words become ids (only equality matters).
std::vector<uint32_t> jiwer_words(const std::string& text,
                                  std::map<std::string, uint32_t>& vocabulary) {
  std::u32string collapsed;
  const std::u32string in = utf8_to_codepoints(text);
  for (size_t i = 0; i < in.size();) {
    size_t run = i;
    while (run < in.size() && python_is_space(in[run])) ++run;
    if (run - i >= 2) {
      collapsed += U' ';
      i = run;
    } else {
      collapsed += in[i++];
    }
  }
  std::vector<uint32_t> ids;
  const std::string stripped = python_strip(codepoints_to_utf8(collapsed));
  size_t start = 0;
  while (start <= stripped.size()) {
    size_t end = stripped.find(' ', start);
    if (end == std::string::npos) end = stripped.size();
    if (end > start) {
      const auto inserted = vocabulary.emplace(stripped.substr(start, end - start),
                                               uint32_t(vocabulary.size()));
      ids.push_back(inserted.first->second);
    }
    start = end + 1;
  }
  return ids;
}

// jiwer's cer_default: Strip, then one token per code point.
std::vector<uint32_t> jiwer_chars(const std::string& text) {
  const std::u32string chars = utf8_to_codepoints(python_strip(text));
  return std::vector<uint32_t>(chars.begin(), chars.end());
}

ErrorRate add_counts(ErrorRate rate, const EditCounts& counts, size_t reference_length) {
  rate.hits += counts.hits;
  rate.substitutions += counts.substitutions;
  rate.deletions += counts.deletions;
  rate.insertions += counts.insertions;
  rate.reference_length += int64_t(reference_length);
  return rate;
}

}  // namespace

ErrorRate word_error_rate(const std::vector<std::string>& references,
                          const std::vector<std::string>& hypotheses) {
  ErrorRate rate;
  std::map<std::string, uint32_t> vocabulary;
  for (size_t i = 0; i < references.size() && i < hypotheses.size(); ++i) {
    const auto ref = jiwer_words(references[i], vocabulary);
    const auto hyp = jiwer_words(hypotheses[i], vocabulary);
    rate = add_counts(rate, rapidfuzz_edit_counts(ref, hyp), ref.size());
  }
  return rate;
}

ErrorRate character_error_rate(const std::vector<std::string>& references,
                               const std::vector<std::string>& hypotheses) {
  ErrorRate rate;
  for (size_t i = 0; i < references.size() && i < hypotheses.size(); ++i) {
    const auto ref = jiwer_chars(references[i]);
    rate = add_counts(rate, rapidfuzz_edit_counts(ref, jiwer_chars(hypotheses[i])), ref.size());
  }
  return rate;
}

int parse_option_letter(const std::string& response, int num_choices,
                        const std::vector<std::string>& choices) {
  if (num_choices <= 0 || num_choices > 26) return -1;
  const std::string letters(reinterpret_cast<const char*>("ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
                            static_cast<size_t>(num_choices));
  const std::string text = python_strip(response);
  // 1. An explicit statement: "answer is (B)", "Answer: C", "option B" -- the last one wins.
  const Regex stated("(?i)(?:answer|option|choice)\\s*(?:is)?\\s*[:\\-]?\\s*[\\(\\[<]?\\s*([" +
                     letters + "])\\s*[\\)\\]>]?(?![A-Za-z])");
  auto matches = stated.find_all(text);
  if (!matches.empty()) {
    const char letter = static_cast<char>(std::toupper(matches.back().groups[1][0]));
    // "answer: a" only counts when 'a' cannot be the English article (upper case or alone).
    if (std::isupper(static_cast<unsigned char>(matches.back().groups[1][0])) ||
        matches.back().end == text.size()) {
      return letter - 'A';
    }
  }
  // 2. The response starts with the letter: "B", "B.", "(B)", "B) text", "B: text".
  const Regex leading("^[\\(\\[<]?([" + letters + "])(?:[\\)\\]>.:,]|\\s*$|\\s)");
  RegexMatch match;
  if (leading.search(text, &match)) {
    const bool alone_or_marked =
        text.size() == 1 || text[1] != ' ' || text[0] == '(' || text[0] == '[' || text[0] == '<';
    if (alone_or_marked || match.groups[1] != "A") return match.groups[1][0] - 'A';
  }
  // 3. A bracketed letter anywhere: "(C)"; the last one wins.
  const Regex bracketed("[\\(\\[<]([" + letters + "])[\\)\\]>]");
  matches = bracketed.find_all(text);
  if (!matches.empty()) return matches.back().groups[1][0] - 'A';
  // 4. Exactly one choice's text appears (case-insensitive, whole words).
  int found = -1;
  for (size_t i = 0; i < choices.size() && static_cast<int>(i) < num_choices; ++i) {
    if (choices[i].empty()) continue;
    const Regex choice_text("(?<!\\w)" + regex_escape(choices[i]) + "(?!\\w)", true);
    if (!choice_text.search(text)) continue;
    if (found >= 0) return -1;
    found = static_cast<int>(i);
  }
  return found;
}

RobustnessReport robustness_metrics(const std::vector<PresentationAnswer>& answers) {
  RobustnessReport report;
  std::map<std::string, std::vector<const PresentationAnswer*>> by_item;
  std::vector<std::string> item_order;
  int max_presentation = -1;
  for (const auto& answer : answers) {
    auto [it, inserted] = by_item.try_emplace(answer.item_id);
    if (inserted) item_order.push_back(answer.item_id);
    it->second.push_back(&answer);
    max_presentation = std::max(max_presentation, answer.presentation);
    if (answer.chosen_position < 0) {
      ++report.unparsed;
    } else {
      if (report.position_histogram.size() <= static_cast<size_t>(answer.chosen_position)) {
        report.position_histogram.resize(static_cast<size_t>(answer.chosen_position) + 1, 0);
      }
      ++report.position_histogram[static_cast<size_t>(answer.chosen_position)];
    }
  }
  report.items = static_cast<int64_t>(by_item.size());
  report.accuracy_per_presentation.resize(static_cast<size_t>(max_presentation + 1));
  for (int p = 0; p <= max_presentation; ++p) {
    report.accuracy_per_presentation[static_cast<size_t>(p)].name =
        "presentation " + std::to_string(p);
  }
  for (const auto& answer : answers) {
    if (answer.presentation < 0) continue;
    auto& cell = report.accuracy_per_presentation[static_cast<size_t>(answer.presentation)];
    ++cell.total;
    cell.correct += answer.correct;
  }
  double accuracy_sum = 0.0;
  int used = 0;
  for (const auto& cell : report.accuracy_per_presentation) {
    if (cell.total == 0) continue;
    accuracy_sum += double(cell.correct) / double(cell.total);
    ++used;
  }
  report.correctness_rate = used ? accuracy_sum / used : 0.0;
  double consistency_sum = 0.0, all_correct = 0.0;
  for (const auto& id : item_order) {
    const auto& list = by_item[id];
    bool every = true;
    for (const auto* answer : list) every = every && answer->correct;
    all_correct += every;
    int64_t pairs = 0, same = 0;
    for (size_t a = 0; a < list.size(); ++a) {
      for (size_t b = a + 1; b < list.size(); ++b) {
        ++pairs;
        same += list[a]->chosen_choice == list[b]->chosen_choice;
      }
    }
    consistency_sum += pairs ? double(same) / double(pairs) : 1.0;
  }
  if (!item_order.empty()) {
    report.consistency_rate = consistency_sum / double(item_order.size());
    report.all_correct_rate = all_correct / double(item_order.size());
  }
  return report;
}

}  // namespace almkit::bench
