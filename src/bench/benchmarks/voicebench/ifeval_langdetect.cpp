#include "bench/benchmarks/voicebench/ifeval_langdetect.h"

#include <dirent.h>
#include <sys/stat.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>

#include "almkit/error.h"
#include "bench/benchmarks/muse/muse_protocol.h"
#include "bench/benchmarks/voicebench/ifeval_text.h"
#include "bench/python_text.h"
#include "bench/regex.h"
#include "io/json_file.h"

namespace almkit::bench {
namespace {

constexpr int kTrials = 7;                  // Detector.n_trial
constexpr double kAlpha = 0.5;              // ALPHA_DEFAULT
constexpr double kAlphaWidth = 0.05;        // ALPHA_WIDTH
constexpr int kIterationLimit = 1000;       // ITERATION_LIMIT
constexpr double kProbThreshold = 0.1;      // PROB_THRESHOLD
constexpr double kConvThreshold = 0.99999;  // CONV_THRESHOLD
constexpr double kBaseFreq = 10000;         // BASE_FREQ
constexpr size_t kMaxTextLength = 10000;    // max_text_length

// random.random() and random.gauss() of CPython 3.11 on top of the shared Mersenne Twister.
class PythonGauss {
 public:
  explicit PythonGauss(uint64_t seed) : random_(seed) {}
  double random() {
    const double a = random_.next_uint32() >> 5, b = random_.next_uint32() >> 6;
    return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0);
  }
  double gauss() {
    if (has_next_) {
      has_next_ = false;
      return next_;
    }
    const double x2pi = random() * 2.0 * M_PI;
    const double g2rad = std::sqrt(-2.0 * std::log(1.0 - random()));
    next_ = std::sin(x2pi) * g2rad;
    has_next_ = true;
    return std::cos(x2pi) * g2rad;
  }
  uint32_t randbelow(uint32_t n) { return random_.randbelow(n); }

 private:
  PythonRandom random_;
  bool has_next_ = false;
  double next_ = 0;
};

// messages.properties: key=value lines, values with \uXXXX escapes (unicode_escape).
std::map<std::string, std::u32string> read_messages(const std::string& path) {
  std::ifstream in(path);
  if (!in)
    throw Error(ErrorCode::kFileNotFound,
                "langdetect: cannot read " + path +
                    " (apt-get install python3-langdetect, or set "
                    "ALMKIT_LANGDETECT_DIR to a langdetect package folder)");
  std::map<std::string, std::u32string> messages;
  std::string line;
  while (std::getline(in, line)) {
    line = python_strip(line);
    const size_t eq = line.find('=');
    const std::string key = line.substr(0, eq);
    const std::string raw = eq == std::string::npos ? "" : line.substr(eq + 1);
    std::u32string value;
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '\\' && i + 5 < raw.size() && raw[i + 1] == 'u') {
        value.push_back(char32_t(std::stoul(raw.substr(i + 2, 4), nullptr, 16)));
        i += 5;
      } else {
        value.push_back(char32_t(static_cast<unsigned char>(raw[i])));
      }
    }
    messages[key] = value;
  }
  return messages;
}

const std::u32string& message(const std::map<std::string, std::u32string>& messages,
                              const std::string& key, const std::string& path) {
  const auto found = messages.find(key);
  if (found == messages.end())
    throw Error(ErrorCode::kInvalidFormat, "langdetect: " + path + " has no " + key);
  return found->second;
}

bool contains(const std::u32string& text, char32_t c) {
  return text.find(c) != std::u32string::npos;
}

}  // namespace

std::string LangDetect::default_package_dir() {
  const char* dir = std::getenv("ALMKIT_LANGDETECT_DIR");
  return dir && *dir ? dir : "/usr/lib/python3/dist-packages/langdetect";
}

const LangDetect& LangDetect::shared() {
  static std::once_flag once;
  static std::unique_ptr<LangDetect> detector;
  std::call_once(once, [] { detector = std::make_unique<LangDetect>(default_package_dir()); });
  return *detector;
}

LangDetect::LangDetect(const std::string& package_dir) {
  const std::string profiles = package_dir + "/profiles";
  // DetectorFactory.load_profile: os.listdir order; rows sized by the whole listing.
  DIR* dir = opendir(profiles.c_str());
  if (!dir)
    throw Error(ErrorCode::kFileNotFound,
                "langdetect: no profile folder " + profiles +
                    " (apt-get install python3-langdetect, "
                    "or set ALMKIT_LANGDETECT_DIR to a langdetect package folder)");
  std::vector<std::string> names;
  while (const dirent* entry = readdir(dir)) {
    const std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  closedir(dir);
  langsize_ = names.size();
  for (const std::string& name : names) {
    struct stat info {};
    const std::string path = profiles + "/" + name;
    if (name[0] == '.' || stat(path.c_str(), &info) != 0 || !S_ISREG(info.st_mode)) continue;
    const nlohmann::json profile = read_json_file(path);
    if (!profile.contains("name") || !profile.contains("freq") || !profile.contains("n_words"))
      throw Error(ErrorCode::kInvalidFormat, "langdetect: profile format error in " + path);
    const size_t index = languages_.size();
    languages_.push_back(profile["name"].get<std::string>());
    const auto& n_words = profile["n_words"];
    for (const auto& [word, count] : profile["freq"].items()) {
      const std::u32string gram = utf8_to_codepoints(word);
      auto& row = word_probabilities_[gram];
      if (row.empty()) row.assign(langsize_, 0.0);
      if (gram.size() >= 1 && gram.size() <= 3)
        row[index] = 1.0 * count.get<double>() / n_words[gram.size() - 1].get<double>();
    }
  }
  if (languages_.empty())
    throw Error(ErrorCode::kFileNotFound, "langdetect: no profiles in " + profiles);

  const std::string messages_path = package_dir + "/utils/messages.properties";
  const auto messages = read_messages(messages_path);
  latin1_excluded_ = message(messages, "NGram.LATIN1_EXCLUDE", messages_path);
  vi_letters_ = message(messages, "TO_NORMALIZE_VI_CHARS", messages_path);
  vi_marks_ = message(messages, "DMARK_CLASS", messages_path);
  for (const char* key :
       {"NORMALIZED_VI_CHARS_0300", "NORMALIZED_VI_CHARS_0301", "NORMALIZED_VI_CHARS_0303",
        "NORMALIZED_VI_CHARS_0309", "NORMALIZED_VI_CHARS_0323"})
    vi_normalized_.push_back(message(messages, key, messages_path));
  // NGram.CJK_CLASS lists every NGram.KANJI_* key in the file's order; later lists win.
  std::ifstream in(messages_path);
  std::string line;
  while (std::getline(in, line)) {
    line = python_strip(line);
    const std::string key = line.substr(0, line.find('='));
    if (key.rfind("NGram.KANJI_", 0) != 0) continue;
    const std::u32string& members = messages.at(key);
    for (char32_t c : members) cjk_map_[c] = members[0];
  }
}

char32_t LangDetect::normalize(char32_t c) const {  // NGram.normalize, by Unicode block
  if (c <= 0x7F) return (c < 'A' || (c > 'Z' && c < 'a') || c > 'z') ? U' ' : c;
  if (c <= 0xFF) return contains(latin1_excluded_, c) ? U' ' : c;
  if (c >= 0x180 && c <= 0x24F) return c == 0x219 ? 0x15F : c == 0x21B ? 0x163 : c;
  if (c >= 0x2000 && c <= 0x206F) return U' ';
  if (c >= 0x600 && c <= 0x6FF) return c == 0x6CC ? 0x64A : c;
  if (c >= 0x1E00 && c <= 0x1EFF) return c >= 0x1EA0 ? 0x1EC3 : c;
  if (c >= 0x3040 && c <= 0x309F) return 0x3042;
  if (c >= 0x30A0 && c <= 0x30FF) return 0x30A2;
  if ((c >= 0x3100 && c <= 0x312F) || (c >= 0x31A0 && c <= 0x31BF)) return 0x3105;
  if (c >= 0x4E00 && c <= 0x9FFF) {
    const auto found = cjk_map_.find(c);
    return found == cjk_map_.end() ? c : found->second;
  }
  if (c >= 0xAC00 && c <= 0xD7AF) return 0xAC00;
  return c;
}

std::u32string LangDetect::prepare(const std::string& input) const {
  static const Regex url(R"(https?://[-_.?&~;+=/#0-9A-Za-z]{1,2076})");
  static const Regex mail(R"([-_.0-9A-Za-z]{1,64}@[-_0-9A-Za-z]{1,255}[-_.0-9A-Za-z]{1,255})");
  const std::u32string replaced =
      utf8_to_codepoints(mail.replace_all(url.replace_all(input, " "), " "));
  // NGram.normalize_vi: a letter followed by a combining mark becomes the precomposed letter.
  std::u32string text;
  for (size_t i = 0; i < replaced.size(); ++i) {
    const size_t letter = vi_letters_.find(replaced[i]);
    const size_t mark =
        i + 1 < replaced.size() ? vi_marks_.find(replaced[i + 1]) : std::u32string::npos;
    if (letter != std::u32string::npos && mark != std::u32string::npos) {
      text.push_back(vi_normalized_[mark][letter]);
      ++i;
    } else {
      text.push_back(replaced[i]);
    }
  }
  // Detector.append: the first max_text_length characters, runs of spaces collapsed.
  std::u32string kept;
  char32_t previous = 0;
  for (size_t i = 0; i < std::min(text.size(), kMaxTextLength); ++i) {
    if (text[i] != U' ' || previous != U' ') kept.push_back(text[i]);
    previous = text[i];
  }
  // cleaning_text: drop Latin letters from a text that is mostly non-Latin.
  size_t latin = 0, non_latin = 0;
  for (char32_t c : kept) {
    if (c >= U'A' && c <= U'z')
      ++latin;
    else if (c >= 0x300 && !(c >= 0x1E00 && c <= 0x1EFF))
      ++non_latin;
  }
  if (latin * 2 < non_latin) {
    std::u32string without;
    for (char32_t c : kept)
      if (c < U'A' || c > U'z') without.push_back(c);
    kept = without;
  }
  return kept;
}

std::vector<const std::vector<double>*> LangDetect::ngrams(const std::u32string& text) const {
  std::vector<const std::vector<double>*> found;
  std::u32string grams = U" ";
  bool capital_word = false;
  for (char32_t raw : text) {  // NGram.add_char, then Detector._extract_ngrams
    const char32_t c = normalize(raw);
    const char32_t last = grams.back();
    if (last == U' ') {
      grams = U" ";
      capital_word = false;
      if (c == U' ') continue;
    } else if (grams.size() >= 3) {
      grams.erase(0, 1);
    }
    grams.push_back(c);
    if (python_char_isupper(c)) {
      if (python_char_isupper(last)) capital_word = true;
    } else {
      capital_word = false;
    }
    if (capital_word) continue;
    for (size_t n = 1; n <= 3 && grams.size() >= n; ++n) {
      const std::u32string w = grams.substr(grams.size() - n);
      if (w == U" ") continue;
      const auto hit = word_probabilities_.find(w);
      if (hit != word_probabilities_.end()) found.push_back(&hit->second);
    }
  }
  return found;
}

std::string LangDetect::detect(const std::string& input, uint64_t seed) const {
  const auto grams = ngrams(prepare(input));
  if (grams.empty()) return "";  // LangDetectException: No features in text.
  std::vector<double> average(langsize_, 0.0);
  PythonGauss random(seed);
  for (int trial = 0; trial < kTrials; ++trial) {
    std::vector<double> prob(langsize_, 1.0 / double(langsize_));
    const double alpha = kAlpha + random.gauss() * kAlphaWidth;
    for (int i = 0;; ++i) {
      const std::vector<double>& word = *grams[random.randbelow(uint32_t(grams.size()))];
      const double weight = alpha / kBaseFreq;
      for (size_t l = 0; l < prob.size(); ++l) prob[l] *= weight + word[l];
      if (i % 5 == 0) {
        double sum = 0.0, max_p = 0.0;  // _normalize_prob: Python 3.11's plain float sum
        for (double p : prob) sum += p;
        for (double& p : prob) {
          p = p / sum;
          if (max_p < p) max_p = p;
        }
        if (max_p > kConvThreshold || i >= kIterationLimit) break;
      }
    }
    for (size_t l = 0; l < average.size(); ++l) average[l] += prob[l] / kTrials;
  }
  // _sort_probability()[0]: the most probable above 0.1, the first listed among equals.
  std::string best = "unknown";
  double best_p = 0;
  for (size_t l = 0; l < languages_.size(); ++l) {
    if (average[l] > kProbThreshold && (best == "unknown" || average[l] > best_p)) {
      best = languages_[l];
      best_p = average[l];
    }
  }
  return best;
}

}  // namespace almkit::bench
