#include "bench/benchmarks/voicebench/ifeval_checkers.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <set>

#include "almkit/error.h"
#include "bench/benchmarks/voicebench/ifeval_langdetect.h"
#include "bench/benchmarks/voicebench/ifeval_nltk.h"
#include "bench/benchmarks/voicebench/ifeval_text.h"
#include "bench/metrics/python_re.h"
#include "bench/python_text.h"
#include "bench/regex.h"

namespace almkit::bench {
namespace {

using json = nlohmann::json;

// instructions_util.LANGUAGE_CODES: the languages response_language may ask for.
const std::set<std::string> kLanguageCodes = {
    "en", "es", "pt", "ar", "hi", "fr", "ru", "de", "ja", "it", "bn", "uk", "th", "ur", "ta",
    "te", "bg", "ko", "pl", "he", "fa", "vi", "ne", "sw", "kn", "mr", "gu", "pa", "ml", "fi"};

// Each registered id with the keyword arguments its build_description takes.
const std::vector<std::pair<std::string, std::vector<std::string>>>& registry() {
  static const std::vector<std::pair<std::string, std::vector<std::string>>> entries = {
      {"keywords:existence", {"keywords"}},
      {"keywords:frequency", {"keyword", "frequency", "relation"}},
      {"keywords:forbidden_words", {"forbidden_words"}},
      {"keywords:letter_frequency", {"letter", "let_frequency", "let_relation"}},
      {"language:response_language", {"language"}},
      {"length_constraints:number_sentences", {"num_sentences", "relation"}},
      {"length_constraints:number_paragraphs", {"num_paragraphs"}},
      {"length_constraints:number_words", {"num_words", "relation"}},
      {"length_constraints:nth_paragraph_first_word",
       {"num_paragraphs", "nth_paragraph", "first_word"}},
      {"detectable_content:number_placeholders", {"num_placeholders"}},
      {"detectable_content:postscript", {"postscript_marker"}},
      {"detectable_format:number_bullet_lists", {"num_bullets"}},
      {"detectable_format:constrained_response", {}},
      {"detectable_format:number_highlighted_sections", {"num_highlights"}},
      {"detectable_format:multiple_sections", {"section_spliter", "num_sections"}},
      {"detectable_format:json_format", {}},
      {"detectable_format:title", {}},
      {"combination:two_responses", {}},
      {"combination:repeat_prompt", {"prompt_to_repeat"}},
      {"startend:end_checker", {"end_phrase"}},
      {"change_case:capital_word_frequency", {"capital_frequency", "capital_relation"}},
      {"change_case:english_capital", {}},
      {"change_case:english_lowercase", {}},
      {"punctuation:no_comma", {}},
      {"startend:quotation", {}},
  };
  return entries;
}

bool truthy(const json& value) {  // Python's bool(v) for a JSON value
  if (value.is_null()) return false;
  if (value.is_boolean()) return value.get<bool>();
  if (value.is_number()) return value.get<double>() != 0.0;
  if (value.is_string()) return !value.get<std::string>().empty();
  return !value.empty();
}

[[noreturn]] void refuse(const std::string& id, const std::string& problem) {
  throw Error(ErrorCode::kInvalidArgument, "ifeval instruction '" + id + "': " + problem);
}

class Arguments {
 public:
  Arguments(const std::string& id, json given) : id_(id), given_(std::move(given)) {}
  bool has(const std::string& key) const { return given_.contains(key); }
  const json& need(const std::string& key) const {
    if (!has(key))
      refuse(id_, "needs kwarg '" + key +
                      "' (IFEval would draw it at random; null, 0 and \"\" "
                      "count as absent, as VoiceBench drops falsy kwargs)");
    return given_.at(key);
  }
  std::string text(const std::string& key) const {
    const json& value = need(key);
    if (!value.is_string())
      refuse(id_, "kwarg '" + key + "' must be a string, got " + value.dump());
    return value.get<std::string>();
  }
  // A count IFEval redraws when negative; a whole number.
  double count(const std::string& key, bool negative_allowed = false) const {
    const json& value = need(key);
    if (!value.is_number() || value.is_boolean())
      refuse(id_, "kwarg '" + key + "' must be a number, got " + value.dump());
    const double number = value.get<double>();
    if (number != std::floor(number))
      refuse(id_, "kwarg '" + key + "' must be a whole number, got " + value.dump());
    if (number < 0 && !negative_allowed)
      refuse(id_, "kwarg '" + key + "' is negative (IFEval would draw it at random)");
    return number;
  }
  bool less_than(const std::string& key) const {
    const std::string relation = text(key);
    if (relation != "less than" && relation != "at least")
      refuse(id_, "kwarg '" + key + "' must be \"less than\" or \"at least\", got \"" + relation +
                      "\" (ValueError in IFEval)");
    return relation == "less than";
  }
  std::vector<std::string> words(const std::string& key) const {
    const json& value = need(key);
    if (!value.is_array()) refuse(id_, "kwarg '" + key + "' must be a list of strings");
    std::vector<std::string> out;
    for (const json& word : value) {
      if (!word.is_string()) refuse(id_, "kwarg '" + key + "' must be a list of strings");
      out.push_back(word.get<std::string>());
    }
    return out;
  }

 private:
  std::string id_;
  json given_;
};

// A pattern from IFEval or from the row's kwargs, with Python's \s \w \b \d; re.IGNORECASE and
// re.MULTILINE as inline flags.
Regex python_pattern(const std::string& pattern, bool caseless = false, bool multiline = false) {
  return python_regex(std::string(caseless ? "(?i)" : "") + (multiline ? "(?m)" : "") + pattern);
}

Regex compile(const std::string& id, const std::string& pattern, bool caseless,
              bool multiline = false) {
  try {
    return python_pattern(pattern, caseless, multiline);
  } catch (const Error&) {
    refuse(id, "'" + pattern + "' is not a valid regular expression (IFEval uses it as one)");
  }
}

bool compare(double actual, const IfevalInstruction& instruction) {
  return instruction.less_than ? actual < instruction.count : actual >= instruction.count;
}

std::string removeprefix(const std::string& text, const std::string& prefix) {
  return text.compare(0, prefix.size(), prefix) == 0 ? text.substr(prefix.size()) : text;
}

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// langdetect.detect(value) == language, True where langdetect raises.
bool language_is(const std::string& value, const std::string& language, uint64_t seed) {
  const std::string detected = LangDetect::shared().detect(value, seed);
  return detected.empty() || detected == language;
}

bool paragraph_first_word(const IfevalInstruction& in, const std::string& value) {
  const auto paragraphs = python_str_split(value, "\n\n");
  double count = double(paragraphs.size());
  for (const auto& paragraph : paragraphs)
    if (python_strip(paragraph).empty()) --count;
  if (in.nth > count) return false;
  const std::string paragraph = python_strip(paragraphs[size_t(in.nth) - 1]);
  if (paragraph.empty()) return false;
  std::string word = python_strip(python_split(paragraph)[0]);
  word =
      word.substr(word.find_first_not_of('\'') == std::string::npos ? word.size()
                                                                    : word.find_first_not_of('\''));
  word = word.substr(
      word.find_first_not_of('"') == std::string::npos ? word.size() : word.find_first_not_of('"'));
  std::string first;
  for (char32_t c : utf8_to_codepoints(word)) {
    if (c == '.' || c == ',' || c == '?' || c == '!' || c == '\'' || c == '"') break;
    first += python_lower(codepoints_to_utf8(std::u32string(1, c)));
  }
  return count == in.count && first == in.text;
}

bool highlighted(const IfevalInstruction& in, const std::string& value) {
  static const Regex single = python_pattern(R"(\*[^\n\*]*\*)"),
                     twice = python_pattern(R"(\*\*[^\n\*]*\*\*)");
  double found = 0;
  for (const RegexMatch& match : single.find_all(value))
    found += !python_strip(strip_chars(match.groups[0], "*")).empty();
  for (const RegexMatch& match : twice.find_all(value)) {
    const std::string& h = match.groups[0];  // at least 4 characters: both affixes come off
    found += !python_strip(h.substr(2, h.size() - 4)).empty();
  }
  return found >= in.count;
}

bool paragraphs_by_divider(const IfevalInstruction& in, const std::string& value) {
  static const Regex divider = python_pattern(R"(\s?\*\*\*\s?)");
  const auto paragraphs = python_split_on(divider, value);
  double count = double(paragraphs.size());
  for (size_t i = 0; i < paragraphs.size(); ++i) {
    if (!python_strip(paragraphs[i]).empty()) continue;
    if (i == 0 || i + 1 == paragraphs.size())
      --count;
    else
      return false;
  }
  return count == in.count;
}

bool two_responses(const std::string& value) {
  const auto responses = python_str_split(value, "******");
  std::vector<std::string> valid;
  for (size_t i = 0; i < responses.size(); ++i) {
    if (python_strip(responses[i]).empty()) {
      if (i != 0 && i + 1 != responses.size()) return false;
    } else {
      valid.push_back(responses[i]);
    }
  }
  return valid.size() == 2 && python_strip(valid[0]) != python_strip(valid[1]);
}

bool json_format(const std::string& response) {
  std::string value = python_strip(response);
  for (const char* prefix : {"```json", "```Json", "```JSON", "```"})
    value = removeprefix(value, prefix);
  if (ends_with(value, "```")) value.resize(value.size() - 3);
  return python_json_loads_ok(python_strip(value));
}

bool titled(const std::string& value) {
  static const Regex title = python_pattern(R"(<<[^\n]+>>)");
  for (const RegexMatch& match : title.find_all(value)) {
    std::string t = match.groups[0];
    t = t.substr(std::min(t.find_first_not_of('<'), t.size()));
    t.resize(t.find_last_not_of('>') == std::string::npos ? 0 : t.find_last_not_of('>') + 1);
    if (!python_strip(t).empty()) return true;
  }
  return false;
}

}  // namespace

const std::vector<std::string>& ifeval_instruction_ids() {
  static const std::vector<std::string> ids = [] {
    std::vector<std::string> out;
    for (const auto& entry : registry()) out.push_back(entry.first);
    return out;
  }();
  return ids;
}

bool ifeval_is_approximate(const std::string& id) {
  return (id == "length_constraints:number_sentences" ||
          id == "change_case:capital_word_frequency") &&
         !ifeval_has_punkt_english();
}

IfevalInstruction parse_ifeval_instruction(const std::string& id, const json& kwargs) {
  const auto entry = std::find_if(registry().begin(), registry().end(),
                                  [&](const auto& e) { return e.first == id; });
  if (entry == registry().end())
    refuse(id, "not an instruction id of IFEval's registry (KeyError in INSTRUCTION_DICT)");
  if (!kwargs.is_object()) refuse(id, "kwargs must be an object, got " + kwargs.dump());
  json given = json::object();
  for (const auto& [key, value] : kwargs.items()) {
    if (!truthy(value)) continue;  // {k: v for k, v in kwargs.items() if v}
    if (std::find(entry->second.begin(), entry->second.end(), key) == entry->second.end())
      refuse(id, "build_description takes no kwarg '" + key + "' (TypeError in IFEval)");
    given[key] = value;
  }
  const Arguments args(id, given);
  IfevalInstruction in;
  in.id = id;
  if (id == "keywords:existence") {
    in.words = args.words("keywords");
    std::sort(in.words.begin(), in.words.end());
    for (const auto& word : in.words) compile(id, word, true);
  } else if (id == "keywords:frequency") {
    in.text = python_strip(args.text("keyword"));
    in.count = args.count("frequency");
    in.less_than = args.less_than("relation");
    compile(id, in.text, true);
  } else if (id == "keywords:forbidden_words") {
    in.words = args.words("forbidden_words");
    std::sort(in.words.begin(), in.words.end());
    in.words.erase(std::unique(in.words.begin(), in.words.end()), in.words.end());
    for (const auto& word : in.words) compile(id, "\\b" + word + "\\b", true);
  } else if (id == "keywords:letter_frequency") {
    const std::string letter = args.text("letter");
    if (letter.size() != 1 || !std::isalpha(static_cast<unsigned char>(letter[0])))
      refuse(id, "kwarg 'letter' must be one ASCII letter, got \"" + letter +
                     "\" (IFEval would draw one at random)");
    in.text = ascii_lower(letter);
    in.count = args.count("let_frequency");
    in.less_than = args.less_than("let_relation");
  } else if (id == "language:response_language") {
    in.text = args.text("language");
    if (!kLanguageCodes.count(in.text))
      refuse(id,
             "language '" + in.text + "' is not in instructions_util.LANGUAGE_CODES (KeyError)");
  } else if (id == "length_constraints:number_sentences") {
    in.count = args.count("num_sentences");
    in.less_than = args.less_than("relation");
  } else if (id == "length_constraints:number_paragraphs") {
    in.count = args.count("num_paragraphs");
  } else if (id == "length_constraints:number_words") {
    in.count = args.count("num_words");
    in.less_than = args.less_than("relation");
  } else if (id == "length_constraints:nth_paragraph_first_word") {
    in.count = args.count("num_paragraphs");
    in.nth = args.count("nth_paragraph");
    if (!args.need("nth_paragraph").is_number_integer())  // a list index in IFEval
      refuse(id, "kwarg 'nth_paragraph' must be an integer (TypeError in IFEval)");
    if (in.nth > in.count)
      refuse(id, "nth_paragraph exceeds num_paragraphs (IFEval would draw it at random)");
    in.text = python_lower(args.text("first_word"));
  } else if (id == "detectable_content:number_placeholders") {
    in.count = args.count("num_placeholders");
  } else if (id == "detectable_content:postscript") {
    in.text = python_strip(args.text("postscript_marker"));
    if (in.text != "P.P.S" && in.text != "P.S.")
      compile(id, "\\s*" + python_lower(in.text) + ".*$", false, true);
  } else if (id == "detectable_format:number_bullet_lists") {
    in.count = args.count("num_bullets");
  } else if (id == "detectable_format:number_highlighted_sections") {
    in.count = args.count("num_highlights");
  } else if (id == "detectable_format:multiple_sections") {
    in.text = python_strip(args.text("section_spliter"));
    in.count = args.count("num_sections");
    compile(id, "\\s?" + in.text + "\\s?\\d+\\s?", false);
  } else if (id == "combination:repeat_prompt") {
    in.text = args.text("prompt_to_repeat");
  } else if (id == "startend:end_checker") {
    in.text = python_strip(args.text("end_phrase"));
  } else if (id == "change_case:capital_word_frequency") {
    in.count = args.count("capital_frequency", true);
    in.less_than = args.less_than("capital_relation");
  }
  return in;
}

bool ifeval_follows(const IfevalInstruction& in, const std::string& value, uint64_t seed) {
  const std::string& id = in.id;
  if (id == "keywords:existence") {
    for (const auto& word : in.words)
      if (!python_pattern(word, true).search(value)) return false;
    return true;
  }
  if (id == "keywords:frequency")
    return compare(double(python_pattern(in.text, true).find_all(value).size()), in);
  if (id == "keywords:forbidden_words") {
    for (const auto& word : in.words)
      if (python_pattern("\\b" + word + "\\b", true).search(value)) return false;
    return true;
  }
  if (id == "keywords:letter_frequency") {
    const std::string lowered = python_lower(value);
    return compare(double(std::count(lowered.begin(), lowered.end(), in.text[0])), in);
  }
  if (id == "language:response_language") return language_is(value, in.text, seed);
  if (id == "length_constraints:number_sentences")
    return compare(double(ifeval_count_sentences(value)), in);
  if (id == "length_constraints:number_paragraphs") return paragraphs_by_divider(in, value);
  if (id == "length_constraints:number_words")
    return compare(double(ifeval_count_words(value)), in);
  if (id == "length_constraints:nth_paragraph_first_word") return paragraph_first_word(in, value);
  if (id == "detectable_content:number_placeholders") {
    static const Regex placeholder = python_pattern(R"(\[.*?\])");
    return double(placeholder.find_all(value).size()) >= in.count;
  }
  if (id == "detectable_content:postscript") {
    const std::string pattern = in.text == "P.P.S"  ? R"(\s*p\.\s?p\.\s?s.*$)"
                                : in.text == "P.S." ? R"(\s*p\.\s?s\..*$)"
                                                    : "\\s*" + python_lower(in.text) + ".*$";
    return python_pattern(pattern, false, true).search(python_lower(value));
  }
  if (id == "detectable_format:number_bullet_lists") {
    static const Regex star = python_pattern(R"(^\s*\*[^\*].*$)", false, true),
                       dash = python_pattern(R"(^\s*-.*$)", false, true);
    return double(star.find_all(value).size() + dash.find_all(value).size()) == in.count;
  }
  if (id == "detectable_format:constrained_response") {
    const std::string stripped = python_strip(value);
    for (const char* option : {"My answer is yes.", "My answer is no.", "My answer is maybe."})
      if (stripped.find(option) != std::string::npos) return true;
    return false;
  }
  if (id == "detectable_format:number_highlighted_sections") return highlighted(in, value);
  if (id == "detectable_format:multiple_sections") {
    const Regex splitter = python_pattern("\\s?" + in.text + "\\s?\\d+\\s?");
    const auto matches = splitter.find_all(value);
    // len(re.split(...)) - 1: each match adds one piece and one entry per capture group.
    const size_t groups = matches.empty() ? 0 : matches[0].groups.size() - 1;
    return double(matches.size() * (1 + groups)) >= in.count;
  }
  if (id == "detectable_format:json_format") return json_format(value);
  if (id == "detectable_format:title") return titled(value);
  if (id == "combination:two_responses") return two_responses(value);
  if (id == "combination:repeat_prompt")
    return python_lower(python_strip(value)).rfind(python_lower(python_strip(in.text)), 0) == 0;
  if (id == "startend:end_checker")
    return ends_with(python_lower(strip_chars(python_strip(value), "\"")), python_lower(in.text));
  if (id == "change_case:capital_word_frequency") {
    size_t capitals = 0;
    for (const auto& token : ifeval_word_tokenize(value)) capitals += python_isupper(token);
    return compare(double(capitals), in);
  }
  if (id == "change_case:english_capital")
    return python_isupper(value) && language_is(value, "en", seed);
  if (id == "change_case:english_lowercase")
    return python_islower(value) && language_is(value, "en", seed);
  if (id == "punctuation:no_comma") return value.find(',') == std::string::npos;
  if (id == "startend:quotation") {
    const std::string stripped = python_strip(value);
    return stripped.size() > 1 && stripped.front() == '"' && stripped.back() == '"';
  }
  throw Error(ErrorCode::kInternal, "ifeval: no checker for '" + id + "'");
}

}  // namespace almkit::bench
