#include "bench/runner/answer_parsing.h"

#include "almkit/bench_scoring.h"

namespace almkit::bench {

ParsedAnswer parse_generated_answer(const std::string& bench, const BenchItem& item,
                                    const std::vector<std::string>& shown_choices,
                                    int answer_position, const std::string& response) {
  ParsedAnswer out;
  const int n = static_cast<int>(shown_choices.size());
  if (n == 0) {
    out.parsed = response;
    out.correct = normalize_transcript(response) == normalize_transcript(item.answer);
    return out;
  }
  if (bench == "mmau" || bench == "mmar") {
    out.correct = mmau_string_match(item.answer, response, shown_choices);
    for (int j = 0; j < n; ++j) {
      if (!mmau_string_match(shown_choices[j], response, shown_choices)) continue;
      out.chosen_position = out.chosen_position == -1 ? j : -2;
    }
    if (out.chosen_position == -2) out.chosen_position = -1;
    if (out.chosen_position >= 0) out.parsed = shown_choices[out.chosen_position];
    return out;
  }
  if (bench == "star") {
    out.parsed = star_parse_multi_choice_response(response, shown_choices);
    if (out.parsed.size() == 3 && out.parsed[0] == '<') out.chosen_position = out.parsed[1] - 'A';
    if (out.chosen_position >= n) out.chosen_position = -1;
    out.correct = out.chosen_position >= 0 && out.chosen_position == answer_position;
    return out;
  }
  if (bench == "muse") {
    out.parsed = muse_parse_final_answer(item.task, response);
    for (int j = 0; j < n; ++j) {
      if (!out.parsed.empty() && shown_choices[j] == out.parsed) out.chosen_position = j;
    }
    out.correct = !out.parsed.empty() && out.parsed == item.answer;
    return out;
  }
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
