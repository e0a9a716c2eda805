#include "bench/judge/judge_protocols.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <map>
#include <regex>

#include "almkit/error.h"

namespace almkit::bench {
namespace {

// MatthewCYM/VoiceBench api_judge.py (533815410e3f4d602bd15a1de7105aea4acd828c), verbatim.
const char* const kVoicebenchOpenPrompt = R"VB(
I need your help to evaluate the performance of several models in the speech interaction scenario. The models will receive a speech input from the user, which they need to understand and respond to with a speech output.
Your task is to rate the model’s responses based on the provided user input transcription [Instruction] and the model’s output transcription [Response].

Please evaluate the response on a scale of 1 to 5:
1 point: The response is largely irrelevant, incorrect, or fails to address the user’s query. It may be off-topic or provide incorrect information.
2 points: The response is somewhat relevant but lacks accuracy or completeness. It may only partially answer the user’s question or include extraneous information.
3 points: The response is relevant and mostly accurate, but it may lack conciseness or include unnecessary details that don’t contribute to the main point.
4 points: The response is relevant, accurate, and concise, providing a clear answer to the user’s question without unnecessary elaboration.
5 points: The response is exceptionally relevant, accurate, and to the point. It directly addresses the user’s query in a highly effective and efficient manner, providing exactly the information needed.

Below are the transcription of user’s instruction and models’ response:
### [Instruction]: {prompt}
### [Response]: {response}

After evaluating, please output the score only without anything else.
You don’t need to provide any explanations.
)VB";
const char* const kVoicebenchQaPrompt = R"VB(### Question
{prompt}

### Reference answer
{reference}

### Candidate answer
{response}

Is the candidate answer correct based on the question and reference answer? 
Please only output a single "Yes" or "No". Do not output anything else.)VB";
const char* const kVoicebenchSystem =
    "You are a helpful assistant who tries to help answer the user's question.";

// almkit's generic correctness judge (no benchmark's wording).
const char* const kBinaryPrompt =
    "Question: {prompt}\nReference answer: {reference}\nCandidate answer: {response}\n\nDoes the "
    "candidate answer agree with the reference answer? Answer with a single word, Yes or No.";

std::vector<JudgeProtocol> make_protocols() {
  std::vector<JudgeProtocol> all;
  JudgeProtocol open;
  open.name = "voicebench-open";
  open.source =
      "MatthewCYM/VoiceBench api_judge.py meta_prompt_open, gpt-4o-mini settings "
      "(533815410e3f4d602bd15a1de7105aea4acd828c)";
  open.system = kVoicebenchSystem;
  open.prompt = kVoicebenchOpenPrompt;
  open.scored = true;
  open.samples = 3;  // n=3 there; here three calls with their own seeds
  open.temperature = 0.5;
  open.top_p = 0.95;
  open.max_tokens = 1024;
  all.push_back(open);
  JudgeProtocol qa = open;
  qa.name = "voicebench-qa";
  qa.source =
      "MatthewCYM/VoiceBench api_judge.py meta_prompt_qa, majority vote of qa.py "
      "(533815410e3f4d602bd15a1de7105aea4acd828c)";
  qa.prompt = kVoicebenchQaPrompt;
  qa.needs_reference = true;
  qa.scored = false;
  all.push_back(qa);
  JudgeProtocol binary;
  binary.name = "binary";
  binary.source = "almkit's generic correctness judge";
  binary.prompt = kBinaryPrompt;
  binary.needs_reference = true;
  binary.max_tokens = 8;
  all.push_back(binary);
  return all;
}

void replace_all(std::string& text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
}

std::string stripped_lower(const std::string& text) {
  size_t begin = 0, end = text.size();
  while (begin < end && std::isspace(static_cast<unsigned char>(text[begin]))) ++begin;
  while (end > begin && std::isspace(static_cast<unsigned char>(text[end - 1]))) --end;
  std::string out = text.substr(begin, end - begin);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

const JudgeProtocol& find_judge_protocol(const std::string& name) {
  static const std::vector<JudgeProtocol> protocols = make_protocols();
  std::string names;
  for (const auto& protocol : protocols) {
    if (protocol.name == name) return protocol;
    names += (names.empty() ? "" : ", ") + protocol.name;
  }
  throw Error(ErrorCode::kInvalidArgument,
              "judge: unknown --protocol '" + name + "' (expected " + names + ")");
}

std::string judge_prompt_text(const JudgeProtocol& protocol, const std::string& prompt,
                              const std::string& reference, const std::string& response) {
  // The reference code's order: {prompt}, then {reference}, then {response}.
  std::string text = protocol.prompt;
  replace_all(text, "{prompt}", prompt);
  if (protocol.needs_reference) replace_all(text, "{reference}", reference);
  replace_all(text, "{response}", response);
  return text;
}

double judge_reply_score(const std::string& reply) {
  const std::string text = stripped_lower(reply);
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (!text.empty() && end == text.c_str() + text.size()) return value;
  static const std::regex rating(R"(\[\[(\d+)\]\])");
  std::smatch match;
  if (std::regex_search(reply, match, rating)) return std::stod(match[1].str());
  return -1.0;
}

std::string judge_reply_decision(const std::string& reply) {
  const std::string text = stripped_lower(reply);
  return text == "yes" || text == "no" ? text : "";
}

bool judge_majority_yes(const std::vector<std::string>& replies) {
  std::vector<std::string> lowered;
  std::map<std::string, int> counts;
  // qa.py lower-cases the replies api_judge.py stored stripped.
  for (const auto& reply : replies) ++counts[lowered.emplace_back(stripped_lower(reply))];
  std::string best;
  int most = 0;
  for (const auto& reply : lowered) {
    if (counts[reply] > most) {
      most = counts[reply];
      best = reply;
    }
  }
  return best == "yes";
}

}  // namespace almkit::bench
