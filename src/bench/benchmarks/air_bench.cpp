// AIR-Bench (`--bench air-bench`, OFA-Sys/AIR-Bench 9832476): the foundation set's single-choice
// questions (Foundation_meta.json) asked with Inference_Foundation.py's prompt and scored by
// score_foundation.py's rule, and the chat set's open questions (Chat_meta.json) asked as
// Inference_Chat.py asks them, judged by `almkit judge --protocol air-bench-chat` and scored by
// cal_score.py's rule. `almkit score --bench air-bench` replays both scripts on their files.
#include <algorithm>
#include <map>

#include "almkit/error.h"
#include "bench/benchmarks/benchmark.h"
#include "bench/benchmarks/letter_rule.h"
#include "bench/datasets/record_file.h"
#include "bench/python_text.h"
#include "bench/runner/report.h"
#include "io/chat_template/value.h"

namespace almkit::bench {
namespace {

using ojson = nlohmann::ordered_json;

// Inference_Foundation.py: its instruction, the question, then "A. .." to "D. .." (a missing
// choice prints as None there: `{choices_lettered_abcd}`).
const char* kFoundationPrompt =
    "Choose the most suitable answer from options A, B, C, and D to respond the question in next "
    "line, you may only choose A or B or C or D.\n{question}\n{choices_lettered_abcd}";

// One foundation answer: task id (task_name + '_' + dataset_name), the gold letter, the reply.
struct FoundationAnswer {
  std::string task_id, gold, response;
};

// score_foundation.py's figures and printout.
ojson foundation_figures(const std::vector<FoundationAnswer>& answers) {
  std::vector<std::string> order;
  std::map<std::string, std::pair<int64_t, int64_t>> counts;  // total, correct
  int64_t fails = 0, total = 0;
  for (const auto& answer : answers) {
    const std::string letter = first_or_penultimate_letter(answer.response);
    if (std::find(order.begin(), order.end(), answer.task_id) == order.end())
      order.push_back(answer.task_id);
    if (letter.empty()) {
      ++fails;
      continue;
    }
    auto& [sum, correct] = counts[answer.task_id];
    ++sum;
    correct += letter == answer.gold;
  }
  ojson tasks = ojson::array();
  std::string printout;
  for (const std::string& task_id : order) {
    const auto found = counts.find(task_id);
    if (found == counts.end()) continue;  // no parsed reply: the script raises KeyError here
    const auto [sum, correct] = found->second;
    const double acc = double(correct) / double(sum);
    total += sum;
    tasks.push_back({{"task_id", task_id}, {"sum", sum}, {"correct", correct}, {"acc", acc}});
    printout += task_id + ": Sum=" + std::to_string(sum) + ", correct=" + std::to_string(correct) +
                ", acc=" + jinja::format_float(acc) + "\n";
  }
  printout += "total_sum: " + std::to_string(total) + "\nfail_num: " + std::to_string(fails) + "\n";
  return {{"tasks", tasks}, {"total_sum", total}, {"fail_num", fails}, {"printout", printout}};
}

// Python's int() on one piece of cal_score.py's split(' ').
bool python_int(const std::string& text, int64_t& value) {
  const std::string s = python_strip(text);
  size_t i = (!s.empty() && (s[0] == '+' || s[0] == '-')) ? 1 : 0;
  if (i == s.size()) return false;
  for (size_t j = i; j < s.size(); ++j)
    if (s[j] < '0' || s[j] > '9' || j - i > 17) return false;
  value = std::stoll(s);
  return true;
}

// cal_score.py over judged chat answers (`gpt-score`: "<reference's score> <model's score>").
ojson chat_figures(const std::vector<std::pair<std::string, std::string>>& judged, bool swapped) {
  static const std::vector<std::string> kGroups = {"speech", "sound", "music", "speech_and_sound",
                                                   "speech_and_music"};
  auto group_of = [](const std::string& task) -> std::string {
    if (task == "speech_QA" || task == "speech_dialogue_QA") return "speech";
    if (task == "music_QA" || task == "music_generation_analysis_QA") return "music";
    if (task == "sound_QA" || task == "sound_generation_QA") return "sound";
    if (task == "speech_and_sound_QA") return "speech_and_sound";
    if (task == "speech_and_music_QA") return "speech_and_music";
    throw Error(ErrorCode::kInvalidFormat, "air-bench chat: unknown task_name '" + task + "'");
  };
  struct Group {
    int64_t total = 0, wins = 0, reference_sum = 0, model_sum = 0;
  };
  std::map<std::string, Group> groups;
  int64_t fails = 0, total_sum = 0;
  for (const auto& [task, reply] : judged) {
    Group& group = groups[group_of(task)];
    std::string text;
    for (char c : python_strip(reply))
      if (c != '\n') text += c;
    std::vector<std::string> pieces;
    for (size_t at = 0;;) {
      const size_t space = text.find(' ', at);
      pieces.push_back(text.substr(at, space - at));
      if (space == std::string::npos) break;
      at = space + 1;
    }
    if (pieces.size() != 2) {
      ++fails;
      continue;
    }
    ++total_sum;  // counted before the int() that may fail, as the script does
    int64_t reference = 0, model = 0;
    if (!python_int(pieces[0], reference) || !python_int(pieces[1], model)) {
      ++fails;
      continue;
    }
    if (reference > 10 || model > 10)
      throw Error(ErrorCode::kInvalidFormat,
                  "air-bench chat: a judge score above 10 ('" + reply + "'): cal_score.py exits");
    ++group.total;
    group.reference_sum += reference;
    group.model_sum += model;
    group.wins += swapped ? reference > model : model > reference;
  }
  ojson out = ojson::object();
  std::string printout;
  for (const auto& name : kGroups) {
    const Group& g = groups[name];
    if (g.total == 0) continue;  // the script divides by zero here
    const double n = double(g.total);
    out[name] = {{"sum", g.total},
                 {"win_rate", double(g.wins) / n},
                 {"gpt4_avg_score", double(g.reference_sum) / n},
                 {"llm_avg_score", double(g.model_sum) / n}};
    printout += name + ": Sum=" + std::to_string(g.total) +
                ", Win_Rate=" + jinja::format_float(double(g.wins) / n) +
                ", gpt4_avg_score=" + jinja::format_float(double(g.reference_sum) / n) +
                ", llm_avg_score=" + jinja::format_float(double(g.model_sum) / n) + "\n";
  }
  const double percentage = total_sum + fails ? double(total_sum) / double(total_sum + fails) : 0.0;
  printout += "fail_num: " + std::to_string(fails) + ", success_num: " + std::to_string(total_sum) +
              ", percentage: " + jinja::format_float(percentage) + "\n";
  return {{"groups", out},
          {"fail_num", fails},
          {"success_num", total_sum},
          {"percentage", percentage},
          {"printout", printout}};
}

// The row's choices: choice_a .. choice_d without the missing ones (null in two-choice rows).
std::vector<std::string> record_choices(const SourceRecord& record) {
  std::vector<std::string> choices;
  for (auto& choice : abcd_choice_fields(record))
    if (!choice.empty()) choices.push_back(std::move(choice));
  return choices;
}

std::vector<BenchItem> load_air_bench(const std::string& path, const LoadOptions& load) {
  std::vector<BenchItem> items;
  for (const auto& record : read_any_records(path)) {
    BenchItem item;
    item.source = record.where;
    item.id = record_string(record, "uniq_id", true);
    item.task = record_string(record, "task_name", true);
    item.sub_category = record_string(record, "dataset_name", true);
    item.question = record_string(record, "question", true);
    item.answer = record_string(record, "answer_gt", true);
    item.choices = record_choices(record);
    // Inference_*.py: <root>/<task_name>_<dataset_name>/<path>; Audio_Grounding's are .flac.
    std::string clip = record_string(record, "path", true);
    if (item.task == "Audio_Grounding" && clip.size() >= 3)
      clip = clip.substr(0, clip.size() - 3) + "flac";
    item.audio_paths.push_back(
        resolve_audio(load.audio_root, item.task + "_" + item.sub_category + "/" + clip));
    item.metadata_json = remaining_metadata(
        record.value, {"uniq_id", "task_name", "dataset_name", "question", "answer_gt", "path",
                       "choice_a", "choice_b", "choice_c", "choice_d"});
    items.push_back(std::move(item));
  }
  validate_items(items, true);
  return items;
}

class AirBenchBenchmark : public Benchmark {
 public:
  explicit AirBenchBenchmark(bool chat) : chat_(chat) {}
  std::string name() const override { return chat_ ? "air-bench-chat" : "air-bench"; }
  std::string description() const override {
    return chat_ ? "AIR-Bench Chat_meta.json: open questions for `almkit judge`"
                 : "AIR-Bench Foundation_meta.json, score_foundation.py's rule and printout";
  }
  std::vector<BenchItem> load_items(const EvalOptions& options,
                                    const LoadOptions& load) const override {
    auto items = load_air_bench(options.data_path, load);
    for (const auto& item : items) {
      if (item.choices.empty() != chat_)
        throw Error(
            ErrorCode::kInvalidFormat,
            item.source + (chat_ ? ": a foundation record (choice_a..): use --bench air-bench"
                                 : ": a chat record (no choice_a): use --bench "
                                   "air-bench-chat"));
    }
    return limited_items(std::move(items), options);
  }
  // Inference_Chat.py asks the question alone.
  PromptTemplate default_prompt(const std::string& mode) const override {
    if (chat_) return {"air-bench-chat-generate", "{question}"};
    if (mode == "loglik") return Benchmark::default_prompt(mode);
    return {"air-bench-generate", kFoundationPrompt};
  }
  ParsedAnswer parse_answer(const EvalOptions& options, const BenchItem& item,
                            const std::vector<std::string>& shown_choices, int answer_position,
                            const std::string& response) const override {
    if (shown_choices.empty())
      return Benchmark::parse_answer(options, item, shown_choices, answer_position, response);
    return parse_by_letter_rule(shown_choices, answer_position, response);
  }
  void summarize(const ojson&, const SummaryRecords& records, ojson& summary) const override {
    if (records.first_audio.empty()) return;
    std::vector<FoundationAnswer> answers;
    for (const ojson* record : records.first_audio) {
      const int gold = (*record)["answer_position"].get<int>();
      answers.push_back({record->value("task", "") + "_" + record->value("sub_category", ""),
                         std::string(1, char('A' + gold)), record->value("response", "")});
    }
    summary["official"]["air_bench_foundation"] = foundation_figures(answers);
  }
  std::string report_markdown(const ojson& summary) const override {
    if (!summary["official"].contains("air_bench_foundation")) return "";
    return "## AIR-Bench foundation (score_foundation.py's printout)\n\n```\n" +
           summary["official"]["air_bench_foundation"]["printout"].get<std::string>() + "```\n\n";
  }
  std::string report_html(const ojson& summary) const override {
    if (!summary["official"].contains("air_bench_foundation")) return "";
    return "<h2>AIR-Bench foundation</h2><pre>" +
           html_escape(summary["official"]["air_bench_foundation"]["printout"]) + "</pre>";
  }
  // Foundation_result_modelx.jsonl (score_foundation.py), or a judged chat file with `gpt-score`
  // (cal_score.py; a file name containing "cir" is its swapped-order run, as the script reads it).
  bool score_file(const std::string& input_path, uint64_t, ojson& summary,
                  std::vector<ojson>& items) const override {
    const auto records = read_any_records(input_path);
    if (!records.empty() && records.front().value.contains("gpt-score")) {
      std::vector<std::pair<std::string, std::string>> judged;
      for (const auto& record : records)
        judged.emplace_back(record_string(record, "task_name", true),
                            record_string(record, "gpt-score", true));
      const bool swapped = input_path.find("cir") != std::string::npos;
      summary = {{"benchmark", "air-bench"}, {"part", "chat"}, {"swapped", swapped}};
      summary["figures"] = chat_figures(judged, swapped);
      return true;
    }
    std::vector<FoundationAnswer> answers;
    for (const auto& record : records) {
      const std::string task = record_string(record, "task_name", false);
      if (task.empty()) continue;  // "1.task_name is None"
      const auto choices = record_choices(record);
      const std::string gold_text = record_string(record, "answer_gt", true);
      const auto at = std::find(choices.begin(), choices.end(), gold_text);
      if (at == choices.end())
        throw Error(ErrorCode::kInvalidFormat,
                    record.where + ": answer_gt is none of the choices (the script exits)");
      FoundationAnswer answer{task + "_" + record_string(record, "dataset_name", true),
                              std::string(1, char('A' + (at - choices.begin()))),
                              record_string(record, "response", false)};
      const std::string letter = first_or_penultimate_letter(answer.response);
      items.push_back({{"uniq_id", record_string(record, "uniq_id", false)},
                       {"task_id", answer.task_id},
                       {"letter", letter.empty() ? ojson(nullptr) : ojson(letter)},
                       {"gold", answer.gold},
                       {"correct", !letter.empty() && letter == answer.gold}});
      answers.push_back(std::move(answer));
    }
    summary = {{"benchmark", "air-bench"}, {"part", "foundation"}};
    summary["figures"] = foundation_figures(answers);
    return true;
  }

 private:
  bool chat_;
};

}  // namespace

std::unique_ptr<Benchmark> make_air_bench_benchmark() {
  return std::make_unique<AirBenchBenchmark>(false);
}
std::unique_ptr<Benchmark> make_air_bench_chat_benchmark() {
  return std::make_unique<AirBenchBenchmark>(true);
}

}  // namespace almkit::bench
