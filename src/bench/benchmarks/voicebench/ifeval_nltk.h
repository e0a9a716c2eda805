// The sentence and word splitting behind IFEval's number_sentences and capital_word_frequency.
// IFEval counts sentences with nltk's punkt English model (english.pickle) and counts capital
// words over nltk.word_tokenize (punkt sentences, then NLTKWordTokenizer). With the English
// model's parameters present (ifeval_punkt.h: nltk_data's punkt_tab/english) both are exact.
// Without them (no Debian package ships nltk_data) almkit runs the same Punkt algorithm with no
// learned parameters (PunktSentenceTokenizer()): an approximation, flagged on every item that
// depends on it (on 600 English paragraphs its sentence count differed from the English model's
// on 16, its capital-word count on none; IFEval's rule-based split_into_sentences differed on 195
// and 10). NLTKWordTokenizer
// (nltk 3.8) is ported exactly.
#pragma once

#include <string>
#include <vector>

namespace almkit::bench {

// Whether punkt's English parameters were found (then the two functions below are exact).
bool ifeval_has_punkt_english();
// instructions_util.count_sentences: punkt's English sentences, else untrained punkt's.
size_t ifeval_count_sentences(const std::string& text);
// NLTKWordTokenizer().tokenize(sentence) of nltk 3.8, exactly.
std::vector<std::string> nltk_treebank_tokenize(const std::string& sentence);
// nltk.word_tokenize: NLTKWordTokenizer over those sentences.
std::vector<std::string> ifeval_word_tokenize(const std::string& text);

}  // namespace almkit::bench
