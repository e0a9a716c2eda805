// Fuzzes the answer parsers and text scorers that read a model's free text: option letters,
// STAR-Bench's and MUSE's parsers, MMAU's string match, the transcript normaliser, WER / CER,
// sacreBLEU tokenizers and the caption tokenizer. Input: the response, then choices separated
// by NUL bytes.
#include <cstdint>
#include <string>
#include <vector>

#include "almkit/bench.h"
#include "almkit/bench_scoring.h"
#include "almkit/error.h"
#include "bench/runner/answer_parsing.h"

namespace {

std::vector<std::string> split_nul(const std::string& text) {
  std::vector<std::string> parts(1);
  for (char c : text) {
    if (c == '\0') {
      parts.emplace_back();
    } else {
      parts.back().push_back(c);
    }
  }
  return parts;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<std::string> parts =
      split_nul(std::string(reinterpret_cast<const char*>(data), size));
  const std::string response = parts.front();
  std::vector<std::string> choices(parts.begin() + 1, parts.end());
  if (choices.size() > 26) choices.resize(26);
  const int answer_position =
      choices.empty() ? -1 : static_cast<int>(response.size() % choices.size());
  try {
    const int letter =
        almkit::bench::parse_option_letter(response, static_cast<int>(choices.size()), choices);
    if (letter < -1 || letter >= static_cast<int>(choices.size())) __builtin_trap();
    (void)almkit::bench::parse_option_letter(response, 4);
    (void)almkit::bench::parse_letter_answer(choices, answer_position, response);
    almkit::bench::BenchItem item;
    item.answer = choices.empty() ? "yes" : choices.front();
    item.references = choices;
    (void)almkit::bench::parse_open_answer(item, response);
    (void)almkit::bench::star_parse_multi_choice_response(response, choices);
    for (const char* task : {"instrument_identification", "contour_identification", "oddballs",
                             "rhythm_matching", "transposition", "chord_quality", "key_modulation",
                             "chord_progression_matching", "syncopation", "meter_identification"}) {
      (void)almkit::bench::muse_parse_final_answer(task, response);
    }
    (void)almkit::bench::mmau_string_match(item.answer, response, choices);
    (void)almkit::bench::normalize_transcript(response);
    (void)almkit::bench::word_error_rate({item.answer}, {response});
    (void)almkit::bench::character_error_rate({item.answer}, {response});
    for (const char* tokenizer : {"13a", "zh", "intl", "none"}) {
      (void)almkit::bench::sacrebleu_tokenize(response, tokenizer);
    }
    (void)almkit::bench::corpus_bleu({response}, {{item.answer}});
    (void)almkit::bench::caption_tokens(response);
    (void)almkit::bench::rouge_l({response}, {{item.answer}});
  } catch (const almkit::Error&) {
  }
  return 0;
}
