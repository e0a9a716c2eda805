// MUSE: each official runner's parse_final_choice / parse_final_decision. The patterns are the
// runners' own (Gemini/*_runner.py); the answer is the canonical string whose pattern matched
// last (by match end), "" when none matched.
#include "almkit/bench_scoring.h"
#include "almkit/error.h"
#include "bench/datasets/muse_manifest.h"
#include "bench/regex.h"

namespace almkit::bench {
namespace {

struct MusePattern {
  int choice;           // index into the task's canonical answers
  const char* pattern;  // the runner's regex
};

struct MuseParser {
  const char* task;
  bool multiline;
  // Two-way runners return B when both patterns end at the same place
  // ("A if last_a.end() > last_b.end() else B"); the others keep the earlier label.
  bool ties_to_later;
  std::vector<MusePattern> patterns;
};

const std::vector<MuseParser>& parsers() {
  static const std::vector<MuseParser> kParsers = {
      {"instrument_identification",
       false,
       false,
       {{0, R"((?i)\bA\.\s*Piano\b)"},
        {1, R"((?i)\bB\.\s*Guitar\b)"},
        {2, R"((?i)\bC\.\s*Bass\b)"},
        {3, R"((?i)\bD\.\s*Drums\b)"}}},
      {"contour_identification",
       false,
       false,
       {{0, R"((?i)\bA\.\s*Arch\s*\(ascending\s+and\s+then\s+descending\))"},
        {1, R"((?i)\bB\.\s*Inverted\s+Arch\s*\(descending\s+and\s+then\s+ascending\))"},
        {2, R"((?i)\bC\.\s*Ascending\s*\(pitch\s+raises\s+over\s+time\))"},
        {3, R"((?i)\bD\.\s*Descending\s*\(pitch\s+falls\s+over\s+time\))"}}},
      {"oddballs",
       false,
       true,
       {{0, R"((?i)\byes,\s*these\s+are\s+the\s+same\s+exact\s+melody\.)"},
        {1, R"((?i)\bno,\s*these\s+are\s+not\s+the\s+same\s+exact\s+melody\.)"}}},
      {"rhythm_matching",
       false,
       true,
       {{0, R"((?i)\byes,\s*these\s+are\s+the\s+same\s+exact\s+drum\s+set\s+patterns\.)"},
        {1, R"((?i)\bno,\s*these\s+are\s+not\s+the\s+same\s+exact\s+drum\s+set\s+patterns\.)"}}},
      {"transposition",
       false,
       true,
       {{0, R"((?i)\byes,\s*these\s+are\s+the\s+same\s+melody\.)"},
        {1, R"((?i)\bno,\s*these\s+are\s+not\s+the\s+same\s+melody\.)"}}},
      {"chord_quality",
       false,
       true,
       {{0, R"((?i)\bA\.\s*Major\b)"}, {1, R"((?i)\bB\.\s*Minor\b)"}}},
      // Key modulation: the answer must be alone on its line; an alternative wording counts as B.
      {"key_modulation",
       true,
       false,
       {{0, R"((?im)^\s*A\.\s*Yes,\s*a\s*key\s*modulation\s*occurs\.?\s*$)"},
        {1, R"((?im)^\s*B\.\s*No,\s*the\s*key\s*stays\s*the\s*same\.?\s*$)"},
        {1,
         R"((?im)^\s*(?:B\.\s*)?No,?\s*(?:a\s*)?key\s*modulation\s*(?:does\s*not|doesn't)\s*occur\.?\s*$)"}}},
      {"chord_progression_matching",
       false,
       true,
       {{0, R"((?i)\b(?:a\.\s*)?yes,\s*these\s+are\s+the\s+same\s+chord\s+progression\.)"},
        {1, R"((?i)\b(?:b\.\s*)?no,\s*these\s+are\s+not\s+the\s+same\s+chord\s+progression\.)"}}},
      {"syncopation",
       false,
       true,
       {{0, R"((?i)\b(?:a\.\s*)?the\s+rhythm\s+in\s+excerpt\s*1\s+is\s+more\s+syncopated\.)"},
        {1, R"((?i)\b(?:b\.\s*)?the\s+rhythm\s+in\s+excerpt\s*2\s+is\s+more\s+syncopated\.)"}}},
      {"meter_identification",
       false,
       false,
       {{0, R"((?i)\bA\.\s*Groups\s+of\s+3\b)"},
        {1, R"((?i)\bB\.\s*Groups\s+of\s+4\b)"},
        {2, R"((?i)\bC\.\s*Groups\s+of\s+5\b)"}}},
  };
  return kParsers;
}

const MuseParser& parser_for(const std::string& task) {
  for (const auto& parser : parsers()) {
    if (task == parser.task) return parser;
  }
  std::string names;
  for (const auto& parser : parsers())
    names += std::string(names.empty() ? "" : ", ") + parser.task;
  throw Error(ErrorCode::kInvalidArgument,
              "unknown MUSE task '" + task + "' (expected " + names + ")");
}

}  // namespace

std::vector<std::string> muse_choices(const std::string& task) {
  parser_for(task);
  for (const auto& entry : muse_task_choices()) {
    if (task == entry.task) return entry.choices;
  }
  throw Error(ErrorCode::kInternal, "MUSE task '" + task + "' has no choices");
}

std::string muse_parse_final_answer(const std::string& task, const std::string& response) {
  const MuseParser& parser = parser_for(task);
  int best_choice = -1;
  size_t best_end = 0;
  for (const auto& entry : parser.patterns) {
    const Regex regex(entry.pattern, false, parser.multiline);
    const auto matches = regex.find_all(response);
    if (matches.empty()) continue;
    const size_t end = matches.back().end;
    const bool better =
        best_choice < 0 || end > best_end || (parser.ties_to_later && end == best_end);
    if (better) {
      best_choice = entry.choice;
      best_end = end;
    }
  }
  if (best_choice < 0) return "";
  return muse_choices(task).at(static_cast<size_t>(best_choice));
}

}  // namespace almkit::bench
