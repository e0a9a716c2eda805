// IFEval's 25 registered instruction checkers (google-research instruction_following_eval, as
// vendored in MatthewCYM/VoiceBench 533815410e3f, src/evaluator/instruction_following_eval/):
// each instruction id with its kwargs read as build_description reads them, and
// check_following's decision on one response. Kwargs IFEval would fill with a random draw
// (absent, null, 0, "" or a negative count) are refused instead, so a score never depends on an
// unseeded draw.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace almkit::bench {

struct IfevalInstruction {
  std::string id;                  // e.g. "keywords:frequency"
  double count = 0;                // the threshold: num_sentences, frequency, num_words, ...
  double nth = 0;                  // nth_paragraph
  bool less_than = false;          // relation "less than" (else "at least")
  std::string text;                // keyword, letter, language, marker, phrase, spliter, ...
  std::vector<std::string> words;  // keywords, forbidden_words (sorted, deduplicated as IFEval)
};

// The registry's ids, in instructions_registry.INSTRUCTION_DICT's order.
const std::vector<std::string>& ifeval_instruction_ids();

// INSTRUCTION_DICT[id](id).build_description(**{k: v for k, v in kwargs.items() if v}).
// kInvalidArgument naming the id and the argument: an unknown id, an argument the class does not
// take, a missing one IFEval would draw at random, a wrong type or value (e.g. a relation other
// than "less than" / "at least", a language outside instructions_util.LANGUAGE_CODES).
IfevalInstruction parse_ifeval_instruction(const std::string& id, const nlohmann::json& kwargs);

// check_following(response). Language checks call langdetect with DetectorFactory.seed =
// langdetect_seed (IFEval leaves it unseeded).
bool ifeval_follows(const IfevalInstruction& instruction, const std::string& response,
                    uint64_t langdetect_seed);

// True for the checkers whose decision here is an approximation (see ifeval_nltk.h):
// length_constraints:number_sentences and change_case:capital_word_frequency when punkt's English
// parameters are absent.
bool ifeval_is_approximate(const std::string& id);

}  // namespace almkit::bench
