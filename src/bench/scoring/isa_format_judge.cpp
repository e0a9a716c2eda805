// metric/f/format.py, the parts judge() runs, on code points with Python's `\w`, `\s` and `\b`
// (bench/python_text.h) so that the regexes mean what they mean in Python.
#include "bench/scoring/isa_format_judge.h"

#include <set>

#include "bench/jieba/segmenter.h"
#include "bench/python_text.h"

namespace almkit::bench::isa {
namespace {

bool is_ascii_letter(char32_t c) {
  return (c >= U'a' && c <= U'z') || (c >= U'A' && c <= U'Z');
}
bool is_ascii_alnum(char32_t c) {
  return is_ascii_letter(c) || (c >= U'0' && c <= U'9');
}

// translation_keywords as format.py builds it: the candidates, each with ':', '：', '是', ')'
// after, '(' before, '）' after, '（' before, three more, and the first "汉语" removed.
std::vector<std::string> translation_keywords() {
  const std::vector<std::string> candidates = {
      "mandarin", "chinese", "translation", "中文是", "普通话版本", "汉语", "翻译", "译文",
      "原文",     "译成",    "翻成",        "翻译成", "翻译为",     "译为", "翻成", " is"};
  std::vector<std::string> keywords = candidates;
  for (const char* suffix : {":", "：", "是", ")"})
    for (const auto& c : candidates) keywords.push_back(c + suffix);
  for (const auto& c : candidates) keywords.push_back("(" + c);
  for (const auto& c : candidates) keywords.push_back(c + "）");
  for (const auto& c : candidates) keywords.push_back("（" + c);
  for (const char* extra : {"中文翻译", "普通话翻译", "汉语翻译"}) keywords.push_back(extra);
  for (auto it = keywords.begin(); it != keywords.end(); ++it) {
    if (*it == "汉语") {
      keywords.erase(it);
      break;
    }
  }
  return keywords;
}

const std::vector<std::string> kRawKeywords = {
    "mandarin", "chinese", "translation", "普通话", "汉语",   "翻译", "译文",
    "原文",     "译成",    "翻成",        "翻译成", "翻译为", "译为", "翻成"};

bool contains_any(const std::string& text, const std::vector<std::string>& keywords) {
  for (const auto& keyword : keywords)
    if (text.find(keyword) != std::string::npos) return true;
  return false;
}

// re.sub(r"\s+", " ", text).strip()
std::u32string collapse_spaces(const std::u32string& text) {
  std::u32string out;
  for (char32_t c : text) {
    if (!python_is_space(c))
      out.push_back(c);
    else if (!out.empty() && out.back() != U' ')  // a run becomes one space; none in front
      out.push_back(U' ');
  }
  if (!out.empty() && out.back() == U' ') out.pop_back();
  return out;
}

// Deletes every open...close pair (re.sub(open + "[^" + close + "]*" + close, "", text)).
std::u32string remove_pairs(const std::u32string& text, char32_t open, char32_t close) {
  std::u32string out;
  for (size_t i = 0; i < text.size();) {
    if (text[i] == open) {
      const size_t closing = text.find(close, i + 1);
      if (closing == std::u32string::npos) {  // no pair starts here or later
        out.append(text, i, std::u32string::npos);
        break;
      }
      i = closing + 1;
    } else {
      out.push_back(text[i++]);
    }
  }
  return out;
}

std::u32string remove_brackets(const std::u32string& text) {
  std::u32string out = remove_pairs(text, U'《', U'》');
  out = remove_pairs(out, U'（', U'）');
  out = remove_pairs(out, U'(', U')');
  out = remove_pairs(out, U'"', U'"');
  return collapse_spaces(out);
}

// The matches of \b[a-zA-Z]+\b: the maximal runs of word characters that are all ASCII letters.
std::vector<std::pair<size_t, size_t>> ascii_letter_words(const std::u32string& text) {
  std::vector<std::pair<size_t, size_t>> runs;
  for (size_t i = 0; i < text.size();) {
    if (!python_is_word_char(text[i])) {
      ++i;
      continue;
    }
    size_t j = i;
    bool letters = true;
    for (; j < text.size() && python_is_word_char(text[j]); ++j)
      letters &= is_ascii_letter(text[j]);
    if (letters) runs.emplace_back(i, j);
    i = j;
  }
  return runs;
}

std::u32string ascii_lower(std::u32string text) {
  for (char32_t& c : text)
    if (c >= U'A' && c <= U'Z') c += U'a' - U'A';
  return text;
}

}  // namespace

std::string remove_common_words(const std::string& constrain, const std::string& text) {
  const std::u32string lowered = utf8_to_codepoints(
      python_lower(codepoints_to_utf8(remove_brackets(utf8_to_codepoints(text)))));
  std::set<std::u32string> text_words;
  for (const auto& [b, e] : ascii_letter_words(lowered))
    text_words.insert(lowered.substr(b, e - b));
  const std::u32string cons = utf8_to_codepoints(constrain);
  std::u32string kept;
  size_t at = 0;
  for (const auto& [b, e] : ascii_letter_words(cons)) {
    kept.append(cons, at, b - at);
    if (!text_words.count(ascii_lower(cons.substr(b, e - b)))) kept.append(cons, b, e - b);
    at = e;
  }
  kept.append(cons, at, std::u32string::npos);
  return codepoints_to_utf8(collapse_spaces(kept));
}

WordCounts count_words_advanced(const std::string& text) {
  const std::u32string chars = utf8_to_codepoints(text);
  // re.sub(r"[^\w\s]", " ", re.sub(r"[\u4e00-\u9fff]", " ", text)).split(), words that
  // re.match(r"[a-zA-Z]+"); and re.sub(r"[a-zA-Z0-9\s\W]", "", text) for jieba.
  std::u32string english_text, chinese_text;
  for (char32_t c : chars) {
    const bool word = python_is_word_char(c), space = python_is_space(c);
    english_text.push_back((c >= 0x4E00 && c <= 0x9FFF) || !(word || space) ? U' ' : c);
    if (word && !space && !is_ascii_alnum(c)) chinese_text.push_back(c);
  }
  WordCounts counts;
  for (const auto& word : python_split(codepoints_to_utf8(english_text))) {
    if (!word.empty() && is_ascii_letter(char32_t(static_cast<unsigned char>(word[0]))))
      counts.english.push_back(word);
  }
  if (!chinese_text.empty()) {
    for (auto& word : jieba::default_segmenter().cut(codepoints_to_utf8(chinese_text)))
      if (!python_strip(word).empty()) counts.chinese.push_back(std::move(word));
  }
  return counts;
}

std::vector<std::string> extract_colon_segments(const std::string& text) {
  static const std::u32string kPunctuation = U"。！？；，、：:!?.;,";
  const std::u32string chars = utf8_to_codepoints(text);
  std::vector<std::string> segments;
  for (size_t colon = 0; colon < chars.size(); ++colon) {
    if (chars[colon] != U'：' && chars[colon] != U':') continue;
    size_t start = 0;  // just after the last punctuation mark before the colon
    for (size_t i = colon; i-- > 0;) {
      if (kPunctuation.find(chars[i]) != std::u32string::npos) {
        start = i + 1;
        break;
      }
    }
    const std::string segment =
        python_strip(codepoints_to_utf8(chars.substr(start, colon + 1 - start)));
    if (!segment.empty()) segments.push_back(segment);
  }
  return segments;
}

bool translation_judge_positive(const std::string& reference, const std::string& response) {
  static const std::vector<std::string> keywords = translation_keywords();
  // format.py imports jieba before judging anything: a constrain response needs it either way.
  jieba::default_segmenter();
  if (contains_any(python_lower(response), keywords) &&
      !contains_any(python_lower(reference), keywords))
    return false;
  const size_t english =
      count_words_advanced(remove_common_words(response, reference)).english.size();
  const size_t chinese = count_words_advanced(response).chinese.size();
  bool colon_keyword = false;
  for (const auto& segment : extract_colon_segments(response))
    colon_keyword |= contains_any(python_lower(segment), kRawKeywords);
  return !(chinese == 0 || english >= 5 || colon_keyword);
}

}  // namespace almkit::bench::isa
