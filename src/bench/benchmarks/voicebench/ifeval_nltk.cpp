#include "bench/benchmarks/voicebench/ifeval_nltk.h"

#include "bench/benchmarks/voicebench/ifeval_punkt.h"
#include "bench/python_text.h"
#include "bench/regex.h"

namespace almkit::bench {
namespace {

// re.sub(pattern, template, text) for templates with \1..\9 and \g<0>.
std::string python_sub(const Regex& pattern, const std::string& text, const std::string& repl) {
  std::string out;
  size_t copied = 0;
  for (const RegexMatch& match : pattern.find_all(text)) {
    out.append(text, copied, match.start - copied);
    for (size_t i = 0; i < repl.size(); ++i) {
      if (repl[i] == '\\' && i + 1 < repl.size() && repl[i + 1] >= '0' && repl[i + 1] <= '9') {
        const size_t group = size_t(repl[i + 1] - '0');
        if (group < match.groups.size()) out += match.groups[group];
        ++i;
      } else if (repl.compare(i, 5, "\\g<0>") == 0) {
        out += match.groups[0];
        i += 4;
      } else {
        out.push_back(repl[i]);
      }
    }
    copied = match.end;
  }
  out.append(text, copied, std::string::npos);
  return out;
}

std::string replace_text(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

struct Rule {
  Regex pattern;
  std::string replacement;
};

}  // namespace

std::vector<std::string> ifeval_split_into_sentences(const std::string& input) {
  static const std::string alphabets = "([A-Za-z])", prefixes = "(Mr|St|Mrs|Ms|Dr)[.]",
                           suffixes = "(Inc|Ltd|Jr|Sr|Co)",
                           starters = R"((Mr|Mrs|Ms|Dr|Prof|Capt|Cpt|Lt|He\s|She\s|It\s|They\s|)"
                                      R"(Their\s|Our\s|We\s|But\s|However\s|That\s|This\s|Wherever))",
                           acronyms = "([A-Z][.][A-Z][.](?:[A-Z][.])?)",
                           websites = "[.](com|net|org|io|gov|edu|me)", digits = "([0-9])";
  static const Regex prefix_re(prefixes), website_re(websites),
      decimal_re(digits + "[.]" + digits), dots_re(R"(\.{2,})"),
      initial_re(R"(\s)" + alphabets + "[.] "), acronym_start_re(acronyms + " " + starters),
      three_letters_re(alphabets + "[.]" + alphabets + "[.]" + alphabets + "[.]"),
      two_letters_re(alphabets + "[.]" + alphabets + "[.]"),
      suffix_start_re(" " + suffixes + "[.] " + starters), suffix_re(" " + suffixes + "[.]"),
      letter_re(" " + alphabets + "[.]");
  std::string text = " " + input + "  ";
  text = replace_text(text, "\n", " ");
  text = python_sub(prefix_re, text, "\\1<prd>");
  text = python_sub(website_re, text, "<prd>\\1");
  text = python_sub(decimal_re, text, "\\1<prd>\\2");
  {  // each run of dots becomes <prd> per dot and one <stop>
    std::string out;
    size_t copied = 0;
    for (const RegexMatch& match : dots_re.find_all(text)) {
      out.append(text, copied, match.start - copied);
      for (size_t i = match.start; i < match.end; ++i) out += "<prd>";
      out += "<stop>";
      copied = match.end;
    }
    text = out + text.substr(copied);
  }
  if (text.find("Ph.D") != std::string::npos) text = replace_text(text, "Ph.D.", "Ph<prd>D<prd>");
  text = python_sub(initial_re, text, " \\1<prd> ");
  text = python_sub(acronym_start_re, text, "\\1<stop> \\2");
  text = python_sub(three_letters_re, text, "\\1<prd>\\2<prd>\\3<prd>");
  text = python_sub(two_letters_re, text, "\\1<prd>\\2<prd>");
  text = python_sub(suffix_start_re, text, " \\1<stop> \\2");
  text = python_sub(suffix_re, text, " \\1<prd>");
  text = python_sub(letter_re, text, " \\1<prd>");
  if (text.find("\xE2\x80\x9D") != std::string::npos)  // ”
    text = replace_text(text, ".\xE2\x80\x9D", "\xE2\x80\x9D.");
  if (text.find('"') != std::string::npos) text = replace_text(text, ".\"", "\".");
  if (text.find('!') != std::string::npos) text = replace_text(text, "!\"", "\"!");
  if (text.find('?') != std::string::npos) text = replace_text(text, "?\"", "\"?");
  text = replace_text(text, ".", ".<stop>");
  text = replace_text(text, "?", "?<stop>");
  text = replace_text(text, "!", "!<stop>");
  text = replace_text(text, "<prd>", ".");
  std::vector<std::string> sentences;
  size_t start = 0;
  while (true) {
    const size_t stop = text.find("<stop>", start);
    sentences.push_back(python_strip(text.substr(start, stop == std::string::npos ? std::string::npos : stop - start)));
    if (stop == std::string::npos) break;
    start = stop + 6;
  }
  if (!sentences.empty() && sentences.back().empty()) sentences.pop_back();
  return sentences;
}

bool ifeval_has_punkt_english() { return punkt_english_parameters() != nullptr; }

static std::vector<std::string> sentences_of(const std::string& text) {
  static const PunktParameters untrained;
  const PunktParameters* punkt = punkt_english_parameters();
  return punkt_sentences(text, punkt ? *punkt : untrained);
}

size_t ifeval_count_sentences(const std::string& text) { return sentences_of(text).size(); }

std::vector<std::string> nltk_treebank_tokenize(const std::string& sentence) {
  // NLTKWordTokenizer's rule lists, in its order of application.
  static const std::vector<Rule> before_padding = [] {
    std::vector<Rule> rules;
    auto add = [&](const std::string& p, const std::string& r) { rules.push_back({Regex(p), r}); };
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
    add(R"(\.{2,})", " \\g<0> ");
    add(R"([;@#$%&])", " \\g<0> ");
    add(R"(([^\.])(\.)([\]\)}>"\']*)\s*$)", "\\1 \\2\\3 ");
    add(R"([?!])", " \\g<0> ");
    add(R"(([^'])' )", "\\1 ' ");
    add(R"([*])", " \\g<0> ");
    // PARENS_BRACKETS, DOUBLE_DASHES
    add(R"([\]\[\(\)\{\}\<\>])", " \\g<0> ");
    add("--", " -- ");
    return rules;
  }();
  static const std::vector<Rule> after_padding = [] {
    std::vector<Rule> rules;
    auto add = [&](const std::string& p, const std::string& r) { rules.push_back({Regex(p), r}); };
    // ENDING_QUOTES
    add("([\xC2\xBB\xE2\x80\x9D\xE2\x80\x99])", " \\1 ");  // »”’
    add("''", " '' ");
    add("\"", " '' ");
    add(R"(([^' ])('[sS]|'[mM]|'[dD]|') )", "\\1 \\2 ");
    add(R"(([^' ])('ll|'LL|'re|'RE|'ve|'VE|n't|N'T) )", "\\1 \\2 ");
    // CONTRACTIONS2, CONTRACTIONS3
    for (const char* p : {R"((?i)\b(can)(?#X)(not)\b)", R"((?i)\b(d)(?#X)('ye)\b)",
                          R"((?i)\b(gim)(?#X)(me)\b)", R"((?i)\b(gon)(?#X)(na)\b)",
                          R"((?i)\b(got)(?#X)(ta)\b)", R"((?i)\b(lem)(?#X)(me)\b)",
                          R"((?i)\b(more)(?#X)('n)\b)", R"((?i)\b(wan)(?#X)(na)(?=\s))",
                          R"((?i) ('t)(?#X)(is)\b)", R"((?i) ('t)(?#X)(was)\b)"})
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
