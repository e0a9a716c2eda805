#include "bench/benchmarks/voicebench/ifeval_nltk.h"

#include "bench/benchmarks/voicebench/ifeval_punkt.h"
#include "bench/metrics/python_re.h"
#include "bench/python_text.h"
#include "bench/regex.h"

namespace almkit::bench {
namespace {

struct Rule {
  Regex pattern;
  std::string replacement;
};

}  // namespace

bool ifeval_has_punkt_english() {
  return punkt_english_parameters() != nullptr;
}

static std::vector<std::string> sentences_of(const std::string& text) {
  static const PunktParameters untrained;
  const PunktParameters* punkt = punkt_english_parameters();
  return punkt_sentences(text, punkt ? *punkt : untrained);
}

size_t ifeval_count_sentences(const std::string& text) {
  return sentences_of(text).size();
}

std::vector<std::string> nltk_treebank_tokenize(const std::string& sentence) {
  // NLTKWordTokenizer's rule lists, in its order of application.
  static const std::vector<Rule> before_padding = [] {
    std::vector<Rule> rules;
    auto add = [&](const std::string& p, const std::string& r) {
      rules.push_back({python_regex(p), r});
    };
    // STARTING_QUOTES
    add("([\xC2\xAB\xE2\x80\x9C\xE2\x80\x98\xE2\x80\x9E]|[`]+)", " \\1 ");  // «“‘„
    add(R"(^\")", "``");
    add("(``)", " \\1 ");
    add(R"(([ \(\[{<])(\"|\'{2}))", "\\1 `` ");
    add(R"((?i)(\')(?!re|ve|ll|m|t|s|d|n)(\w)\b)", "\\1 \\2");
    // PUNCTUATION
    add("([^\\.])(\\.)([\\]\\)}>\"\\'\xC2\xBB\xE2\x80\x9D\xE2\x80\x99 ]*)\\s*$",  // »”’
        "\\1 \\2 \\3 ");
    add(R"(([:,])([^\d]))", " \\1 \\2");
    add(R"(([:,])$)", " \\1 ");
    add(R"((\.{2,}))", " \\1 ");    // \g<0>
    add(R"(([;@#$%&]))", " \\1 ");  // \g<0>
    add(R"(([^\.])(\.)([\]\)}>"\']*)\s*$)", "\\1 \\2\\3 ");
    add(R"(([?!]))", " \\1 ");  // \g<0>
    add(R"(([^'])' )", "\\1 ' ");
    add(R"(([*]))", " \\1 ");  // \g<0>
    // PARENS_BRACKETS, DOUBLE_DASHES
    add(R"(([\]\[\(\)\{\}\<\>]))", " \\1 ");  // \g<0>
    add("--", " -- ");
    return rules;
  }();
  static const std::vector<Rule> after_padding = [] {
    std::vector<Rule> rules;
    auto add = [&](const std::string& p, const std::string& r) {
      rules.push_back({python_regex(p), r});
    };
    // ENDING_QUOTES
    add("([\xC2\xBB\xE2\x80\x9D\xE2\x80\x99])", " \\1 ");  // »”’
    add("''", " '' ");
    add("\"", " '' ");
    add(R"(([^' ])('[sS]|'[mM]|'[dD]|') )", "\\1 \\2 ");
    add(R"(([^' ])('ll|'LL|'re|'RE|'ve|'VE|n't|N'T) )", "\\1 \\2 ");
    // CONTRACTIONS2, CONTRACTIONS3
    for (const char* p :
         {R"((?i)\b(can)(?#X)(not)\b)", R"((?i)\b(d)(?#X)('ye)\b)", R"((?i)\b(gim)(?#X)(me)\b)",
          R"((?i)\b(gon)(?#X)(na)\b)", R"((?i)\b(got)(?#X)(ta)\b)", R"((?i)\b(lem)(?#X)(me)\b)",
          R"((?i)\b(more)(?#X)('n)\b)", R"((?i)\b(wan)(?#X)(na)(?=\s))", R"((?i) ('t)(?#X)(is)\b)",
          R"((?i) ('t)(?#X)(was)\b)"})
      add(p, " \\1 \\2 ");
    return rules;
  }();
  std::string text = sentence;
  for (const Rule& rule : before_padding) text = python_sub(rule.pattern, text, rule.replacement);
  text = " " + text + " ";
  for (const Rule& rule : after_padding) text = python_sub(rule.pattern, text, rule.replacement);
  return python_split(text);
}

std::vector<std::string> ifeval_word_tokenize(const std::string& text) {
  std::vector<std::string> tokens;
  for (const std::string& sentence : sentences_of(text))
    for (std::string& token : nltk_treebank_tokenize(sentence)) tokens.push_back(std::move(token));
  return tokens;
}

}  // namespace almkit::bench
