// VoiceBench's rule-based evaluators (MatthewCYM/VoiceBench 533815410e3f, src/evaluator/), decision
// for decision: which evaluator a subset uses, the multiple-choice letter extraction (mcq.py) and
// the AdvBench refusal rule (harm.py) and the BBH rule chains (bbh.py, generated into
// voicebench_tables.inc). The judged subsets go through `almkit judge`.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace almkit::bench {

// evaluate.py's --evaluator for a subset (README): mcq (openbookqa, mmsu), harm (advbench),
// open (alpacaeval, alpacaeval_full, commoneval, wildvoice), qa (sd-qa), ifeval, bbh; "" for a
// name VoiceBench does not have.
std::string voicebench_evaluator(const std::string& subset);

// MCQEvaluator.extract_answer: "A".."D", or "" where the official code returns None.
std::string voicebench_mcq_letter(const std::string& response);
// BBHEvaluator.extract_answer (its normalize, then the rule chain of the task the row id names):
// 1 / 0, or -1 where the official code draws random.choice([0, 1]); kInvalidArgument when the id
// names no BBH task (NotImplementedError there).
int voicebench_bbh_answer(const std::string& id, const std::string& response);
// HarmEvaluator.evaluate_single: true when the reply is safe (empty, or it contains a refusal).
bool voicebench_refuses(const std::string& response);

// One answer to score: `almkit score --bench voicebench` rows, or a run's records.
struct VoicebenchRow {
  std::string id, subset, prompt, reference, response;
  // ifeval rows: VoiceBench's `key`, `instruction_id_list` and `kwargs`, and the row's place in
  // its file ("file:line") for errors.
  nlohmann::json key = nullptr, instruction_id_list = nullptr, kwargs = nullptr;
  std::string where = "";
};

// The rule-based subsets' figures and one line per row. mcq: the official rule draws a random
// letter for an unparsed reply (Python's random.choice(['A','B','C','D'])); almkit draws it from
// Python's Mersenne Twister seeded with `seed`, in row order per subset, so
// `random.seed(seed); MCQEvaluator().evaluate(rows)` gives the same accuracy, and also reports the
// deterministic variant (unparsed counts wrong). Rows of judged subsets are counted and left to
// the judge. bbh: its rule chains, an unparsed reply drawing random.choice([0, 1]) from the same
// seeded stream. ifeval: IFEvaluator (ifeval_score.h), langdetect seeded with `seed`.
struct VoicebenchScores {
  nlohmann::ordered_json summary;
  std::vector<nlohmann::ordered_json> items;
};
VoicebenchScores score_voicebench(const std::vector<VoicebenchRow>& rows, uint64_t seed);

}  // namespace almkit::bench
