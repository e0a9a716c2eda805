#include "bench/judge/option_judges.h"

#include <algorithm>

#include "bench/python_text.h"
#include "bench/regex.h"

namespace almkit::bench {
namespace {

// open-compass/VLMEvalKit vlmeval/dataset/utils/multiple_choice.py build_prompt
// (e8e78f05f3080fe28154f2130321f17951c3be94), verbatim; "{}" placeholders renamed. The question
// is followed by "?" there too.
const char* const kVlmevalkitChoicePrompt =
    "You are an AI assistant who will help me to match "
    "an answer with several options of a single-choice question. "
    "You are provided with a question, several options, and an answer, "
    "and you need to find which option is most similar to the answer. "
    "If the meaning of all options are significantly different from the answer, output Z. "
    "Your should output a single uppercase character in A, B, C, D (if they are valid options), "
    "and Z. \n"
    "Example 1: \n"
    "Question: What is the main object in image?\nOptions: A. teddy bear B. rabbit C. cat D. dog\n"
    "Answer: a cute teddy bear\nYour output: A\n"
    "Example 2: \n"
    "Question: What is the main object in image?\nOptions: A. teddy bear B. rabbit C. cat D. dog\n"
    "Answer: Spider\nYour output: Z\n"
    "Example 3: \n"
    "Question: \x01question\x01?\nOptions: \x01options\x01\nAnswer: \x01response\x01\nYour "
    "output: ";

// sonalkum/MMAUPro evaluate_mmau_pro_comprehensive.py create_evaluation_prompt
// (bf12804f38fef4eefdd321bba0e73f461bedc933) for task_type "open", verbatim (its trailing space
// after the RELEVANCE line included).
const char* const kMmauProOpenPrompt =
    "You are an expert evaluator for general open-ended question answering tasks. Please evaluate "
    "the quality of a model's response to a question.\n"
    "\n"
    "Question: \x01question\x01\n"
    "\n"
    "Reference Answer: \x01reference\x01\n"
    "\n"
    "Model Response: \x01response\x01\n"
    "\n"
    "Please evaluate the model response on the following criteria and provide scores from 1-5 "
    "(where 5 is best):\n"
    "\n"
    "1. **Correctness**: How factually accurate is the response compared to the reference?\n"
    "2. **Relevance**: How well does the response address the specific question asked?\n"
    "3. **Completeness**: Does the response cover all important aspects mentioned in the "
    "reference?\n"
    "4. **Clarity**: How clear and well-structured is the response?\n"
    "\n"
    "For each criterion, provide:\n"
    "- A score from 1-5\n"
    "- A brief justification (1-2 sentences)\n"
    "\n"
    "Format your response as:\n"
    "\n"
    "CORRECTNESS: [score] - [justification]\n"
    "RELEVANCE: [score] - [justification] \n"
    "COMPLETENESS: [score] - [justification]\n"
    "CLARITY: [score] - [justification]\n"
    "OVERALL: [average score] - [overall assessment]";

std::string letter(size_t position) {
  return std::string(1, char('A' + position));
}

// can_infer_option: the letters as separate words of the answer (punctuation blanked).
std::string can_infer_option(const std::string& answer, const std::vector<std::string>& choices) {
  if (answer.find("Failed to obtain answer via API") != std::string::npos) return "";
  for (const char* refusal :
       {"Sorry, I can't help with images of people yet.", "I can't process this file.",
        "I'm sorry, but without the image provided", "Cannot determine the answer"})
    if (answer.find(refusal) != std::string::npos) return "Z";
  std::string blanked = answer;
  for (char& c : blanked)
    if (std::string(".()[],:;!*#{}").find(c) != std::string::npos) c = ' ';
  std::vector<std::string> splits;
  for (const auto& piece : python_split(blanked)) splits.push_back(python_strip(piece));
  auto contains = [&](const std::string& word) {
    return std::find(splits.begin(), splits.end(), word) != splits.end();
  };
  int count = 0;
  for (size_t i = 0; i < choices.size(); ++i) count += contains(letter(i));
  if (count == 1) {
    for (size_t i = 0; i < choices.size(); ++i) {
      const auto at = std::find(splits.begin(), splits.end(), letter(i));
      if (at != splits.end() && int(at - splits.begin()) > int(splits.size()) - 5) return letter(i);
    }
  } else if (count == 0 && contains("Z")) {
    return "Z";
  }
  static const Regex verbose(R"((?i)(?:correct\s+)?answer\s+is\s+\**([ABCD])\**)");
  RegexMatch match;
  if (verbose.search(answer, &match)) {
    const std::string upper(1, char(std::toupper(static_cast<unsigned char>(match.groups[1][0]))));
    if (size_t(upper[0] - 'A') < choices.size()) return upper;
  }
  return "";
}

// can_infer_text: exactly one option's (lower-cased) text inside the lower-cased answer, unless
// the answer is longer than twice the options' total length (code points, as Python's len).
std::string can_infer_text(const std::string& answer, const std::vector<std::string>& choices) {
  const std::string lowered = python_lower(answer);
  size_t total = 0;
  for (const auto& choice : choices) total += utf8_to_codepoints(choice).size();
  if (utf8_to_codepoints(lowered).size() > 2 * total) return "";
  std::string found;
  int candidates = 0;
  for (size_t i = 0; i < choices.size(); ++i) {
    if (lowered.find(python_lower(choices[i])) != std::string::npos) {
      ++candidates;
      found = letter(i);
    }
  }
  return candidates == 1 ? found : "";
}

}  // namespace

std::string vlmevalkit_option_text(const std::vector<std::string>& choices) {
  std::string text = "There are several options: \n";
  for (size_t i = 0; i < choices.size(); ++i) text += letter(i) + ". " + choices[i] + "\n";
  return text;
}

std::string vlmevalkit_can_infer(const std::string& answer,
                                 const std::vector<std::string>& choices) {
  const std::string option = can_infer_option(answer, choices);
  return option.empty() ? can_infer_text(answer, choices) : option;
}

std::map<std::string, double> mmau_pro_judge_scores(const std::string& evaluation) {
  static const std::vector<std::pair<std::string, Regex>> patterns = [] {
    std::vector<std::pair<std::string, Regex>> all;
    all.emplace_back("correctness", Regex(R"(CORRECTNESS:\s*(\d+))", true));
    all.emplace_back("relevance", Regex(R"(RELEVANCE:\s*(\d+))", true));
    all.emplace_back("completeness", Regex(R"(COMPLETENESS:\s*(\d+))", true));
    all.emplace_back("clarity", Regex(R"(CLARITY:\s*(\d+))", true));
    all.emplace_back("overall", Regex(R"(OVERALL:\s*(\d+(?:\.\d+)?))", true));
    return all;
  }();
  std::map<std::string, double> scores;
  for (const auto& [criterion, pattern] : patterns) {
    RegexMatch match;
    // float() of the digits (Python reads Unicode digits too; std::stod only ASCII ones).
    double value = 3.0;
    if (pattern.search(evaluation, &match)) {
      try {
        value = std::stod(match.groups[1]);
      } catch (const std::exception&) {
        value = 3.0;
      }
    }
    scores[criterion] = value;
  }
  if (scores["overall"] == 3.0) {
    // np.mean of four values: their sum in order, divided by four.
    scores["overall"] = (((scores["correctness"] + scores["relevance"]) + scores["completeness"]) +
                         scores["clarity"]) /
                        4.0;
  }
  return scores;
}

void add_option_judge_protocols(std::vector<JudgeProtocol>& protocols) {
  // VLMEvalKit's judge: the OpenAI model of its config (gpt-4o-mini / chatgpt-0125) at temperature
  // 0; the reply read by can_infer.
  JudgeProtocol mmau;
  mmau.name = "mmau";
  mmau.source =
      "open-compass/VLMEvalKit multiple_choice.py build_prompt + matching_util.py can_infer "
      "(e8e78f05f3080fe28154f2130321f17951c3be94); MMAU's own repository has no judge";
  mmau.prompt = kVlmevalkitChoicePrompt;
  mmau.fields = {{"\x01question\x01", "prompt"},
                 {"\x01options\x01", "options"},
                 {"\x01response\x01", "response"}};
  mmau.rule = JudgeRule::kOptionLetter;
  mmau.temperature = 0.0;
  mmau.max_tokens = 16;
  protocols.push_back(mmau);
  // Qwen2.5-7B-Instruct there, sampled at temperature 0.1, max_new_tokens 512.
  JudgeProtocol open;
  open.name = "mmau-pro-open";
  open.source =
      "sonalkum/MMAUPro evaluate_mmau_pro_comprehensive.py create_evaluation_prompt + "
      "extract_scores_from_evaluation (bf12804f38fef4eefdd321bba0e73f461bedc933)";
  open.system = "You are a helpful and objective evaluator.";
  open.prompt = kMmauProOpenPrompt;
  open.fields = {{"\x01question\x01", "prompt"},
                 {"\x01reference\x01", "reference"},
                 {"\x01response\x01", "response"}};
  open.rule = JudgeRule::kCriteriaScores;
  open.temperature = 0.1;
  open.max_tokens = 512;
  protocols.push_back(open);
}

}  // namespace almkit::bench
