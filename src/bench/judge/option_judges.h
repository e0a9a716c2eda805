// Judges for multiple-choice and open answers of the MMAU family: the "mmau" protocol maps a free
// answer onto one of the item's options (VLMEvalKit's choice-extraction judge: MMAU's own
// repository has no judge), "mmau-pro-open" scores open answers with MMAU-Pro's own Qwen2.5 judge
// prompt.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "bench/judge/judge_protocols.h"

namespace almkit::bench {

// Appends the two protocols to the registry of judge_protocols.cpp.
void add_option_judge_protocols(std::vector<JudgeProtocol>& protocols);

// VLMEvalKit vlmeval/smp/vlm.py build_option_str: "There are several options: \n" then one
// "<letter>. <text>\n" per option.
std::string vlmevalkit_option_text(const std::vector<std::string>& choices);

// VLMEvalKit vlmeval/utils/matching_util.py can_infer(answer, choices) with choices lettered A,
// B, ...: the letter the text names ("Z" for none of them / a refusal), or "" (Python's False).
// VERBOSE unset (the quantifier check for "A" off), as the kit runs by default.
std::string vlmevalkit_can_infer(const std::string& answer,
                                 const std::vector<std::string>& choices);

// MMAU-Pro evaluate_mmau_pro_comprehensive.py extract_scores_from_evaluation: the five scores
// (correctness, relevance, completeness, clarity, overall), 3.0 where a pattern is missing, and the
// overall replaced by the mean of the other four when it is missing or exactly 3.0.
std::map<std::string, double> mmau_pro_judge_scores(const std::string& evaluation);

}  // namespace almkit::bench
