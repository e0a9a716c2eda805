// langdetect 1.0.9's detect() (the Python port of Nakatani Shuyo's language-detection, which
// IFEval's response_language, english_capital and english_lowercase checkers call), ported step
// for step: URL/mail removal, Vietnamese normalisation, Latin cleaning, the n-gram extraction with
// its character normalisation, and 7 trials of random n-gram updates drawn from Python's
// Mersenne Twister. The language profiles and the normalisation tables are read at run time from
// Debian's python3-langdetect (no copy is kept here).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace almkit::bench {

class LangDetect {
 public:
  // The langdetect package folder: $ALMKIT_LANGDETECT_DIR, else Debian's
  // /usr/lib/python3/dist-packages/langdetect. kNotFound naming the folder and the apt package
  // when its profiles/ or utils/messages.properties are absent.
  static std::string default_package_dir();
  // Loaded once per process from default_package_dir().
  static const LangDetect& shared();
  explicit LangDetect(const std::string& package_dir);

  // Detector.detect() with DetectorFactory.seed = seed (each call re-seeds, as langdetect does).
  // "" where langdetect raises LangDetectException ("No features in text"); "unknown" where no
  // language reaches probability 0.1.
  std::string detect(const std::string& text, uint64_t seed) const;

 private:
  std::u32string prepare(const std::string& text) const;  // append() + cleaning_text()
  std::vector<const std::vector<double>*> ngrams(const std::u32string& text) const;
  char32_t normalize(char32_t c) const;

  std::vector<std::string> languages_;  // os.listdir order of profiles/
  size_t langsize_ = 0;                 // len(os.listdir(...)), as add_profile sizes its rows
  std::unordered_map<std::u32string, std::vector<double>> word_probabilities_;
  std::u32string latin1_excluded_, vi_letters_, vi_marks_;
  std::vector<std::u32string> vi_normalized_;  // one row per mark of vi_marks_
  std::unordered_map<char32_t, char32_t> cjk_map_;
};

}  // namespace almkit::bench
