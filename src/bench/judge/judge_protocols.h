// Judge protocols: each benchmark's judge prompt (verbatim where it has one), the judge's
// sampling settings, and the rule that reads the judge's replies.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace almkit::bench {

// How a protocol's replies become a figure.
enum class JudgeRule {
  kScore,             // VoiceBench open: a 1-5 score per reply, averaged
  kYesNoMajority,     // VoiceBench qa, binary: the most frequent lower-cased reply is "yes"
  kPairScores,        // AIR-Bench chat: "<reference's score> <model's score>" (cal_score.py)
  kCorrectIncorrect,  // SAKURA: llm_judge.py's "Judgement: correct|incorrect"
  kCorrectWord,       // Big Bench Audio: the reply is CORRECT or INCORRECT
  kOptionLetter,      // mmau: the option the reply names (VLMEvalKit's can_infer), answers
                      // can_infer reads without a judge are not sent (its prefetch)
  kCriteriaScores,    // mmau-pro-open: MMAU-Pro's five 1-5 scores, overall / 5 per answer
};

struct JudgeProtocol {
  std::string name, source;  // source: where the prompt and settings come from
  std::string system;        // the system turn ("" : none)
  std::string prompt;        // with the placeholders of `fields`
  // Each placeholder of `prompt` and the answer's field it takes (prompt: the question or the
  // transcript; reference; response; audio_description: AIR-Bench's meta_info; options: the
  // item's options as VLMEvalKit lists them), replaced in this order as the reference code does.
  std::vector<std::pair<std::string, std::string>> fields;
  JudgeRule rule = JudgeRule::kYesNoMajority;
  int samples = 1;
  double temperature = 0.0, top_p = 1.0;
  int max_tokens = 16;
  // AIR-Bench's score_chat.py judges a random half of the answers at temperature 2.0: here the
  // half is drawn from the judge seed per answer (recorded per answer).
  double hot_share = 0.0, hot_temperature = 0.0;
};

// kInvalidArgument listing the names for an unknown one.
const JudgeProtocol& find_judge_protocol(const std::string& name);

// The judge's user text for one answer (plain replacement, as the reference code does).
std::string judge_prompt_text(const JudgeProtocol& protocol, const std::string& prompt,
                              const std::string& reference, const std::string& response,
                              const std::string& audio_description = "",
                              const std::string& options = "");

// One reply: a score (VoiceBench's OpenEvaluator: float(reply), else the number in "[[n]]"; -1
// when neither) ...
double judge_reply_score(const std::string& reply);
// ... or a decision: the stripped, lower-cased reply is "yes" / "no" (others: "").
std::string judge_reply_decision(const std::string& reply);
// VoiceBench's majority_vote over decisions: the most frequent lower-cased reply, correct when it
// is "yes". Python picks among tied replies by set order; almkit takes the one seen first.
bool judge_majority_yes(const std::vector<std::string>& replies);

// AIR-Bench cal_score.py: the two integer scores of "<a> <b>" (stripped, newlines removed, split
// on single spaces, Python's int()); false when the script counts a failure.
bool judge_reply_pair(const std::string& reply, int& reference_score, int& model_score);
// SAKURA llm_judge.py's extract_judgement (`Explanation: (.*?)\nJudgement: (.*?)(?:\n\n|$)`,
// DOTALL): the judgement, or "No extracted judgement"; calculate_acc.py counts it correct when
// its lower-cased, stripped text is "correct".
std::string judge_reply_sakura(const std::string& reply, std::string* explanation = nullptr);

}  // namespace almkit::bench
