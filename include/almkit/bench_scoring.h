// Scoring benchmark outputs exactly as each benchmark's own scripts do (MMAU/MMAR string match,
// STAR-Bench's parse_multi_choice_response, MUSE's canonical-answer search, ISA-Bench's metric
// scripts), plus almkit's option-letter parser, WER/CER, Wilson intervals and robustness metrics
// over choice permutations. Every scorer here is pure: text in, numbers out, no model.
//
//   auto records = almkit::bench::read_mmau_predictions("outputs.json", {});
//   auto report = almkit::bench::score_mmau(records, {});
//   std::fputs(report.official_printout.c_str(), stdout);  // as MMAU's evaluation.py prints
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "almkit/export.h"

namespace almkit::bench {

// ---------------------------------------------------------------- accuracy with intervals
struct Interval {
  double low = 0.0, high = 0.0;  // fractions in [0, 1]
};
// Wilson score interval; z = 1.959963984540054 is 95 %. total == 0 gives [0, 1].
ALMKIT_API Interval wilson_interval(int64_t successes, int64_t total, double z = 1.959963984540054);

struct AccuracyCell {
  std::string name;
  int64_t correct = 0, total = 0;
  double percent() const { return total > 0 ? (double(correct) / double(total)) * 100.0 : 0.0; }
  Interval ci95() const { return wilson_interval(correct, total); }
};

// ---------------------------------------------------------------- MMAU / MMAR
// MMAU's evaluation.py string_match: every word token of the answer is in the prediction and no
// token that only a wrong choice has is; tokens are set(re.findall(r'\b\w+\b', text.lower())).
ALMKIT_API bool mmau_string_match(const std::string& answer, const std::string& prediction,
                                  const std::vector<std::string>& choices);

struct MmauRecord {
  std::string id, answer, task, difficulty, category, sub_category, modality;
  bool has_sub_category = false;
  std::vector<std::string> choices;
  bool has_output = false;  // the prediction key is present (official: others are skipped)
  std::string output;
};

struct MmauScoreOptions {
  bool mmar = false;           // MMAR: groups by modality / category / sub-category
  std::string prediction_key;  // empty: model_output, then model_prediction (MMAR:
                               // answer_prediction first)
};

struct MmauItemResult {
  std::string id;
  bool scored = false;  // had an output
  bool correct = false;
  std::string prediction;
};

struct MmauReport {
  // MMAU: tasks sound, music, speech and difficulties easy, hard, medium (the script's order);
  // sub-categories in first-seen order. MMAR: modality, category, sub-category.
  std::vector<AccuracyCell> by_task, by_difficulty, by_sub_category, by_category;
  AccuracyCell total;   // official: items without an output skipped
  AccuracyCell strict;  // almkit's strict figure: a missing output counts as wrong
  int64_t skipped = 0;
  std::vector<MmauItemResult> items;
  std::string official_printout;  // MMAU: byte for byte what evaluation.py prints
};

// A JSON list (or JSONL) of MMAU/MMAR items carrying the model's output.
ALMKIT_API std::vector<MmauRecord> read_mmau_predictions(const std::string& path,
                                                         const MmauScoreOptions& options);
ALMKIT_API MmauReport score_mmau(const std::vector<MmauRecord>& records,
                                 const MmauScoreOptions& options);

// ---------------------------------------------------------------- STAR-Bench
// parse_multi_choice_response of InternLM/StarBench: "<A>"... or "Z" when nothing is found.
ALMKIT_API std::string star_parse_multi_choice_response(const std::string& response,
                                                        const std::vector<std::string>& options);

struct StarRecord {
  std::string id, category, sub_category, answer_letter, model_response;
  std::vector<std::string> options;
};
struct StarCell {
  std::string name;
  double aa = 0.0, acr = 0.0;  // percent
  int64_t total_runs = 0, unique_samples = 0, n_subcategories = 0;
};
struct StarReport {
  StarCell total;
  std::vector<StarCell> by_category, by_sub_category;  // sorted by name, as pandas groupby
  std::vector<std::string> predictions;                // per record, "<B>" or "Z"
  std::vector<bool> correct;
  std::string performance_json;  // the performance.json StarBench writes (indent 4)
};
// One StarBench infer_results.jsonl line per record (id, options, answer_letter,
// model_response, category, sub-category).
ALMKIT_API std::vector<StarRecord> read_star_results(const std::string& path);
// `perception_macro`: the PerceptionDataset rule (category and total are means over
// sub-categories); otherwise the base rule (means over all runs).
ALMKIT_API StarReport score_star(const std::vector<StarRecord>& records, bool perception_macro);

// ---------------------------------------------------------------- MUSE
// The canonical answer the official runner finds in `response` for `task` (MUSE's task names),
// or "" when none is found (scored wrong).
ALMKIT_API std::string muse_parse_final_answer(const std::string& task,
                                               const std::string& response);
// The canonical answer strings of a MUSE task, in the runner's order.
ALMKIT_API std::vector<std::string> muse_choices(const std::string& task);

// ---------------------------------------------------------------- ISA-Bench
enum class IsaDimension { kD, kF, kN };
// The metric JSON ISA-Bench's scripts print for a result file (metric/d|f/compute_if_acc.py,
// compute_if_wer.py, metric/n/compute_ifr_metrics.py), indent 2, same key order and rounding.
// task: asr, ser, gr, s2tt (sacrebleu BLEU, zh tokenizer), aac (CIDEr-D and ROUGE-L; METEOR is
// "N/A": it needs Java METEOR 1.5) (task ignored for N). F-dimension s2tt's `constrain` checker
// segments Chinese with jieba: it reads python3-jieba's data (apt install python3-jieba, or
// ALMKIT_JIEBA_DIR) and throws kFileNotFound without it.
ALMKIT_API std::string isa_metric_json(const std::string& results_path, IsaDimension dimension,
                                       const std::string& task);
// calc_area.py's radar polygon area: values on equally spaced axes, divided by max_value.
ALMKIT_API double radar_polygon_area(const std::vector<double>& values, double max_value);
// ISA-Bench's IFR area-ratio score (percent, one decimal as calc_area.py prints it) from the 11
// overall IFR values D-default, D-case, D-robust, D-semantic_equal, D-alter_symbol,
// F-constrain, F-case, F-decoration, F-json, N-2-task, N-3-task (each 0-100).
ALMKIT_API double isa_ifr_area_score(const std::vector<double>& overall_ifr);

// ---------------------------------------------------------------- BLEU and caption metrics
// sacrebleu's tokenizers: "13a" (its default), "zh" (Chinese characters split one by one, then
// 13a's rules, with sacrebleu's character ranges exactly), "intl" (mteval-v14's international
// rules: Unicode punctuation and symbols split off) or "none".
ALMKIT_API std::string sacrebleu_tokenize(const std::string& line, const std::string& tokenizer);
struct BleuScore {
  double score = 0.0;                       // 0-100
  double precisions[4] = {0.0, 0.0, 0.0, 0.0};  // percent
  double bp = 0.0;
  int64_t sys_len = 0, ref_len = 0;
  int64_t counts[4] = {0, 0, 0, 0};  // matched n-grams, n = 1..4 (sacreBLEU's counts)
  int64_t totals[4] = {0, 0, 0, 0};  // hypothesis n-grams (sacreBLEU's totals)
};
// sacrebleu.corpus_bleu(hypotheses, reference_sets, tokenize=tokenizer): 4-grams, 'exp'
// smoothing, closest reference length, no lower-casing, effective order off. reference_sets[j][i]
// is the j-th reference of hypothesis i.
ALMKIT_API BleuScore corpus_bleu(const std::vector<std::string>& hypotheses,
                                 const std::vector<std::vector<std::string>>& reference_sets,
                                 const std::string& tokenizer = "13a");
// aac-metrics' preprocessing, approximated without Java: Stanford PTBTokenizer (-lowerCase) and
// the removal of its punctuation tokens. Exact on plain caption text (words, . , ! ? ; : quotes
// and brackets, contractions); Stanford's tokenizer differs on abbreviations, escaped symbols
// and punctuation inside words. Returns the tokens joined by spaces.
ALMKIT_API std::string caption_tokens(const std::string& sentence);
// aac-metrics' cider_d and rouge_l (corpus figures: means over candidates) on tokenized text.
// CIDEr-D needs 2 candidates or more (aac-metrics raises otherwise; so does this).
ALMKIT_API double cider_d(const std::vector<std::string>& candidates,
                          const std::vector<std::vector<std::string>>& references);
ALMKIT_API double rouge_l(const std::vector<std::string>& candidates,
                          const std::vector<std::vector<std::string>>& references);

// ---------------------------------------------------------------- our own formats
// The chosen option of a free-text response to a question with `num_choices` lettered options,
// or -1 (rules in docs/formats.md). `choices` (optional) enables matching by option text.
ALMKIT_API int parse_option_letter(const std::string& response, int num_choices,
                                   const std::vector<std::string>& choices = {});

// almkit's documented ASR text normaliser (docs/formats.md): Unicode lower case, bracketed
// asides removed, punctuation to spaces (apostrophes inside words kept), whitespace collapsed.
ALMKIT_API std::string normalize_transcript(const std::string& text);
struct ErrorRate {
  int64_t substitutions = 0, deletions = 0, insertions = 0, reference_length = 0;
  int64_t hits = 0;
  // jiwer: (S + D + I) / (H + S + D); with no reference token at all, the insertion count.
  double rate() const {
    return reference_length > 0
               ? double(substitutions + deletions + insertions) / double(reference_length)
               : double(insertions);
  }
};
// Corpus-level rates exactly as jiwer 4's process_words / process_characters compute them with
// their default transforms (words: runs of 2+ whitespace become ' ', strip, split on ' ';
// characters: strip, then code points) and rapidfuzz's alignment for the S/D/I/H split.
// Normalise first (normalize_text in text_metrics.h, or normalize_transcript).
ALMKIT_API ErrorRate word_error_rate(const std::vector<std::string>& references,
                                     const std::vector<std::string>& hypotheses);
ALMKIT_API ErrorRate character_error_rate(const std::vector<std::string>& references,
                                          const std::vector<std::string>& hypotheses);

// ---------------------------------------------------------------- robustness over permutations
// One answer of the model to one presentation (ordering of the choices) of an item.
struct PresentationAnswer {
  std::string item_id;
  int presentation = 0;      // 0 .. K-1
  int chosen_choice = -1;    // index into the item's ORIGINAL choices, -1 if unparsed
  int chosen_position = -1;  // position shown to the model (0 = A), -1 if unparsed
  bool correct = false;
};
struct RobustnessReport {
  std::vector<AccuracyCell> accuracy_per_presentation;
  double correctness_rate = 0.0;  // CoR: mean accuracy over presentations (fraction)
  double consistency_rate = 0.0;  // CR: per item, share of presentation pairs with the same
                                  // answer (unparsed counts as an answer "none"), averaged
  double all_correct_rate = 0.0;  // ACR: share of items right in every presentation
  std::vector<int64_t> position_histogram;  // answers per shown position (A, B, ...)
  int64_t unparsed = 0;
  int64_t items = 0;
};
ALMKIT_API RobustnessReport robustness_metrics(const std::vector<PresentationAnswer>& answers);

}  // namespace almkit::bench
