// Mirrors jieba/__init__.py 0.42.1: Tokenizer.gen_pfdict (the prefix dictionary), cut() (the
// re_han / re_skip blocks), get_DAG, calc (the best route) and __cut_DAG (single characters
// buffered and handed to finalseg when the dictionary does not know their run).
#include "bench/jieba/segmenter.h"

#include <utf8proc.h>

#include <cmath>
#include <cstdlib>

#include "almkit/error.h"
#include "bench/jieba/data_file.h"
#include "bench/python_text.h"

namespace almkit::bench::jieba {

struct Segmenter::Sentence {
  const std::string& utf8;
  std::u32string chars;
  std::vector<size_t> offsets;  // byte offset of each character, then the length
  std::string_view bytes(size_t begin, size_t end) const {
    return std::string_view(utf8).substr(offsets[begin], offsets[end] - offsets[begin]);
  }
};

namespace {

// Decodes UTF-8; a byte that starts no valid sequence is one U+FFFD character of its own (Python
// would have refused the text earlier), so the words still join back to the input bytes.
void decode(const std::string& text, std::u32string& chars, std::vector<size_t>& offsets) {
  const auto* bytes = reinterpret_cast<const utf8proc_uint8_t*>(text.data());
  size_t at = 0;
  while (at < text.size()) {
    utf8proc_int32_t c = 0;
    utf8proc_ssize_t used = utf8proc_iterate(bytes + at, utf8proc_ssize_t(text.size() - at), &c);
    if (used <= 0) {
      c = 0xFFFD;
      used = 1;
    }
    chars.push_back(char32_t(c));
    offsets.push_back(at);
    at += size_t(used);
  }
  offsets.push_back(text.size());
}

// re_han_default: [\u4E00-\u9FD5a-zA-Z0-9+#&\._%\-]
bool is_han_default(char32_t c) {
  return (c >= 0x4E00 && c <= 0x9FD5) || (c >= U'a' && c <= U'z') || (c >= U'A' && c <= U'Z') ||
         (c >= U'0' && c <= U'9') || c == U'+' || c == U'#' || c == U'&' || c == U'.' ||
         c == U'_' || c == U'%' || c == U'-';
}

bool is_utf8(std::string_view text) {
  const auto* bytes = reinterpret_cast<const utf8proc_uint8_t*>(text.data());
  for (size_t i = 0; i < text.size();) {
    utf8proc_int32_t c = 0;
    const utf8proc_ssize_t used =
        utf8proc_iterate(bytes + i, utf8proc_ssize_t(text.size() - i), &c);
    if (used <= 0) return false;
    i += size_t(used);
  }
  return true;
}

bool is_ascii_space(char c) {  // bytes.strip()
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

[[noreturn]] void bad_line(const std::string& path, size_t line, std::string_view text,
                           const std::string& what) {
  throw Error(ErrorCode::kInvalidFormat,
              path + ": line " + std::to_string(line) + ": " + what + " in '" +
                  std::string(text.substr(0, 80)) +
                  "' (expected 'word frequency [tag]'; reinstall: apt install python3-jieba)");
}

// int(text) for the frequency field: surrounding whitespace, a sign, digits with single
// underscores between them.
bool parse_python_int(std::string_view text, int64_t* value) {
  while (!text.empty() &&
         (is_ascii_space(text.front()) || (text.front() >= 0x1C && text.front() <= 0x1F)))
    text.remove_prefix(1);
  while (!text.empty() &&
         (is_ascii_space(text.back()) || (text.back() >= 0x1C && text.back() <= 0x1F)))
    text.remove_suffix(1);
  bool negative = false;
  if (!text.empty() && (text.front() == '+' || text.front() == '-')) {
    negative = text.front() == '-';
    text.remove_prefix(1);
  }
  if (text.empty() || text.front() == '_' || text.back() == '_') return false;
  int64_t result = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '_' && text[i - 1] != '_') continue;
    if (c < '0' || c > '9') return false;
    if (__builtin_mul_overflow(result, 10, &result) ||
        __builtin_add_overflow(result, c - '0', &result))
      return false;
  }
  *value = negative ? -result : result;
  return true;
}

}  // namespace

Segmenter::Segmenter(const std::string& jieba_dir) {
  const std::string path = jieba_dir + "/dict.txt";
  dict_bytes_ = std::make_unique<std::string>(read_data_file(path));
  const std::string& bytes = *dict_bytes_;
  freq_.reserve(bytes.size() / 8);
  size_t line_number = 0;
  for (size_t at = 0; at < bytes.size();) {
    ++line_number;
    const size_t newline = bytes.find('\n', at);
    size_t begin = at, end = newline == std::string::npos ? bytes.size() : newline + 1;
    at = end;
    while (begin < end && is_ascii_space(bytes[begin])) ++begin;
    while (end > begin && is_ascii_space(bytes[end - 1])) --end;
    const std::string_view line(bytes.data() + begin, end - begin);
    if (!is_utf8(line)) bad_line(path, line_number, line, "bytes that are not UTF-8");
    // line.split(' ')[:2] -> word, freq; the word's prefixes end on character boundaries.
    const size_t space = line.find(' ');
    if (space == std::string_view::npos) bad_line(path, line_number, line, "no frequency");
    const std::string_view word = line.substr(0, space);
    const size_t next_space = line.find(' ', space + 1);
    const std::string_view freq_text =
        line.substr(space + 1, next_space == std::string_view::npos ? std::string_view::npos
                                                                    : next_space - space - 1);
    int64_t freq = 0;
    if (!parse_python_int(freq_text, &freq))
      bad_line(path, line_number, line, "a frequency that is not an integer");
    if (freq < 0) bad_line(path, line_number, line, "a negative frequency");
    std::vector<size_t> boundaries;  // where each character of the word ends
    const auto* word_bytes = reinterpret_cast<const utf8proc_uint8_t*>(word.data());
    for (size_t i = 0; i < word.size();) {
      utf8proc_int32_t c = 0;
      i += size_t(utf8proc_iterate(word_bytes + i, utf8proc_ssize_t(word.size() - i), &c));
      boundaries.push_back(i);
    }
    freq_[word] = freq;
    for (size_t boundary : boundaries) freq_.emplace(word.substr(0, boundary), 0);
    if (__builtin_add_overflow(total_, freq, &total_))
      bad_line(path, line_number, line, "a total frequency beyond 64 bits");
  }
  if (total_ <= 0) {
    throw Error(ErrorCode::kInvalidFormat,
                path + ": no word with a positive frequency (apt install python3-jieba)");
  }
  log_total_ = std::log(double(total_));
  finalseg_ = std::make_unique<FinalSeg>(jieba_dir);
}

Segmenter::~Segmenter() = default;

int64_t Segmenter::frequency(std::string_view word) const {
  auto it = freq_.find(word);
  return it == freq_.end() ? -1 : it->second;
}

// get_DAG, calc and __cut_DAG on sentence[begin, end), a run of re_han_default characters.
void Segmenter::cut_dag(const Sentence& sentence, size_t begin, size_t end,
                        std::vector<Span>& words) const {
  const size_t n = end - begin;
  // DAG: for each start k, the ends i (inclusive) where sentence[k..i] is a word, else {k}.
  std::vector<size_t> dag_begin(n + 1), dag;
  for (size_t k = 0; k < n; ++k) {
    dag_begin[k] = dag.size();
    for (size_t i = k; i < n; ++i) {
      const int64_t freq = frequency(sentence.bytes(begin + k, begin + i + 1));
      if (freq < 0) break;
      if (freq > 0) dag.push_back(i);
    }
    if (dag.size() == dag_begin[k]) dag.push_back(k);
  }
  dag_begin[n] = dag.size();
  // route[idx] = max((log(FREQ.get(word) or 1) - logtotal + route[x + 1][0], x) for x in DAG[idx])
  std::vector<double> score(n + 1, 0.0);
  std::vector<size_t> best_end(n + 1, 0);
  for (size_t idx = n; idx-- > 0;) {
    bool first = true;
    for (size_t d = dag_begin[idx]; d < dag_begin[idx + 1]; ++d) {
      const size_t x = dag[d];
      const int64_t freq = frequency(sentence.bytes(begin + idx, begin + x + 1));
      const double value = std::log(double(freq > 0 ? freq : 1)) - log_total_ + score[x + 1];
      if (first || value >= score[idx]) {  // ends ascend: on a tie the larger x wins
        score[idx] = value;
        best_end[idx] = x;
        first = false;
      }
    }
  }
  // Single characters are buffered; a buffered run the dictionary does not know goes to the HMM.
  auto flush = [&](size_t buffer_begin, size_t buffer_end) {
    if (buffer_end - buffer_begin == 1) {
      words.emplace_back(begin + buffer_begin, begin + buffer_end);
    } else if (frequency(sentence.bytes(begin + buffer_begin, begin + buffer_end)) <= 0) {
      finalseg_->cut(sentence.chars, begin + buffer_begin, begin + buffer_end, words);
    } else {
      for (size_t c = buffer_begin; c < buffer_end; ++c)
        words.emplace_back(begin + c, begin + c + 1);
    }
  };
  size_t buffer_begin = 0;
  bool buffering = false;
  for (size_t x = 0; x < n;) {
    const size_t y = best_end[x] + 1;
    if (y - x == 1) {
      if (!buffering) buffer_begin = x;
      buffering = true;
    } else {
      if (buffering) flush(buffer_begin, x);
      buffering = false;
      words.emplace_back(begin + x, begin + y);
    }
    x = y;
  }
  if (buffering) flush(buffer_begin, n);
}

std::vector<std::string> Segmenter::cut(const std::string& text) const {
  Sentence sentence{text, {}, {}};
  decode(text, sentence.chars, sentence.offsets);
  const std::u32string& chars = sentence.chars;
  std::vector<Span> spans;
  for (size_t i = 0; i < chars.size();) {
    size_t j = i;
    if (is_han_default(chars[i])) {
      while (j < chars.size() && is_han_default(chars[j])) ++j;
      cut_dag(sentence, i, j, spans);
    } else {
      // re_skip (\r\n|\s) splits the rest; every character is a word of its own, "\r\n" one word.
      while (j < chars.size() && !is_han_default(chars[j])) ++j;
      for (size_t k = i; k < j; ++k) {
        const bool crlf = chars[k] == U'\r' && k + 1 < j && chars[k + 1] == U'\n';
        spans.emplace_back(k, crlf ? k + 2 : k + 1);
        k += crlf;
      }
    }
    i = j;
  }
  std::vector<std::string> words;
  words.reserve(spans.size());
  for (const auto& [b, e] : spans) words.emplace_back(sentence.bytes(b, e));
  return words;
}

const Segmenter& default_segmenter() {
  static const Segmenter segmenter([] {
    const char* dir = std::getenv("ALMKIT_JIEBA_DIR");
    return std::string(dir && *dir ? dir : "/usr/lib/python3/dist-packages/jieba");
  }());
  return segmenter;
}

}  // namespace almkit::bench::jieba
