// `almkit score --bench asr|ast`: corpus WER/CER (jiwer) and BLEU/chrF/chrF++ (sacreBLEU) of
// free-text outputs, with Whisper's normalisers for ASR.
#pragma once

#include <string>

namespace almkit::cli {

struct OpenAnswerScoreArgs {
  std::string input, summary_out, items_out;
  std::string normalizer =
      "none";                    // ASR: none, whisper-en, whisper-basic, whisper-basic-diacritics
  std::string tokenize = "13a";  // AST: sacreBLEU tokenizer 13a, zh, intl or none
};

// Rows {id, reference, hypothesis}; prints the corpus figures, writes --summary / --items.
void score_asr(const OpenAnswerScoreArgs& args);
// Rows {id, reference (string or list of strings), hypothesis}.
void score_ast(const OpenAnswerScoreArgs& args);

}  // namespace almkit::cli
