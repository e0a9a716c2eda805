#include "bench/jieba/finalseg.h"

#include <utf8proc.h>

#include "almkit/error.h"
#include "bench/jieba/data_file.h"
#include "bench/jieba/python_literal.h"
#include "bench/python_text.h"

namespace almkit::bench::jieba {
namespace {

constexpr double kMinFloat = -3.14e100;  // finalseg's MIN_FLOAT
constexpr char kStates[] = "BMES";
enum State { kB = 0, kM = 1, kE = 2, kS = 3 };
// PrevStatus: the states each state can follow, in jieba's order.
constexpr int kPrevious[4][2] = {{kE, kS}, {kM, kB}, {kB, kM}, {kS, kE}};

using json = nlohmann::json;

json load_table(const std::string& path) {
  json table = parse_python_assignment(read_data_file(path), "P", path);
  if (!table.is_object()) {
    throw Error(ErrorCode::kInvalidFormat, path + ": P is not a dict (apt install python3-jieba)");
  }
  return table;
}

const json& state_entry(const json& table, int state, const std::string& path) {
  auto it = table.find(std::string(1, kStates[state]));
  if (it == table.end()) {
    throw Error(ErrorCode::kInvalidFormat, path + ": no entry for state '" +
                                               std::string(1, kStates[state]) +
                                               "' (apt install python3-jieba)");
  }
  return *it;
}

double number(const json& value, const std::string& path, const std::string& where) {
  if (!value.is_number() || value.is_boolean()) {
    throw Error(ErrorCode::kInvalidFormat,
                path + ": " + where + " is " + value.dump() + ", not a number");
  }
  return value.get<double>();
}

bool is_han(char32_t c) {
  return c >= 0x4E00 && c <= 0x9FD5;
}  // finalseg's re_han
bool is_ascii_alnum(char32_t c) {
  return (c >= U'a' && c <= U'z') || (c >= U'A' && c <= U'Z') || (c >= U'0' && c <= U'9');
}
bool is_decimal(char32_t c) {  // Python's \d on str: category Nd
  return utf8proc_category(utf8proc_int32_t(c)) == UTF8PROC_CATEGORY_ND;
}

// finalseg's re_skip.split on a block without Han characters: the runs that
// [a-zA-Z0-9]+(?:\.\d+)?%? matches and the text between them, each kept when not empty.
void split_skip(const std::u32string& text, size_t begin, size_t end, std::vector<Span>& words) {
  size_t gap = begin;
  for (size_t i = begin; i < end;) {
    if (!is_ascii_alnum(text[i])) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < end && is_ascii_alnum(text[j])) ++j;
    if (j + 1 < end && text[j] == U'.' && is_decimal(text[j + 1])) {
      j += 2;
      while (j < end && is_decimal(text[j])) ++j;
    }
    if (j < end && text[j] == U'%') ++j;
    if (gap < i) words.emplace_back(gap, i);
    words.emplace_back(i, j);
    i = gap = j;
  }
  if (gap < end) words.emplace_back(gap, end);
}

}  // namespace

FinalSeg::FinalSeg(const std::string& jieba_dir) {
  const std::string start_path = jieba_dir + "/finalseg/prob_start.py";
  const std::string trans_path = jieba_dir + "/finalseg/prob_trans.py";
  const std::string emit_path = jieba_dir + "/finalseg/prob_emit.py";
  const json start = load_table(start_path);
  const json trans = load_table(trans_path);
  const json emit = load_table(emit_path);
  for (int from = 0; from < 4; ++from) {
    const std::string name(1, kStates[from]);
    start_[from] = number(state_entry(start, from, start_path), start_path, "P['" + name + "']");
    const json& row = state_entry(trans, from, trans_path);
    const json& chars = state_entry(emit, from, emit_path);
    if (!row.is_object() || !chars.is_object()) {
      throw Error(ErrorCode::kInvalidFormat,
                  (row.is_object() ? emit_path : trans_path) + ": P['" + name + "'] is not a dict");
    }
    for (int to = 0; to < 4; ++to) {
      auto it = row.find(std::string(1, kStates[to]));
      trans_[from][to] = it == row.end()
                             ? kMinFloat
                             : number(*it, trans_path, "P['" + name + "']['" + kStates[to] + "']");
    }
    emit_[from].reserve(chars.size());
    for (const auto& [key, value] : chars.items()) {
      const std::u32string c = utf8_to_codepoints(key);
      // A key of several characters can never equal one observed character: jieba ignores it too.
      if (c.size() == 1) emit_[from][c[0]] = number(value, emit_path, "P['" + name + "'][...]");
    }
  }
}

// finalseg.viterbi followed by __cut: the most likely B/M/E/S labelling, ties resolved as
// Python's max over (probability, state letter) tuples does (the later letter wins).
void FinalSeg::viterbi_cut(const std::u32string& text, size_t begin, size_t end,
                           std::vector<Span>& words) const {
  const size_t n = end - begin;
  auto emit = [&](int state, char32_t c) {
    auto it = emit_[state].find(c);
    return it == emit_[state].end() ? kMinFloat : it->second;
  };
  std::array<double, 4> v{};
  std::vector<std::array<int, 4>> back(n);
  for (int y = 0; y < 4; ++y) v[y] = start_[y] + emit(y, text[begin]);
  for (size_t t = 1; t < n; ++t) {
    std::array<double, 4> next{};
    for (int y = 0; y < 4; ++y) {
      const double em = emit(y, text[begin + t]);
      const int a = kPrevious[y][0], b = kPrevious[y][1];
      const double pa = v[a] + trans_[a][y] + em;
      const double pb = v[b] + trans_[b][y] + em;
      const bool take_b = pb > pa || (pb == pa && kStates[b] > kStates[a]);
      next[y] = take_b ? pb : pa;
      back[t][y] = take_b ? b : a;
    }
    v = next;
  }
  int state = v[kS] >= v[kE] ? kS : kE;
  std::vector<int> labels(n);
  for (size_t t = n; t-- > 0;) {
    labels[t] = state;
    if (t > 0) state = back[t][state];
  }
  size_t word_begin = 0, next_word = 0;
  for (size_t i = 0; i < n; ++i) {
    if (labels[i] == kB) {
      word_begin = i;
    } else if (labels[i] == kE) {
      words.emplace_back(begin + word_begin, begin + i + 1);
      next_word = i + 1;
    } else if (labels[i] == kS) {
      words.emplace_back(begin + i, begin + i + 1);
      next_word = i + 1;
    }
  }
  if (next_word < n) words.emplace_back(begin + next_word, end);
}

void FinalSeg::cut(const std::u32string& text, size_t begin, size_t end,
                   std::vector<Span>& words) const {
  // re_han.split: Han runs go through the HMM, the rest through re_skip.
  for (size_t i = begin; i < end;) {
    size_t j = i;
    const bool han = is_han(text[i]);
    while (j < end && is_han(text[j]) == han) ++j;
    if (han)
      viterbi_cut(text, i, j, words);
    else
      split_skip(text, i, j, words);
    i = j;
  }
}

}  // namespace almkit::bench::jieba
