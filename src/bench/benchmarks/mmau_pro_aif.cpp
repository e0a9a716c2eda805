#include "bench/benchmarks/mmau_pro_aif.h"

#include "bench/benchmarks/voicebench/ifeval_punkt.h"
#include "bench/benchmarks/voicebench/ifeval_text.h"
#include "bench/python_text.h"
#include "bench/regex.h"

namespace almkit::bench {
namespace {

using json = nlohmann::json;

struct Undecided {
  std::string note;
};

std::string kwarg_text(const json& kwargs, const std::string& key) {
  const auto it = kwargs.find(key);
  if (it == kwargs.end()) return "";  // kwargs.get(key, "")
  if (!it->is_string()) throw Undecided{"kwargs." + key + " is not text"};
  return it->get<std::string>();
}

double kwarg_number(const json& kwargs, const std::string& key, double fallback) {
  const auto it = kwargs.find(key);
  if (it == kwargs.end()) return fallback;
  if (!it->is_number()) throw Undecided{"kwargs." + key + " is not a number"};
  return it->get<double>();
}

size_t count_matches(const std::string& pattern, const std::string& text) {
  return Regex(pattern).find_all(text).size();
}

// re.sub(r'[^a-zA-Z]', '', text).lower(), or with spaces kept.
std::string ascii_letters(const std::string& text, bool keep_spaces) {
  std::string out;
  for (char c : text) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (keep_spaces && c == ' '))
      out += char(c >= 'A' && c <= 'Z' ? c + 32 : c);
  }
  return out;
}

size_t count_capital_words(const std::string& text) {
  size_t count = 0;
  for (const auto& word : python_split(text)) count += python_isupper(word);
  return count;
}

// re.split(rf'\s*{re.escape(splitter)}\s*', text.strip()), sections with text left.
size_t count_sections(const std::string& text, const std::string& splitter) {
  const std::string subject = python_strip(text);
  size_t sections = 0, previous = 0;
  auto piece = [&](size_t from, size_t to) {
    sections += !python_strip(subject.substr(from, to - from)).empty();
  };
  for (const auto& match : Regex("\\s*" + regex_escape(splitter) + "\\s*").find_all(subject)) {
    piece(previous, match.start);
    previous = match.end;
  }
  piece(previous, subject.size());
  return sections;
}

bool check(const std::string& response, const std::string& id, const json& kwargs,
           const std::string& prompt, const PunktParameters* punkt) {
  const std::string lowered = python_lower(response);
  auto words = [&] { return double(python_split(response).size()); };
  auto keyword_list = [&](const std::string& key) {
    return python_str_split(kwarg_text(kwargs, key), ", ");
  };
  if (id == "Include Keywords") {
    for (const auto& keyword : keyword_list("keywords"))
      if (lowered.find(python_lower(keyword)) == std::string::npos) return false;
    return true;
  }
  if (id == "Keyword Frequency") {
    const std::string keyword = kwarg_text(kwargs, "keyword");
    const double target = kwarg_number(kwargs, "N", 0);
    return double(count_matches("\\b" + regex_escape(python_lower(keyword)) + "\\b", lowered)) ==
           target;
  }
  if (id == "Forbidden Words") {
    for (const auto& word : keyword_list("forbidden_words"))
      if (lowered.find(python_lower(word)) != std::string::npos) return false;
    return true;
  }
  if (id == "Number Paragraphs") {
    double paragraphs = 0;
    for (const auto& part : python_str_split(response, "***"))
      paragraphs += !python_strip(part).empty();
    return paragraphs == kwarg_number(kwargs, "N", 0);
  }
  if (id == "Number Words (at least)") return words() >= kwarg_number(kwargs, "N", 0);
  if (id == "Number Words (at most)") return words() <= kwarg_number(kwargs, "N", 0);
  if (id == "Number Words (range)")
    return kwarg_number(kwargs, "N1", 0) <= words() && words() <= kwarg_number(kwargs, "N2", 999);
  if (id.rfind("Number Sentences", 0) == 0) {
    if (punkt == nullptr)
      throw Undecided{"sentence counts need nltk's Punkt English parameters (ALMKIT_PUNKT_DIR)"};
    const double sentences = double(punkt_sentences(response, *punkt).size());
    if (id == "Number Sentences (at least)") return sentences >= kwarg_number(kwargs, "N", 0);
    if (id == "Number Sentences (at most)") return sentences <= kwarg_number(kwargs, "N", 0);
    if (id == "Number Sentences (range)")
      return kwarg_number(kwargs, "N1", 0) <= sentences &&
             sentences <= kwarg_number(kwargs, "N2", 999);
    return false;
  }
  if (id == "Postscript")
    return ascii_letters(response, false)
               .find(ascii_letters(kwarg_text(kwargs, "postscript_marker"), false)) !=
           std::string::npos;
  if (id == "Number Placeholder")
    return double(count_matches(R"(\[[^\]]+\])", response)) >= kwarg_number(kwargs, "N", 0);
  if (id == "Number Bullets")
    return double(count_matches(R"((?:^|\n)\s*\*\s+)", response)) == kwarg_number(kwargs, "N", 0);
  if (id == "Title") return Regex("<<[^>]+>>").search(response);
  if (id == "Minimum Number Highlighted Section")
    return double(count_matches(R"(\*([^*]+)\*)", response)) >= kwarg_number(kwargs, "N", 0);
  if (id == "Multiple Sections")
    return double(count_sections(response, kwarg_text(kwargs, "section_splitter"))) ==
           kwarg_number(kwargs, "N", 0);
  if (id == "Repeat Prompt")
    return python_lower(python_strip(response)).rfind(python_lower(python_strip(prompt)), 0) == 0;
  if (id == "Two Responses") {
    const auto parts = python_str_split(response, "******");
    return parts.size() == 2 &&
           python_strip(python_lower(parts[0])) != python_strip(python_lower(parts[1]));
  }
  if (id == "All Uppercase") return python_isupper(response);
  if (id == "All Lowercase") return python_islower(response);
  if (id == "All-capital Words (at least)")
    return double(count_capital_words(response)) >= kwarg_number(kwargs, "N", 0);
  if (id == "All-capital Words (at most)")
    return double(count_capital_words(response)) <= kwarg_number(kwargs, "N", 0);
  if (id == "All-capital Words (range)") {
    const double capitals = double(count_capital_words(response));
    return kwarg_number(kwargs, "N1", 0) <= capitals && capitals <= kwarg_number(kwargs, "N2", 999);
  }
  if (id == "Start Checker")
    return ascii_letters(response, true)
               .rfind(ascii_letters(kwarg_text(kwargs, "start_phrase"), true), 0) == 0;
  if (id == "End Checker") {
    const std::string text = ascii_letters(response, true);
    const std::string phrase = ascii_letters(kwarg_text(kwargs, "end_phrase"), true);
    return text.size() >= phrase.size() &&
           text.compare(text.size() - phrase.size(), phrase.size(), phrase) == 0;
  }
  if (id == "Quotation") {
    const std::string stripped = python_strip(response);
    return !stripped.empty() && stripped.front() == '"' && stripped.back() == '"';
  }
  if (id == "No Commas") return response.find(',') == std::string::npos;
  return false;
}

}  // namespace

AifCheck mmau_pro_aif_check(const std::string& response, const std::string& task_identifier,
                            const json& kwargs, const std::string& prompt_transcription) {
  return mmau_pro_aif_check(response, task_identifier, kwargs, prompt_transcription,
                            punkt_english_parameters());
}

AifCheck mmau_pro_aif_check(const std::string& response, const std::string& task_identifier,
                            const json& kwargs, const std::string& prompt_transcription,
                            const PunktParameters* punkt_english) {
  AifCheck result;
  try {
    // `kwargs or {}`: null (and an empty object) read as no kwargs.
    const json arguments = kwargs.is_object() ? kwargs : json::object();
    result.verdict =
        check(response, task_identifier, arguments, prompt_transcription, punkt_english)
            ? AifVerdict::kFollowed
            : AifVerdict::kNotFollowed;
  } catch (const Undecided& undecided) {
    result.note = undecided.note;
  }
  return result;
}

}  // namespace almkit::bench
