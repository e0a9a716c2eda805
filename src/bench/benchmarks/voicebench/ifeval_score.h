// VoiceBench's IFEvaluator (src/evaluator/ifeval.py of MatthewCYM/VoiceBench 533815410e3f): each
// row's instructions checked on its response, strictly and loosely (the response with its first
// and/or last line removed and/or `*` removed), and print_report's prompt- and instruction-level
// accuracies; `final`, their mean, is the IFEval figure VoiceBench's leaderboard reports.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bench/benchmarks/voicebench/ifeval_checkers.h"

namespace almkit::bench {

// One ifeval row: VoiceBench's data fields `key`, `prompt`, `instruction_id_list`, `kwargs`
// (one object per instruction) and the model's `response`.
struct IfevalRow {
  std::string id, where;  // where: "file:line" for errors
  nlohmann::json key;     // VoiceBench's `key` (an integer in its data), echoed in the item row
  std::string prompt, response;
  std::vector<IfevalInstruction> instructions;
};

// Reads instruction_id_list and kwargs of a row (kInvalidFormat / kInvalidArgument naming
// `where`: a missing or ill-typed field, lists of different lengths, a bad instruction).
std::vector<IfevalInstruction> parse_ifeval_fields(const nlohmann::json& instruction_id_list,
                                                   const nlohmann::json& kwargs,
                                                   const std::string& where);

struct IfevalScores {
  nlohmann::ordered_json figures;             // strict-prompt ... final, as fractions
  std::vector<nlohmann::ordered_json> items;  // one per row, in row order
};
// IFEvaluator.evaluate(rows). As read_prompt_to_response_dict does, a row's response is the one
// of the last row with the same prompt, after removing a leading <1>/<2>/<3> and a trailing
// <|user|>. langdetect runs with DetectorFactory.seed = langdetect_seed.
IfevalScores score_ifeval(const std::vector<IfevalRow>& rows, uint64_t langdetect_seed);

}  // namespace almkit::bench
