// The answer-letter rule AIR-Bench's score_foundation.py and MMSU's mmsu_evaluation.py share:
// the reply stripped (Python's str.strip) with its newlines removed; its first character if it is
// A-D ("B. female"), else its second-to-last ("The answer is B."); "" otherwise, and for an empty
// reply or the text "None". Characters are code points, as Python indexes a str.
#pragma once

#include <string>
#include <vector>

#include "bench/datasets/record_file.h"
#include "bench/runner/answer_parsing.h"

namespace almkit::bench {

std::string first_or_penultimate_letter(const std::string& response);
// A record's choice_a .. choice_d, "" where a field is missing or null (both benchmarks' layout).
std::vector<std::string> abcd_choice_fields(const SourceRecord& record);
// A reply to the shown choices under that rule (a letter beyond them chooses nothing).
ParsedAnswer parse_by_letter_rule(const std::vector<std::string>& shown_choices,
                                  int answer_position, const std::string& response);

}  // namespace almkit::bench
