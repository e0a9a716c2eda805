#include "bench/benchmarks/voicebench/ifeval_punkt.h"

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <mutex>

#include "almkit/error.h"
#include "bench/benchmarks/voicebench/ifeval_text.h"
#include "bench/metrics/python_re.h"
#include "bench/python_text.h"
#include "bench/regex.h"

namespace almkit::bench {
namespace {

// Orthographic context flags (punkt.py's _ORTHO_*).
constexpr int kBegUc = 1 << 1, kMidUc = 1 << 2, kUnkUc = 1 << 3;
constexpr int kBegLc = 1 << 4, kMidLc = 1 << 5, kUnkLc = 1 << 6;
constexpr int kUc = kBegUc + kMidUc + kUnkUc, kLc = kBegLc + kMidLc + kUnkLc;

// PunktLanguageVars' patterns (English defaults), written without re.VERBOSE's layout.
const char* const kNonWord = R"((?:[)\";}\]\*:@\'\({\[\?!]))";
const char* const kMultiChar = R"((?:\-{2,}|\.{2,}|(?:\.\s){2,}\.))";

const Regex& word_tokenizer() {
  static const Regex re = python_regex(
      std::string("(") + kMultiChar + R"(|(?=[^\(\"\`{\[:;&\#\*@\)}\]\-,])\S+?(?=\s|$|)" +
      kNonWord + "|" + kMultiChar + R"(|,(?=$|\s|)" + kNonWord + "|" + kMultiChar + R"())|\S))");
  return re;
}

const Regex& period_context() {
  static const Regex re = python_regex(std::string(R"([\.\?!](?=(?P<after_tok>)") + kNonWord +
                                       R"(|\s+(?P<next_tok>\S+))))");
  return re;
}

struct Token {
  std::string tok, type;
  bool period_final = false, parastart = false, linestart = false;
  bool sentbreak = false, abbr = false, ellipsis = false;

  explicit Token(std::string text) : tok(std::move(text)) {
    static const Regex numeric = python_regex(R"(^-?[\.,]?\d[\d,\.-]*\.?$)");
    const std::string lowered = python_lower(tok);
    type = numeric.search(lowered) ? "##number##" : lowered;
    period_final = !tok.empty() && tok.back() == '.';
  }
  std::string type_no_period() const {
    if (utf8_to_codepoints(type).size() > 1 && type.back() == '.')
      return type.substr(0, type.size() - 1);
    return type;
  }
  std::string type_no_sentperiod() const { return sentbreak ? type_no_period() : type; }
  char32_t first() const { return utf8_to_codepoints(tok).at(0); }
  bool first_upper() const { return python_char_isupper(first()); }
  bool first_lower() const { return python_char_islower(first()); }
  bool is_ellipsis() const {
    static const Regex re = python_regex(R"(^\.\.+$)");
    return re.search(tok);
  }
  bool is_initial() const {
    static const Regex re = python_regex(R"(^[^\W\d]\.$)");
    return re.search(tok);
  }
};

std::vector<Token> tokenize_words(const std::string& text) {  // PunktBaseClass._tokenize_words
  std::vector<Token> tokens;
  bool parastart = false;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(start, end - start);
    start = end + 1;
    if (python_strip(line).empty()) {
      parastart = true;
      continue;
    }
    const auto matches = word_tokenizer().find_all(line);
    for (size_t i = 0; i < matches.size(); ++i) {
      Token token(matches[i].groups[1]);
      if (i == 0) {
        token.parastart = parastart;
        token.linestart = true;
        parastart = false;
      }
      tokens.push_back(std::move(token));
    }
  }
  return tokens;
}

class Annotator {
 public:
  explicit Annotator(const PunktParameters& params) : params_(params) {}

  void first_pass(Token& token) const {
    const std::string& tok = token.tok;
    if (tok == "." || tok == "?" || tok == "!") {
      token.sentbreak = true;
    } else if (token.is_ellipsis()) {
      token.ellipsis = true;
    } else if (token.period_final &&
               tok.compare(tok.size() >= 2 ? tok.size() - 2 : 0, 2, "..") != 0) {
      const std::string stem = python_lower(tok.substr(0, tok.size() - 1));
      const size_t dash = stem.rfind('-');
      const std::string last_part = dash == std::string::npos ? stem : stem.substr(dash + 1);
      if (params_.abbrev_types.count(stem) || params_.abbrev_types.count(last_part))
        token.abbr = true;
      else
        token.sentbreak = true;
    }
  }

  void second_pass(Token& token, const Token& next) const {
    if (!token.period_final) return;
    const std::string type = token.type_no_period(), next_type = next.type_no_sentperiod();
    const bool initial = token.is_initial();
    if (params_.collocations.count({type, next_type})) {
      token.sentbreak = false;
      token.abbr = true;
      return;
    }
    if ((token.abbr || token.ellipsis) && !initial) {
      const int starter = ortho_heuristic(next);
      if (starter == 1) {
        token.sentbreak = true;
        return;
      }
      if (next.first_upper() && params_.sent_starters.count(next_type)) {
        token.sentbreak = true;
        return;
      }
    }
    if (initial || type == "##number##") {
      const int starter = ortho_heuristic(next);
      if (starter == 0) {
        token.sentbreak = false;
        token.abbr = true;
        return;
      }
      if (starter == -1 && initial && next.first_upper() && !(ortho(next_type) & kLc)) {
        token.sentbreak = false;
        token.abbr = true;
      }
    }
  }

  // True when the context's tokens have a sentence break before their last token.
  bool contains_sentbreak(const std::string& text) const {
    std::vector<Token> tokens = tokenize_words(text);
    for (Token& token : tokens) first_pass(token);
    for (size_t i = 0; i + 1 < tokens.size(); ++i) {
      second_pass(tokens[i], tokens[i + 1]);
      if (tokens[i].sentbreak) return true;
    }
    return false;
  }

 private:
  int ortho(const std::string& type) const {
    const auto found = params_.ortho_context.find(type);
    return found == params_.ortho_context.end() ? 0 : found->second;
  }
  // _ortho_heuristic: 1 (True), 0 (False) or -1 ("unknown").
  int ortho_heuristic(const Token& token) const {
    static const std::set<std::string> punctuation = {";", ":", ",", ".", "!", "?"};
    if (punctuation.count(token.tok)) return 0;
    const int context = ortho(token.type_no_sentperiod());
    if (token.first_upper() && (context & kLc) && !(context & kMidUc)) return 1;
    if (token.first_lower() && ((context & kUc) || !(context & kBegLc))) return 0;
    return -1;
  }

  const PunktParameters& params_;
};

size_t last_whitespace_index(const std::string& text) {  // 0 also when none
  for (size_t i = text.size(); i-- > 0;) {
    const char c = text[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\x0b' || c == '\x0c') return i;
  }
  return 0;
}

struct Span {
  size_t start, stop;
};

std::string slice(const std::string& text, Span span) {
  return span.start >= span.stop ? "" : text.substr(span.start, span.stop - span.start);
}

std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error(ErrorCode::kFileNotFound, "punkt: cannot read " + path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(line);
  return lines;
}

}  // namespace

PunktParameters load_punkt_tab(const std::string& folder) {
  PunktParameters params;
  params.source = folder;
  for (const auto& line : read_lines(folder + "/abbrev_types.txt"))
    params.abbrev_types.insert(line);
  for (const auto& line : read_lines(folder + "/sent_starters.txt"))
    params.sent_starters.insert(line);
  for (const auto& line : read_lines(folder + "/collocations.tab")) {
    const size_t tab = line.find('\t');
    if (tab == std::string::npos)
      throw Error(ErrorCode::kInvalidFormat,
                  "punkt: " + folder + "/collocations.tab: line '" + line + "' has no tab");
    params.collocations.insert({line.substr(0, tab), line.substr(tab + 1)});
  }
  for (const auto& line : read_lines(folder + "/ortho_context.tab")) {
    const size_t tab = line.find('\t');
    char* end = nullptr;
    const long flags = tab == std::string::npos ? 0 : std::strtol(line.c_str() + tab + 1, &end, 10);
    if (tab == std::string::npos || end == line.c_str() + tab + 1)
      throw Error(ErrorCode::kInvalidFormat, "punkt: " + folder + "/ortho_context.tab: line '" +
                                                 line + "' is not TYPE<tab>FLAGS");
    params.ortho_context[line.substr(0, tab)] |= int(flags);
  }
  return params;
}

const PunktParameters* punkt_english_parameters() {
  static std::once_flag once;
  static std::unique_ptr<PunktParameters> params;
  std::call_once(once, [] {
    std::vector<std::string> folders;
    if (const char* dir = std::getenv("ALMKIT_PUNKT_DIR"); dir && *dir) {
      if (std::string(dir) == "none") return;  // the rule-based stand-in, on purpose
      params = std::make_unique<PunktParameters>(load_punkt_tab(dir));  // must be there
      return;
    } else {
      std::vector<std::string> roots;
      if (const char* data = std::getenv("NLTK_DATA"); data && *data) {
        const std::string list = data;
        for (size_t start = 0; start <= list.size();) {
          const size_t colon = std::min(list.find(':', start), list.size());
          roots.push_back(list.substr(start, colon - start));
          start = colon + 1;
        }
      }
      if (const char* home = std::getenv("HOME")) roots.push_back(std::string(home) + "/nltk_data");
      for (const char* root : {"/usr/share/nltk_data", "/usr/local/share/nltk_data",
                               "/usr/lib/nltk_data", "/usr/local/lib/nltk_data"})
        roots.push_back(root);
      for (const auto& root : roots) folders.push_back(root + "/tokenizers/punkt_tab/english");
    }
    for (const auto& folder : folders) {
      struct stat info {};
      if (stat((folder + "/abbrev_types.txt").c_str(), &info) == 0) {
        params = std::make_unique<PunktParameters>(load_punkt_tab(folder));
        return;
      }
    }
  });
  return params.get();
}

std::vector<std::string> punkt_sentences(const std::string& text, const PunktParameters& params) {
  const Annotator annotator(params);
  // _match_potential_end_contexts and _slices_from_text.
  std::vector<Span> slices;
  size_t last_break = 0;
  auto decide = [&](const RegexMatch& match, Span word) {
    const std::string context = slice(text, word) + match.groups[0] + match.groups[1];
    if (!annotator.contains_sentbreak(context)) return;
    slices.push_back({last_break, match.end});
    const bool has_next = match.group_set.size() > 2 && match.group_set[2];
    last_break = has_next ? match.end + match.groups[1].size() - match.groups[2].size() : match.end;
  };
  Span previous{0, 0};
  const RegexMatch* previous_match = nullptr;
  const auto matches = period_context().find_all(text);
  for (const RegexMatch& match : matches) {
    const std::string before = text.substr(previous.stop, match.start - previous.stop);
    size_t after_space = last_whitespace_index(before);
    after_space = after_space ? after_space + previous.stop + 1 : previous.start;
    const Span word{after_space, match.start};
    if (previous_match && previous.stop <= word.start) decide(*previous_match, previous);
    previous_match = &match;
    previous = word;
  }
  if (previous_match) decide(*previous_match, previous);
  slices.push_back({last_break, python_rstrip(text).size()});
  // _realign_boundaries: closing quotes and brackets move to the sentence they close.
  static const Regex realignment = python_regex(R"((?m)["\')\]}]+?(?:\s+|(?=--)|$))");
  std::vector<std::string> sentences;
  size_t realign = 0;
  for (size_t i = 0; i < slices.size(); ++i) {
    const Span first{slices[i].start + realign, slices[i].stop};
    if (i + 1 == slices.size()) {
      if (!slice(text, first).empty()) sentences.push_back(slice(text, first));
      continue;
    }
    const std::string next = slice(text, slices[i + 1]);
    RegexMatch m;
    if (!next.empty() && realignment.search(next, &m) && m.start == 0) {
      sentences.push_back(
          slice(text, {first.start, slices[i + 1].start + python_rstrip(m.groups[0]).size()}));
      realign = m.end;
    } else {
      realign = 0;
      if (!slice(text, first).empty()) sentences.push_back(slice(text, first));
    }
  }
  return sentences;
}

}  // namespace almkit::bench
