// Turning a model's answer into a choice with each benchmark's own rule (generative mode) or by
// the best log-likelihood (loglik mode).
#pragma once

#include <string>
#include <vector>

#include "almkit/bench.h"

namespace almkit::bench {

struct ParsedAnswer {
  std::string parsed;        // the benchmark's parse: a choice text, "<B>" / "Z" for STAR, ""
  int chosen_position = -1;  // position shown to the model, -1 when nothing was chosen
  bool correct = false;
};

// MMAU / MMAR: the official string match decides `correct`; the chosen position is the one
// choice that string-matches (none or several: -1). STAR: parse_multi_choice_response.
// MUSE: the canonical answer found as the official runner finds it. perception / jsonl: option
// letters (parse_option_letter). Items without choices: normalised exact match.
ParsedAnswer parse_generated_answer(const std::string& bench, const BenchItem& item,
                                    const std::vector<std::string>& shown_choices,
                                    int answer_position, const std::string& response);

// The choice with the highest mean log-probability per token (ties: the first).
ParsedAnswer pick_by_loglik(const std::vector<std::string>& shown_choices, int answer_position,
                            const std::vector<double>& mean_logprobs);

}  // namespace almkit::bench
