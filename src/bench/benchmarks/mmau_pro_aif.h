// MMAU-Pro's instruction-following checkers (evaluate_aif_sample of sonalkum/MMAUPro
// evaluate_mmau_pro_comprehensive.py, 960e93a): one format rule per task_identifier, with its
// kwargs, read with Python's text semantics (the VoiceBench ifeval helpers: CPython's case flags,
// str.split, the Punkt port).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace almkit::bench {

enum class AifVerdict { kFollowed, kNotFollowed, kUndecided };

struct AifCheck {
  AifVerdict verdict = AifVerdict::kUndecided;
  std::string note;  // why undecided
};

struct PunktParameters;

// The checker of `task_identifier` on `response`; `prompt_transcription` is the row's question
// (Repeat Prompt). The sentence counts are nltk's sent_tokenize: Punkt with nltk_data's English
// parameters (voicebench/ifeval_punkt.h finds them: ALMKIT_PUNKT_DIR, NLTK_DATA, ...), undecided
// without them. Undecided too: a kwarg the rule needs that is null or of the wrong type (the
// official script raises there). An unknown identifier is not followed, as the script's
// `success = False` leaves it.
AifCheck mmau_pro_aif_check(const std::string& response, const std::string& task_identifier,
                            const nlohmann::json& kwargs, const std::string& prompt_transcription);
// The same with the Punkt parameters given (null: none, sentence rules undecided).
AifCheck mmau_pro_aif_check(const std::string& response, const std::string& task_identifier,
                            const nlohmann::json& kwargs, const std::string& prompt_transcription,
                            const PunktParameters* punkt_english);

}  // namespace almkit::bench
