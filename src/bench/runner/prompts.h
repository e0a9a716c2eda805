// Per-benchmark prompt templates and their rendering into chat messages (the model's own chat
// template then turns the messages into the exact prompt text stored with each result).
#pragma once

#include <string>
#include <vector>

#include "almkit/bench.h"

namespace almkit::bench {

// Placeholders (docs/eval.md): {question} {choices_lettered} ("A. x\nB. y") {choices_list}
// (['x', 'y'], as Python prints a list) {choices_joined} ("x, y or z") {letters} ("A, B, C or
// D") {choices_block} ("\n\n" + choices_lettered for two or more choices, else "") {audio}
// (where the clips go; absent: before the text).
struct PromptTemplate {
  std::string name;  // "mmau-generate", "file:/path", ...
  std::string text;
};

// The templates most benchmarks share (each benchmark's default is its plug's default_prompt):
// option letters (generate) and the log-likelihood one (loglik).
extern const char* const kLetterPromptText;
extern const char* const kLoglikPromptText;
// A template file (UTF-8 text with the placeholders above); kFileNotFound / kInvalidFormat.
PromptTemplate load_prompt_template(const std::string& path);

// MUSE's manifest has no question text: almkit's wording of each task's question.
std::string muse_question(const std::string& task);

// The user message of one presentation as chat messages JSON, with `audio_parts` audio
// placeholders (one per clip, or per window of a long clip). `audio_text` (--modality text: the
// transcript) is a text part where the clips would go.
std::string render_messages(const PromptTemplate& prompt, const BenchItem& item,
                            const std::vector<std::string>& shown_choices, int audio_parts,
                            const std::string& audio_text = "");

// A multi-turn item's earlier turns (BenchItem::history_json) before the rendered messages, each
// history clip expanded to its `clip_parts` audio parts (windows; 0 drops it: --modality text).
std::string with_history(const std::string& messages_json, const BenchItem& item,
                         const std::vector<int>& clip_parts);

// "A", "B", ... (then "AA" style is never needed: at most 26 choices).
std::string option_letter(int position);

}  // namespace almkit::bench
