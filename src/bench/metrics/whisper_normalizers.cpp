// whisper/normalizers/basic.py and english.py (EnglishTextNormalizer, EnglishSpellingNormalizer),
// step for step, with Python's str and re semantics (bench/metrics/python_re.h).
#include <unordered_map>

#include "almkit/error.h"
#include "almkit/text_metrics.h"
#include "bench/metrics/python_re.h"
#include "bench/metrics/unicode_text.h"
#include "bench/python_text.h"
#include "io/tokenizer/unicode.h"

namespace almkit::bench {
namespace {

// Non-ASCII letters that NFKD does not split into a base letter and a mark (basic.py's table).
const std::unordered_map<char32_t, std::string>& additional_diacritics() {
  static const std::unordered_map<char32_t, std::string> table{
      {U'œ', "oe"}, {U'Œ', "OE"}, {U'ø', "o"}, {U'Ø', "O"}, {U'æ', "ae"}, {U'Æ', "AE"},
      {U'ß', "ss"}, {U'ẞ', "SS"}, {U'đ', "d"}, {U'Đ', "D"}, {U'ð', "d"},  {U'Ð', "D"},
      {U'þ', "th"}, {U'Þ', "th"}, {U'ł', "l"}, {U'Ł', "L"}};
  return table;
}

// remove_symbols_and_diacritics(s, keep): NFKD; kept characters stay, the table above applies,
// Mn marks go, any other mark, symbol or punctuation becomes a space.
std::string remove_symbols_and_diacritics(const std::string& s, const std::u32string& keep) {
  std::string out;
  for (char32_t c :
       utf8_to_codepoints(tokenizer::normalize_unicode(s, tokenizer::NormalizationForm::kNFKD))) {
    if (keep.find(c) != std::u32string::npos) {
      out += codepoints_to_utf8(std::u32string(1, c));
      continue;
    }
    const auto found = additional_diacritics().find(c);
    if (found != additional_diacritics().end()) {
      out += found->second;
    } else if (unicode_is_nonspacing_mark(c)) {
      continue;
    } else {
      const char major = unicode_major_category(c);
      out += major == 'M' || major == 'S' || major == 'P'
                 ? std::string(" ")
                 : codepoints_to_utf8(std::u32string(1, c));
    }
  }
  return out;
}

// remove_symbols(s): NFKC, then marks, symbols and punctuation become spaces.
std::string remove_symbols(const std::string& s) {
  std::string out;
  for (char32_t c :
       utf8_to_codepoints(tokenizer::normalize_unicode(s, tokenizer::NormalizationForm::kNFKC))) {
    const char major = unicode_major_category(c);
    out += major == 'M' || major == 'S' || major == 'P' ? std::string(" ")
                                                        : codepoints_to_utf8(std::u32string(1, c));
  }
  return out;
}

const Regex& bracketed() {
  static const Regex regex = python_regex("[<\\[][^>\\]]*[>\\]]");
  return regex;
}
const Regex& parenthesized() {
  static const Regex regex = python_regex("\\(([^)]+?)\\)");
  return regex;
}
const Regex& whitespace_run() {
  static const Regex regex = python_regex("\\s+");
  return regex;
}

const std::unordered_map<std::string, std::string>& spelling_map() {
  static const std::unordered_map<std::string, std::string> table{
#include "bench/metrics/whisper_english_spelling.inc"
  };
  return table;
}

struct Replacer {
  Regex pattern;
  std::string replacement;
};

// EnglishTextNormalizer.replacers, in the dict's order.
const std::vector<Replacer>& english_replacers() {
  static const std::vector<Replacer> replacers = [] {
    const std::pair<const char*, const char*> table[] = {// common contractions
                                                         {"\\bwon't\\b", "will not"},
                                                         {"\\bcan't\\b", "can not"},
                                                         {"\\blet's\\b", "let us"},
                                                         {"\\bain't\\b", "aint"},
                                                         {"\\by'all\\b", "you all"},
                                                         {"\\bwanna\\b", "want to"},
                                                         {"\\bgotta\\b", "got to"},
                                                         {"\\bgonna\\b", "going to"},
                                                         {"\\bi'ma\\b", "i am going to"},
                                                         {"\\bimma\\b", "i am going to"},
                                                         {"\\bwoulda\\b", "would have"},
                                                         {"\\bcoulda\\b", "could have"},
                                                         {"\\bshoulda\\b", "should have"},
                                                         {"\\bma'am\\b", "madam"},
                                                         // titles and prefixes
                                                         {"\\bmr\\b", "mister "},
                                                         {"\\bmrs\\b", "missus "},
                                                         {"\\bst\\b", "saint "},
                                                         {"\\bdr\\b", "doctor "},
                                                         {"\\bprof\\b", "professor "},
                                                         {"\\bcapt\\b", "captain "},
                                                         {"\\bgov\\b", "governor "},
                                                         {"\\bald\\b", "alderman "},
                                                         {"\\bgen\\b", "general "},
                                                         {"\\bsen\\b", "senator "},
                                                         {"\\brep\\b", "representative "},
                                                         {"\\bpres\\b", "president "},
                                                         {"\\brev\\b", "reverend "},
                                                         {"\\bhon\\b", "honorable "},
                                                         {"\\basst\\b", "assistant "},
                                                         {"\\bassoc\\b", "associate "},
                                                         {"\\blt\\b", "lieutenant "},
                                                         {"\\bcol\\b", "colonel "},
                                                         {"\\bjr\\b", "junior "},
                                                         {"\\bsr\\b", "senior "},
                                                         {"\\besq\\b", "esquire "},
                                                         // perfect tenses
                                                         {"'d been\\b", " had been"},
                                                         {"'s been\\b", " has been"},
                                                         {"'d gone\\b", " had gone"},
                                                         {"'s gone\\b", " has gone"},
                                                         {"'d done\\b", " had done"},
                                                         {"'s got\\b", " has got"},
                                                         // general contractions
                                                         {"n't\\b", " not"},
                                                         {"'re\\b", " are"},
                                                         {"'s\\b", " is"},
                                                         {"'d\\b", " would"},
                                                         {"'ll\\b", " will"},
                                                         {"'t\\b", " not"},
                                                         {"'ve\\b", " have"},
                                                         {"'m\\b", " am"}};
    std::vector<Replacer> out;
    for (const auto& [pattern, replacement] : table) {
      out.push_back({python_regex(pattern), replacement});
    }
    return out;
  }();
  return replacers;
}

}  // namespace

std::string whisper_basic_normalize(const std::string& text, bool remove_diacritics) {
  std::string s = python_lower(text);
  s = python_sub(bracketed(), s, "");
  s = python_sub(parenthesized(), s, "");
  s = python_lower(remove_diacritics ? remove_symbols_and_diacritics(s, U"") : remove_symbols(s));
  return python_sub(whitespace_run(), s, " ");
}

std::string whisper_english_normalize(const std::string& text) {
  static const Regex fillers = python_regex("\\b(hmm|mm|mhm|mmm|uh|um)\\b");
  static const Regex space_apostrophe = python_regex("\\s+'");
  static const Regex digit_comma_digit = python_regex("(\\d),(\\d)");
  static const Regex period_not_before_digit = python_regex("\\.([^0-9]|$)");
  static const Regex loose_currency = python_regex("[.$¢€£]([^0-9])");
  static const Regex loose_percent = python_regex("([^0-9])%");
  std::string s = python_lower(text);
  s = python_sub(bracketed(), s, "");
  s = python_sub(parenthesized(), s, "");
  s = python_sub(fillers, s, "");
  s = python_sub(space_apostrophe, s, "'");
  for (const auto& replacer : english_replacers()) {
    s = python_sub(replacer.pattern, s, replacer.replacement);
  }
  s = python_sub(digit_comma_digit, s, "\\1\\2");
  s = python_sub(period_not_before_digit, s, " \\1");
  s = remove_symbols_and_diacritics(s, U".%$¢€£");
  s = whisper_english_numbers(s);
  // EnglishSpellingNormalizer: " ".join(mapping.get(word, word) for word in s.split())
  std::string spelled;
  const auto words = python_split(s);
  for (size_t i = 0; i < words.size(); ++i) {
    const auto found = spelling_map().find(words[i]);
    spelled += (i ? " " : "") + (found == spelling_map().end() ? words[i] : found->second);
  }
  s = python_sub(loose_currency, spelled, " \\1");
  s = python_sub(loose_percent, s, "\\1 ");
  return python_sub(whitespace_run(), s, " ");
}

TextNormalizer text_normalizer_from_name(const std::string& name) {
  if (name == "none") return TextNormalizer::kNone;
  if (name == "whisper-en") return TextNormalizer::kWhisperEnglish;
  if (name == "whisper-basic") return TextNormalizer::kWhisperBasic;
  if (name == "whisper-basic-diacritics") return TextNormalizer::kWhisperBasicDiacritics;
  throw Error(ErrorCode::kInvalidArgument,
              "unknown normaliser '" + name +
                  "' (none, whisper-en, whisper-basic or whisper-basic-diacritics)");
}

std::string normalize_text(const std::string& text, TextNormalizer normalizer) {
  switch (normalizer) {
    case TextNormalizer::kWhisperEnglish:
      return whisper_english_normalize(text);
    case TextNormalizer::kWhisperBasic:
      return whisper_basic_normalize(text, false);
    case TextNormalizer::kWhisperBasicDiacritics:
      return whisper_basic_normalize(text, true);
    case TextNormalizer::kNone:
      break;
  }
  return text;
}

}  // namespace almkit::bench
