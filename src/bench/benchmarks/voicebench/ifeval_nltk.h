// The sentence and word splitting behind IFEval's number_sentences and capital_word_frequency.
// IFEval counts sentences with nltk's punkt English model (english.pickle) and counts capital
// words over nltk.word_tokenize (punkt sentences, then NLTKWordTokenizer). The punkt model's
// learned parameters are not available on this machine (no Debian package ships nltk_data), so
// almkit splits sentences with IFEval's own rule-based splitter (instructions_util.
// split_into_sentences) instead: an approximation, flagged on every item that depends on it.
// NLTKWordTokenizer (nltk 3.8) is ported exactly.
#pragma once

#include <string>
#include <vector>

namespace almkit::bench {

// instructions_util.split_into_sentences, exactly.
std::vector<std::string> ifeval_split_into_sentences(const std::string& text);
// Stand-in for count_sentences (punkt): the number of split_into_sentences sentences.
size_t ifeval_count_sentences_approximate(const std::string& text);
// NLTKWordTokenizer().tokenize(sentence) of nltk 3.8, exactly.
std::vector<std::string> nltk_treebank_tokenize(const std::string& sentence);
// Stand-in for nltk.word_tokenize: NLTKWordTokenizer over split_into_sentences' sentences.
std::vector<std::string> ifeval_word_tokenize_approximate(const std::string& text);

}  // namespace almkit::bench
