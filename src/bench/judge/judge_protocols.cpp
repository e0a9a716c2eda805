#include "bench/judge/judge_protocols.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <map>
#include <regex>

#include "almkit/error.h"
#include "bench/judge/option_judges.h"
#include "bench/python_text.h"

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

// OFA-Sys/AIR-Bench score_chat.py's build_test_file (9832476), verbatim; sent as the user turn.
const char* const kAirBenchChatPrompt =
    "You are a helpful and precise assistant for checking the quality of the answer.\n"
    "[Detailed Audio Description]\n"
    "XAudioX\n"
    "[Question]\n"
    "XQuestionX\n"
    "[The Start of Assistant 1s Answer]\n"
    "XAssistant1X\n"
    "[The End of Assistant 1s Answer]\n"
    "[The Start of Assistant 2s Answer]\n"
    "XAssistant2X\n"
    "[The End of Assistant 2s Answer]\n"
    "[System]\n"
    "We would like to request your feedback on the performance of two AI assistants in response to the user question and audio description displayed above. AI assistants are provided with detailed audio descriptions and questions.\n"
    "Please rate the helpfulness, relevance, accuracy, and comprehensiveness of their responses. Each assistant receives an overall score on a scale of 1 to 10, where a higher score indicates better overall performance. Please output a single line containing only two values indicating the scores for Assistant 1 and 2, respectively. The two scores are separated by a space.";
// ckyang1124/SAKURA evaluation/llm_judge.py (a1fdb14), verbatim (its indentation included).
const char* const kSakuraSystem =
    "You are a good judge. You will be given a question with list of possible options, a ground truth answer and a model generated response. \n"
    "                       You have to determine whether the model generated answer is correct.";
// verbatim
const char* const kSakuraPrompt =
    "\n"
    "    You will be given a question with list of possible options, a ground truth answer and a model generated response. Determine whether the model generated response is correct based on the following criteria:\n"
    "    1. Since there is one and only one corect answer, it should be judged incorrect if the model do not choose any option from the option list or it choose more than one option.\n"
    "    2. If the model choose one option from the option list, it should be judged correct if the chosen option aligns with the ground truth answer, otherwise it should be judged incorrect.\n"
    "    3. Read the question, options, ground truth answer and model generated response carefully before making a decision.\n"
    "\n"
    "    Considering the following examples:\n"
    "    Question: What is the capital of France? (a) Paris (b) London (c) Berlin (d) Madrid\n"
    "    Ground truth answer: (a) Paris\n"
    "    If the model generated response is: \"The capital of France is Tokyo.\", it should be judged incorrect since it does not choose any option from the option list.\n"
    "    If the model generated response is: \"The capital of France is Paris and London.\", it should be judged incorrect since it chooses more than one option from the option list.\n"
    "    If the model generated response is: \"The capital of France is London.\", it should be judged incorrect since it chooses one option from the option list but the chosen option does not align with the ground truth answer.\n"
    "    If the model generated response is: \"The capital of France is Paris.\", it should be judged correct since it chooses one option from the option list and the chosen option aligns with the ground truth answer.\n"
    "    Another Question: What is the underlying emotion of the speaker? (a) Happy (b) Sad (c) Angry (d) Neutral\n"
    "    Ground truth answer: (a) Happy\n"
    "    If the model generated response is: \"The speaker is happy.\", it should be judged correct since it chooses one option from the option list and the chosen option aligns with the ground truth answer.\n"
    "    If the model generated response is: \"The speaker expresses happiness.\", it should be judged correct since \"happiness\" aligns with the ground truth answer \"happy\", and they are just different part of speech of the same word.\n"
    "    If the model generated response is: \"Happiness,\" it should be judged correct since it is also a valid derivative of the ground truth answer \"happy\".\n"
    "    \n"
    "    Now here is the question and the model generated response for you to judge:\n"
    "    Question: [QUESTION]\n"
    "    Ground truth answer: [GROUND_TRUTH_ANSWER]\n"
    "    Model generated response: [MODEL_GENERATED_RESPONSE]\n"
    "\n"
    "    Carefully make your decision based on the above criteria. Return your judgement with the following format:\n"
    "    Explanation: <Your explanation on your judgement>\n"
    "    Judgement: <Your judgement, either \"correct\" or \"incorrect\">\n"
    "    ";

// The LLM evaluator prompt of Big Bench Audio's release post (huggingface/blog
// big-bench-audio-release.md, 110f248), verbatim; its "\n\n" after {question} is read as the two
// newlines the Python string it was copied from gives.
const char* const kBigBenchAudioPrompt =
    "Assess whether the following CANDIDATE ANSWER is CORRECT or INCORRECT.\n"
    "For the CANDIDATE ANSWER to be correct, it must be consistent with the OFFICIAL ANSWER.\n"
    "If the CANDIDATE ANSWER contradicts itself, assess the first proposed answer.\n"
    "If the CANDIDATE ANSWER provides a final answer and working, assess the final answer only.\n"
    "If the CANDIDATE ANSWER includes irrelevant information, assess only the relevant "
    "information.\n"
    "If the CANDIDATE ANSWER includes a numeric value it is ok if it is spelled e.g. 7 or seven\n"
    "It is ok if the CANDIDATE ANSWER involves a misspelling of a person's name e.g. Leda or Lida, "
    "Autry or Audrie.\n"
    "  \n"
    "The question, for reference only: START QUESTION {question} \n\nEND QUESTION\n"
    "\n"
    "The OFFICIAL ANSWER:{official_answer}\n"
    "\n"
    "BEGIN CANDIDATE ANSWER TO ASSESS\n"
    "\n"
    "{candidate_answer}\n"
    "\n"
    "END CANDIDATE ANSWER TO ASSESS\n"
    "\n"
    "Reply only with CORRECT or INCORRECT.";

// almkit's generic correctness judge (no benchmark's wording).
const char* const kBinaryPrompt =
    "Question: {prompt}\nReference answer: {reference}\nCandidate answer: {response}\n\nDoes the "
    "candidate answer agree with the reference answer? Answer with a single word, Yes or No.";

std::vector<JudgeProtocol> make_protocols() {
  const std::vector<std::pair<std::string, std::string>> braces = {
      {"{prompt}", "prompt"}, {"{reference}", "reference"}, {"{response}", "response"}};
  std::vector<JudgeProtocol> all;
  JudgeProtocol open;
  open.name = "voicebench-open";
  open.source =
      "MatthewCYM/VoiceBench api_judge.py meta_prompt_open, gpt-4o-mini settings "
      "(533815410e3f4d602bd15a1de7105aea4acd828c)";
  open.system = kVoicebenchSystem;
  open.prompt = kVoicebenchOpenPrompt;
  open.fields = {braces[0], braces[2]};
  open.rule = JudgeRule::kScore;
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
  qa.fields = braces;
  qa.rule = JudgeRule::kYesNoMajority;
  all.push_back(qa);
  JudgeProtocol binary;
  binary.name = "binary";
  binary.source = "almkit's generic correctness judge";
  binary.prompt = kBinaryPrompt;
  binary.fields = braces;
  binary.max_tokens = 8;
  all.push_back(binary);
  // score_chat.py: the reference answer is Assistant 1, the model's Assistant 2; gpt-4-0125-preview
  // at temperature 1.0 (2.0 for a random half), max_tokens 1024; cal_score.py reads the pair.
  JudgeProtocol air;
  air.name = "air-bench-chat";
  air.source = "OFA-Sys/AIR-Bench score_chat.py + cal_score.py (983247666e2a25519b5c122810c2bcd91f26fd8d)";
  air.prompt = kAirBenchChatPrompt;
  air.fields = {{"XAudioX", "audio_description"},
                {"XQuestionX", "prompt"},
                {"XAssistant1X", "reference"},
                {"XAssistant2X", "response"}};
  air.rule = JudgeRule::kPairScores;
  air.temperature = 1.0;
  air.max_tokens = 1024;
  air.hot_share = 0.5;
  air.hot_temperature = 2.0;
  all.push_back(air);
  // cal_score.py's "cir" run: the same prompt with the two answers swapped (position bias).
  JudgeProtocol swapped = air;
  swapped.name = "air-bench-chat-swapped";
  swapped.fields = {{"XAudioX", "audio_description"},
                    {"XQuestionX", "prompt"},
                    {"XAssistant1X", "response"},
                    {"XAssistant2X", "reference"}};
  all.push_back(swapped);
  // llm_judge.py: gpt-4o-2024-11-20, temperature 0.0, top_p 0.9 (max_tokens 1024 is recorded there
  // but not sent: the API's default applies; almkit sends 1024).
  JudgeProtocol sakura;
  sakura.name = "sakura";
  sakura.source = "ckyang1124/SAKURA evaluation/llm_judge.py + calculate_acc.py (a1fdb146f638fe4740c20a31ba6da868f2cb2313)";
  sakura.system = kSakuraSystem;
  sakura.prompt = kSakuraPrompt;
  sakura.fields = {{"[QUESTION]", "prompt"},
                   {"[MODEL_GENERATED_RESPONSE]", "response"},
                   {"[GROUND_TRUTH_ANSWER]", "reference"}};
  sakura.rule = JudgeRule::kCorrectIncorrect;
  sakura.temperature = 0.0;
  sakura.top_p = 0.9;
  sakura.max_tokens = 1024;
  all.push_back(sakura);
  // The release post names Claude 3.5 Sonnet as the evaluator and no sampling settings: greedy.
  JudgeProtocol bba;
  bba.name = "big-bench-audio";
  bba.source = "huggingface/blog big-bench-audio-release.md (110f24815a2143a19dee0d1b4a6f77073845c13c)";
  bba.prompt = kBigBenchAudioPrompt;
  bba.fields = {{"{question}", "prompt"},
                {"{official_answer}", "reference"},
                {"{candidate_answer}", "response"}};
  bba.rule = JudgeRule::kCorrectWord;
  bba.max_tokens = 8;
  all.push_back(bba);
  add_option_judge_protocols(all);
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
                              const std::string& reference, const std::string& response,
                              const std::string& audio_description,
                              const std::string& options) {
  std::string text = protocol.prompt;
  for (const auto& [placeholder, field] : protocol.fields) {
    replace_all(text, placeholder,
                field == "prompt"      ? prompt
                : field == "reference" ? reference
                : field == "response"  ? response
                : field == "options"   ? options
                                       : audio_description);
  }
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

namespace almkit::bench {

bool judge_reply_pair(const std::string& reply, int& reference_score, int& model_score) {
  std::string text;
  for (char c : python_strip(reply))
    if (c != '\n') text += c;
  const size_t space = text.find(' ');
  if (space == std::string::npos || text.find(' ', space + 1) != std::string::npos) return false;
  auto python_int = [](std::string piece, int& value) {
    piece = python_strip(piece);
    const size_t digits = (!piece.empty() && (piece[0] == '+' || piece[0] == '-')) ? 1 : 0;
    if (piece.size() == digits || piece.size() - digits > 9) return false;
    for (size_t i = digits; i < piece.size(); ++i)
      if (piece[i] < '0' || piece[i] > '9') return false;
    value = std::stoi(piece);
    return true;
  };
  return python_int(text.substr(0, space), reference_score) &&
         python_int(text.substr(space + 1), model_score);
}

std::string judge_reply_sakura(const std::string& reply, std::string* explanation) {
  const std::string kExplanation = "Explanation: ", kJudgement = "\nJudgement: ";
  const size_t start = reply.find(kExplanation);
  const size_t middle =
      start == std::string::npos ? start : reply.find(kJudgement, start + kExplanation.size());
  if (middle == std::string::npos) {
    if (explanation) *explanation = "No extracted explanation";
    return "No extracted judgement";
  }
  if (explanation)
    *explanation = reply.substr(start + kExplanation.size(), middle - start - kExplanation.size());
  // The lazy group ends at the first "\n\n", or at the end (Python's $ also before a final "\n").
  const size_t from = middle + kJudgement.size();
  size_t end = reply.find("\n\n", from);
  if (end == std::string::npos)
    end = !reply.empty() && reply.back() == '\n' && reply.size() - 1 >= from ? reply.size() - 1
                                                                             : reply.size();
  return reply.substr(from, end - from);
}

}  // namespace almkit::bench
