// jieba's finalseg: the character HMM (states B/M/E/S) that splits a run of characters that the
// dictionary does not know into words, as jieba 0.42.1's finalseg/__init__.py does it. The
// probabilities are read from python3-jieba's own finalseg/prob_{start,trans,emit}.py.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace almkit::bench::jieba {

// [begin, end) in code points.
using Span = std::pair<size_t, size_t>;

class FinalSeg {
 public:
  // Reads <dir>/finalseg/prob_*.py; throws almkit::Error naming the file when one is missing or
  // is not the dict literal jieba ships.
  explicit FinalSeg(const std::string& jieba_dir);

  // finalseg.cut(text[begin:end]): the words, as spans of `text`, appended to `words`.
  void cut(const std::u32string& text, size_t begin, size_t end, std::vector<Span>& words) const;

 private:
  void viterbi_cut(const std::u32string& text, size_t begin, size_t end,
                   std::vector<Span>& words) const;

  // States in jieba's order 'BMES'.
  std::array<double, 4> start_{};
  std::array<std::array<double, 4>, 4> trans_{};  // [from][to]; MIN_FLOAT where jieba has none
  std::array<std::unordered_map<char32_t, double>, 4> emit_;
};

}  // namespace almkit::bench::jieba
