// Open-answer metrics computed exactly as published numbers were: Whisper's text normalisers
// (openai/whisper's EnglishTextNormalizer and BasicTextNormalizer, byte for byte), jiwer's
// corpus WER/CER (word_error_rate / character_error_rate in bench_scoring.h) and sacreBLEU 2.x's
// BLEU, chrF and chrF++ with several references per segment. References and the commits read
// are listed in docs/eval.md.
//
//   using namespace almkit::bench;
//   const auto preset = text_normalizer_from_name("whisper-en");
//   std::string ref = normalize_text("Mr. Smith paid $20 million.", preset);
//   // "mister smith paid $20000000"
//   BleuScore bleu = corpus_bleu_by_segment({"the cat sat"}, {{"the cat sat", "a cat sat"}});
#pragma once

#include <string>
#include <vector>

#include "almkit/bench_scoring.h"
#include "almkit/export.h"

namespace almkit::bench {

// ---------------------------------------------------------------- Whisper's normalisers
enum class TextNormalizer {
  kNone,                    // text unchanged
  kWhisperEnglish,          // "whisper-en": EnglishTextNormalizer()
  kWhisperBasic,            // "whisper-basic": BasicTextNormalizer()
  kWhisperBasicDiacritics,  // "whisper-basic-diacritics":
                            // BasicTextNormalizer(remove_diacritics=True)
};
// "none", "whisper-en", "whisper-basic" or "whisper-basic-diacritics"; throws otherwise.
ALMKIT_API TextNormalizer text_normalizer_from_name(const std::string& name);
ALMKIT_API std::string normalize_text(const std::string& text, TextNormalizer normalizer);

// whisper.normalizers.EnglishTextNormalizer()(text): lower case, bracketed asides and fillers
// removed, contractions and titles expanded, spelled-out numbers and currencies as digits,
// British spellings made American. The output is not stripped (it may start or end with ' ').
ALMKIT_API std::string whisper_english_normalize(const std::string& text);
// whisper.normalizers.BasicTextNormalizer(remove_diacritics)(text).
ALMKIT_API std::string whisper_basic_normalize(const std::string& text, bool remove_diacritics);
// EnglishNumberNormalizer()(text) alone (the step after symbol removal in the English one).
ALMKIT_API std::string whisper_english_numbers(const std::string& text);

// ---------------------------------------------------------------- sacreBLEU with ragged references
// sacrebleu.corpus_bleu with references[i] the references of hypothesis i (any number, at least
// one; a missing reference is what sacreBLEU's None is). tokenizer: "13a", "zh", "intl", "none".
ALMKIT_API BleuScore corpus_bleu_by_segment(const std::vector<std::string>& hypotheses,
                                            const std::vector<std::vector<std::string>>& references,
                                            const std::string& tokenizer = "13a");

struct ChrfScore {
  double score = 0.0;  // 0-100
  int char_order = 6, word_order = 0, beta = 2;
  std::vector<int64_t> statistics;  // summed [hyp, ref, match] per order, chars first
};
// sacrebleu.metrics.CHRF(word_order=word_order).corpus_score(hypotheses, references): chrF with
// word_order 0, chrF++ with 2; character order 6, beta 2, no lower-casing, whitespace ignored,
// no epsilon smoothing. references[i] are the references of hypothesis i; per segment the
// reference with the best sentence chrF counts (the first on ties).
ALMKIT_API ChrfScore corpus_chrf(const std::vector<std::string>& hypotheses,
                                 const std::vector<std::vector<std::string>>& references,
                                 int word_order = 0);

// The line sacreBLEU prints for a score (str(score), width 2):
// "BLEU = 37.99 83.3/60.0/25.0/16.7 (BP = 1.000 ratio = 1.000 hyp_len = 6 ref_len = 6)",
// "chrF2 = 51.23", "chrF2++ = 49.00".
ALMKIT_API std::string sacrebleu_printout(const BleuScore& score);
ALMKIT_API std::string sacrebleu_printout(const ChrfScore& score);

}  // namespace almkit::bench
