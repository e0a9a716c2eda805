#include "bench/runner/answer_parsing.h"

#include "almkit/bench_scoring.h"

namespace almkit::bench {

ParsedAnswer parse_open_answer(const BenchItem& item, const std::string& response) {
  ParsedAnswer out;
  out.parsed = response;
  const std::string said = normalize_transcript(response);
  out.correct = said == normalize_transcript(item.answer);
  for (const auto& reference : item.references)
    out.correct = out.correct || said == normalize_transcript(reference);
  return out;
}

ParsedAnswer parse_letter_answer(const std::vector<std::string>& shown_choices, int answer_position,
                                 const std::string& response) {
  ParsedAnswer out;
  const int n = static_cast<int>(shown_choices.size());
  out.chosen_position = parse_option_letter(response, n, shown_choices);
  if (out.chosen_position >= 0) out.parsed = std::string(1, char('A' + out.chosen_position));
  out.correct = out.chosen_position >= 0 && out.chosen_position == answer_position;
  return out;
}

ParsedAnswer pick_by_loglik(const std::vector<std::string>& shown_choices, int answer_position,
                            const std::vector<double>& mean_logprobs) {
  ParsedAnswer out;
  for (size_t j = 0; j < mean_logprobs.size(); ++j) {
    if (out.chosen_position < 0 || mean_logprobs[j] > mean_logprobs[size_t(out.chosen_position)]) {
      out.chosen_position = static_cast<int>(j);
    }
  }
  if (out.chosen_position >= 0) out.parsed = shown_choices[size_t(out.chosen_position)];
  out.correct = out.chosen_position >= 0 && out.chosen_position == answer_position;
  return out;
}

}  // namespace almkit::bench
