// jieba.cut(text) with its defaults (accurate mode, HMM on), as jieba 0.42.1 segments Chinese:
// ISA-Bench's S2TT format checker counts words with it. The dictionary and HMM tables are
// python3-jieba's own files, read at run time (nothing of jieba is copied into almkit).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "bench/jieba/finalseg.h"

namespace almkit::bench::jieba {

class Segmenter {
 public:
  // Loads <dir>/dict.txt and <dir>/finalseg/prob_*.py (about half a second). Throws
  // almkit::Error naming the file (and the line of dict.txt) when one is missing or malformed.
  explicit Segmenter(const std::string& jieba_dir);
  ~Segmenter();
  Segmenter(const Segmenter&) = delete;
  Segmenter& operator=(const Segmenter&) = delete;

  // list(jieba.cut(text)): the words, in order; joined they give `text` back. UTF-8 in and out.
  std::vector<std::string> cut(const std::string& text) const;

  size_t dictionary_entries() const { return freq_.size(); }  // words and their prefixes
  int64_t total_frequency() const { return total_; }

 private:
  struct Sentence;
  void cut_dag(const Sentence& sentence, size_t begin, size_t end, std::vector<Span>& words) const;
  // FREQ.get(word): -1 when absent (0 is a prefix of a word, not a word).
  int64_t frequency(std::string_view word) const;

  std::unique_ptr<std::string> dict_bytes_;             // the keys below point into it
  std::unordered_map<std::string_view, int64_t> freq_;  // jieba's FREQ (prefix dict)
  int64_t total_ = 0;
  double log_total_ = 0;
  std::unique_ptr<FinalSeg> finalseg_;  // loaded after dict.txt, so its errors come first
};

// The installed python3-jieba (ALMKIT_JIEBA_DIR, else /usr/lib/python3/dist-packages/jieba),
// loaded on first use; later calls share it (thread-safe). A failed load throws and is retried
// by the next call.
const Segmenter& default_segmenter();

}  // namespace almkit::bench::jieba
