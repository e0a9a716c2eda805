#include "bench/benchmarks/letter_rule.h"

#include "bench/python_text.h"

namespace almkit::bench {

std::string first_or_penultimate_letter(const std::string& response) {
  std::u32string predict;
  for (char32_t c : utf8_to_codepoints(python_strip(response)))
    if (c != U'\n') predict += c;
  auto is_letter = [](char32_t c) { return c >= U'A' && c <= U'D'; };
  if (predict.empty() || predict == U"None") return "";
  if (is_letter(predict[0])) return std::string(1, char(predict[0]));
  if (predict.size() > 1 && is_letter(predict[predict.size() - 2]))
    return std::string(1, char(predict[predict.size() - 2]));
  return "";
}

std::vector<std::string> abcd_choice_fields(const SourceRecord& record) {
  std::vector<std::string> choices;
  for (const char* key : {"choice_a", "choice_b", "choice_c", "choice_d"})
    choices.push_back(record_string(record, key, false));
  return choices;
}

ParsedAnswer parse_by_letter_rule(const std::vector<std::string>& shown_choices,
                                  int answer_position, const std::string& response) {
  ParsedAnswer out;
  out.parsed = first_or_penultimate_letter(response);
  if (!out.parsed.empty() && out.parsed[0] - 'A' < int(shown_choices.size()))
    out.chosen_position = out.parsed[0] - 'A';
  out.correct = out.chosen_position >= 0 && out.chosen_position == answer_position;
  return out;
}

}  // namespace almkit::bench
