// ISA-Bench's S2TT F-dimension `constrain` checker, metric/f/format.py judge(): does a
// translation answer only translate (no "The translation is:", no leftover English sentence,
// some Chinese)? It counts Chinese words with jieba (bench/jieba), loaded on first use.
#pragma once

#include <string>
#include <vector>

namespace almkit::bench::isa {

// judge(text, constrain) == "positive", with text the reference translation and constrain the
// model's response (compute_if_bleu.py's ifr_constrain passes them in that order).
bool translation_judge_positive(const std::string& reference, const std::string& response);

// format.py's pieces, exposed for tests.
std::string remove_common_words(const std::string& constrain, const std::string& text);
struct WordCounts {
  std::vector<std::string> english;  // words starting with an ASCII letter
  std::vector<std::string> chinese;  // jieba words of the non-ASCII word characters
};
WordCounts count_words_advanced(const std::string& text);
std::vector<std::string> extract_colon_segments(const std::string& text);

}  // namespace almkit::bench::isa
