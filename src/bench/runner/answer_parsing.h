// Answer rules shared by several benchmarks (each benchmark's own rule is in its plug,
// src/bench/benchmarks/): open items by normalised exact match, option letters, and the best
// log-likelihood (loglik mode).
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

// Items without choices: the response, correct when its normalised text (normalize_transcript)
// equals that of the answer or of any other reference.
ParsedAnswer parse_open_answer(const BenchItem& item, const std::string& response);
// Option letters (parse_option_letter, docs/formats.md): perception, jsonl.
ParsedAnswer parse_letter_answer(const std::vector<std::string>& shown_choices, int answer_position,
                                 const std::string& response);

// The choice with the highest mean log-probability per token (ties: the first).
ParsedAnswer pick_by_loglik(const std::vector<std::string>& shown_choices, int answer_position,
                            const std::vector<double>& mean_logprobs);

}  // namespace almkit::bench
