#include "bench/benchmarks/voicebench/ifeval_score.h"

#include <map>

#include "almkit/error.h"
#include "bench/benchmarks/voicebench/ifeval_text.h"
#include "bench/python_text.h"

namespace almkit::bench {
namespace {

using ojson = nlohmann::ordered_json;

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

std::string joined(const std::vector<std::string>& lines, size_t begin, size_t end) {
  std::string out;
  for (size_t i = begin; i < end; ++i) out += (i > begin ? "\n" : "") + lines[i];
  return out;
}

// test_instruction_following_loose's eight versions of a response, in its order.
std::vector<std::string> loose_versions(const std::string& response) {
  const auto r = python_str_split(response, "\n");
  const std::string remove_first = python_strip(joined(r, 1, r.size()));
  const std::string remove_last = python_strip(joined(r, 0, r.size() - 1));
  const std::string remove_both = python_strip(r.size() > 2 ? joined(r, 1, r.size() - 1) : "");
  return {response,
          replaced(response, "*", ""),
          remove_first,
          remove_last,
          remove_both,
          replaced(remove_first, "*", ""),
          replaced(remove_last, "*", ""),
          replaced(remove_both, "*", "")};
}

// read_prompt_to_response_dict's clean-up of a response.
std::string cleaned(std::string response) {
  if (response.rfind("<1>", 0) == 0 || response.rfind("<2>", 0) == 0 ||
      response.rfind("<3>", 0) == 0)
    response = python_strip(response.substr(3));
  if (response.size() >= 8 && response.compare(response.size() - 8, 8, "<|user|>") == 0)
    response = python_strip(response.substr(0, response.size() - 8));
  return response;
}

}  // namespace

std::vector<IfevalInstruction> parse_ifeval_fields(const nlohmann::json& ids,
                                                   const nlohmann::json& kwargs,
                                                   const std::string& where) {
  if (!ids.is_array())
    throw Error(ErrorCode::kInvalidFormat,
                where + ": an ifeval row needs 'instruction_id_list', a list of instruction ids");
  if (!kwargs.is_array())
    throw Error(ErrorCode::kInvalidFormat,
                where + ": an ifeval row needs 'kwargs', a list of objects (one per instruction)");
  if (kwargs.size() < ids.size())
    throw Error(ErrorCode::kInvalidFormat,
                where + ": 'kwargs' has " + std::to_string(kwargs.size()) + " entries for " +
                    std::to_string(ids.size()) + " instructions (IndexError in IFEval)");
  std::vector<IfevalInstruction> instructions;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (!ids[i].is_string())
      throw Error(ErrorCode::kInvalidFormat,
                  where + ": instruction_id_list[" + std::to_string(i) + "] is not a string");
    if (!kwargs[i].is_object())
      throw Error(ErrorCode::kInvalidFormat, where + ": kwargs[" + std::to_string(i) +
                                                 "] is not an object, got " + kwargs[i].dump());
    try {
      instructions.push_back(parse_ifeval_instruction(ids[i].get<std::string>(), kwargs[i]));
    } catch (const Error& e) {
      throw Error(e.code(), where + ": " + e.what());
    }
  }
  return instructions;
}

IfevalScores score_ifeval(const std::vector<IfevalRow>& rows, uint64_t seed) {
  std::map<std::string, size_t> answering_row;  // prompt -> the last row with it
  for (size_t i = 0; i < rows.size(); ++i) answering_row[rows[i].prompt] = i;
  IfevalScores out;
  int64_t prompts = 0, instructions = 0;
  int64_t strict_prompts = 0, strict_instructions = 0, loose_prompts = 0, loose_instructions = 0;
  for (const IfevalRow& row : rows) {
    const IfevalRow& answering = rows[answering_row.at(row.prompt)];
    const std::string response = cleaned(answering.response);
    const auto versions = loose_versions(response);
    ojson checks = ojson::array();
    ojson approximate = ojson::array();
    bool all_strict = true, all_loose = true;
    for (const IfevalInstruction& instruction : row.instructions) {
      const bool strict =
          !python_strip(response).empty() && ifeval_follows(instruction, response, seed);
      bool loose = false;
      for (const std::string& version : versions) {
        if (!python_strip(version).empty() && ifeval_follows(instruction, version, seed)) {
          loose = true;
          break;
        }
      }
      ojson check = {{"instruction", instruction.id}, {"strict", strict}, {"loose", loose}};
      if (ifeval_is_approximate(instruction.id)) {
        check["approximate"] = true;
        approximate.push_back(instruction.id);
      }
      checks.push_back(std::move(check));
      all_strict = all_strict && strict;
      all_loose = all_loose && loose;
      strict_instructions += strict;
      loose_instructions += loose;
    }
    ++prompts;
    instructions += int64_t(row.instructions.size());
    strict_prompts += all_strict;
    loose_prompts += all_loose;
    ojson item = {{"id", row.id},
                  {"subset", "ifeval"},
                  {"evaluator", "ifeval"},
                  {"key", row.key},
                  {"follow_all_strict", all_strict},
                  {"follow_all_loose", all_loose},
                  {"instructions", checks}};
    if (&answering != &row) item["response_of"] = answering.id;  // same prompt, later row
    if (!approximate.empty()) item["approximate"] = approximate;
    out.items.push_back(std::move(item));
  }
  if (instructions == 0)
    throw Error(ErrorCode::kInvalidArgument,
                "voicebench: the ifeval rows name no instruction (ZeroDivisionError in IFEval)");
  const double strict_prompt = double(strict_prompts) / double(prompts);
  const double strict_instruction = double(strict_instructions) / double(instructions);
  const double loose_prompt = double(loose_prompts) / double(prompts);
  const double loose_instruction = double(loose_instructions) / double(instructions);
  out.figures = {
      {"strict-prompt", strict_prompt},
      {"strict-instruction", strict_instruction},
      {"loose-prompt", loose_prompt},
      {"loose-instruction", loose_instruction},
      // np.mean of the four: numpy's reduction adds the first to the sum of the rest.
      {"final", (strict_prompt + ((strict_instruction + loose_prompt) + loose_instruction)) / 4.0}};
  return out;
}

}  // namespace almkit::bench
