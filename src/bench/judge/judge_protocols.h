// Judge protocols: each benchmark's judge prompt (verbatim where it has one), the judge's
// sampling settings, and the rule that reads the judge's replies.
#pragma once

#include <string>
#include <vector>

namespace almkit::bench {

struct JudgeProtocol {
  std::string name, source;  // source: where the prompt and settings come from
  std::string system;        // the system turn ("" : none)
  std::string prompt;        // with {prompt}, {reference}, {response}
  bool needs_reference = false;
  bool scored = false;  // a 1-5 score (mean) instead of a Yes/No decision (majority)
  int samples = 1;
  double temperature = 0.0, top_p = 1.0;
  int max_tokens = 16;
};

// kInvalidArgument listing the names for an unknown one.
const JudgeProtocol& find_judge_protocol(const std::string& name);

// The judge's user text for one answer (plain replacement, as the reference code does).
std::string judge_prompt_text(const JudgeProtocol& protocol, const std::string& prompt,
                              const std::string& reference, const std::string& response);

// One reply: a score (VoiceBench's OpenEvaluator: float(reply), else the number in "[[n]]"; -1
// when neither) ...
double judge_reply_score(const std::string& reply);
// ... or a decision: the stripped, lower-cased reply is "yes" / "no" (others: "").
std::string judge_reply_decision(const std::string& reply);
// VoiceBench's majority_vote over decisions: the most frequent lower-cased reply, correct when it
// is "yes". Python picks among tied replies by set order; almkit takes the one seen first.
bool judge_majority_yes(const std::vector<std::string>& replies);

}  // namespace almkit::bench
