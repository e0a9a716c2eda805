// SAKURA (`--bench sakura`, ckyang1124/SAKURA a1fdb14): one track's metadata.json, every clip asked
// its single-hop and its multi-hop instruction verbatim (the options are inside the instruction).
// SAKURA's official score is its GPT-4o judge (`almkit judge --protocol sakura`, llm_judge.py's
// prompts) counted by calculate_acc.py (`almkit score --bench sakura` on a judgements file);
// almkit's own rule (one option named) gives the rule-based figure beside it. A complete run also
// writes each sub-track's responses in SAKURA's model-output layout (sakura-<Track>-<type>.json),
// the input of the official llm_judge.py.
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>

#include "almkit/error.h"
#include "bench/benchmarks/benchmark.h"
#include "bench/datasets/record_file.h"
#include "bench/python_text.h"
#include "bench/runner/report.h"
#include "bench/runner/run_record.h"
#include "io/json_file.h"

namespace almkit::bench {
namespace {

using ojson = nlohmann::ordered_json;
namespace fs = std::filesystem;

// "(a) dog (b) crow ..." at the end of an instruction: ["(a) dog", "(b) crow", ...].
std::vector<std::string> instruction_options(const std::string& instruction) {
  std::vector<size_t> starts;
  for (char letter = 'a'; letter <= 'z'; ++letter) {
    const std::string marker = std::string("(") + letter + ") ";
    const size_t from = starts.empty() ? 0 : starts.back() + 4;
    const size_t at = instruction.find(marker, from);
    if (at == std::string::npos) break;
    starts.push_back(at);
  }
  std::vector<std::string> options;
  for (size_t i = 0; i < starts.size(); ++i) {
    const size_t end = i + 1 < starts.size() ? starts[i + 1] : instruction.size();
    options.push_back(python_strip(instruction.substr(starts[i], end - starts[i])));
  }
  return options;
}

// The track: "data/<Track>/audio/x.wav" keys name it; else the metadata file's folder.
std::string track_of(const std::string& key, const std::string& data_path) {
  static const std::regex pattern(R"((?:^|/)data/([^/]+)/audio/)");
  std::smatch match;
  if (std::regex_search(key, match, pattern)) return match[1].str();
  return fs::absolute(data_path).parent_path().filename().string();
}

std::vector<BenchItem> load_sakura(const std::string& path, const LoadOptions& load) {
  const ojson metadata = read_ordered_json_file(path);
  if (!metadata.is_object())
    throw Error(ErrorCode::kInvalidFormat,
                path + ": expected SAKURA's metadata.json (an object keyed by audio path)");
  std::vector<BenchItem> items;
  for (const auto& [key, record] : metadata.items()) {
    const std::string where = path + ": \"" + key + "\"";
    for (const char* type : {"single", "multi"}) {
      auto field = [&](const std::string& name) {
        const auto it = record.find(std::string(type) + "_" + name);
        if (it == record.end() || !it->is_string())
          throw Error(ErrorCode::kInvalidFormat,
                      where + ": field '" + type + "_" + name + "' is missing or not a string");
        return it->get<std::string>();
      };
      BenchItem item;
      item.source = where;
      item.id = key + "#" + type;
      item.task = track_of(key, path);
      item.category = type;
      item.sub_category = record.value("attribute_label", "");
      item.question = field("instruction");
      item.answer = field("answer");
      item.choices = instruction_options(item.question);
      if (item.choices.size() < 2)
        throw Error(ErrorCode::kInvalidFormat,
                    where + ": no \"(a) ... (b) ...\" options in " + type + "_instruction");
      // metadata.csv's `file` is the clip's name in the track's audio/ folder.
      item.audio_paths.push_back(
          resolve_audio(load.audio_root, "audio/" + fs::path(key).filename().string()));
      item.metadata_json = ojson({{"key", key}}).dump();
      items.push_back(std::move(item));
    }
  }
  validate_items(items, true);
  return items;
}

// almkit's rule: the reply names exactly one option, by its "(x)" letter or else by its text
// (case-insensitive, as whole words); SAKURA's judge is the official decision.
int named_option(const std::vector<std::string>& choices, const std::string& response) {
  const std::string lowered = python_lower(response);
  int found = -1;
  for (int i = 0; i < int(choices.size()); ++i) {
    if (lowered.find(python_lower(choices[size_t(i)].substr(0, 3))) == std::string::npos) continue;
    if (found >= 0) return -1;
    found = i;
  }
  if (found >= 0) return found;
  const std::set<std::string> words = python_word_set(lowered);
  for (int i = 0; i < int(choices.size()); ++i) {
    const std::set<std::string> option =
        python_word_set(python_lower(choices[size_t(i)].substr(3)));
    bool all = !option.empty();
    for (const auto& word : option) all = all && words.count(word);
    if (!all) continue;
    if (found >= 0) return -1;
    found = i;
  }
  return found;
}

class SakuraBenchmark : public Benchmark {
 public:
  std::string name() const override { return "sakura"; }
  std::string description() const override {
    return "SAKURA track metadata.json (single and multi hop); judged by --protocol sakura";
  }
  std::vector<BenchItem> load_items(const EvalOptions& options,
                                    const LoadOptions& load) const override {
    return limited_items(load_sakura(options.data_path, load), options);
  }
  void check_options(const EvalOptions& options) const override {
    Benchmark::check_options(options);
    if (options.permutations > 1)
      throw Error(ErrorCode::kInvalidArgument,
                  "--bench sakura: the options are part of each instruction's text, so "
                  "--permutations must be 1");
  }
  PromptTemplate default_prompt(const std::string& mode) const override {
    if (mode == "loglik") return Benchmark::default_prompt(mode);
    return {"sakura-generate", "{question}"};
  }
  ParsedAnswer parse_answer(const EvalOptions&, const BenchItem&,
                            const std::vector<std::string>& shown_choices, int answer_position,
                            const std::string& response) const override {
    ParsedAnswer out;
    out.chosen_position = named_option(shown_choices, response);
    if (out.chosen_position >= 0) out.parsed = shown_choices[size_t(out.chosen_position)];
    out.correct = out.chosen_position >= 0 && out.chosen_position == answer_position;
    return out;
  }
  void write_outputs(const std::string& out_dir, const ojson& run,
                     const std::vector<ojson>& records, ojson& summary) const override {
    EvalOptions options;
    options.bench = name();
    options.data_path = run.value("data_path", "");
    LoadOptions load;
    load.audio_root = run.value("audio_root", "");
    std::map<std::string, std::string> instructions;
    for (const auto& item : load_sakura(options.data_path, load))
      instructions[item.id] = item.question;
    std::map<std::string, ojson> files;  // "<Track>-<type>" -> SAKURA's model-output layout
    for (const ojson& record : records) {
      if (record.contains("error") || record.value("variant", "") == "silence" ||
          record.value("presentation", 0) != 0 || record.value("repeat", 0) != 0)
        continue;
      const std::string id = record["id"], type = record["category"], track = record["task"];
      ojson& file = files[track + "-" + type];
      if (file.empty())
        file = {{"attribute", python_lower(track)}, {"type", type}, {"results", ojson::object()}};
      file["results"][id.substr(0, id.rfind('#'))] = {{"instruction", instructions[id]},
                                                      {"response", record.value("response", "")},
                                                      {"label", record["answer"]}};
    }
    ojson written = ojson::array();
    for (const auto& [stem, file] : files) {
      write_text_file(out_dir + "/sakura-" + stem + ".json", file.dump(4) + "\n");
      written.push_back("sakura-" + stem + ".json");
    }
    summary["official"]["sakura"] = {
        {"files", written},
        {"note", "SAKURA's score is its judge: almkit judge RUNDIR --protocol sakura"}};
  }
  std::string report_markdown(const ojson& summary) const override {
    if (!summary["official"].contains("sakura")) return "";
    return "## SAKURA\n\nResponses in SAKURA's layout: " +
           summary["official"]["sakura"]["files"].dump() +
           ". The official score is the judge's (`almkit judge RUNDIR --protocol sakura`).\n\n";
  }
  // A <model>_judgements.json of llm_judge.py: calculate_acc.py's counts.
  bool score_file(const std::string& input_path, uint64_t, ojson& summary,
                  std::vector<ojson>& items) const override {
    const ojson data = read_ordered_json_file(input_path);
    if (!data.is_object() || !data.contains("results") || !data["results"].is_object())
      throw Error(ErrorCode::kInvalidFormat,
                  input_path + ": expected llm_judge.py's judgements (an object with `results`)");
    int64_t correct = 0, incorrect = 0, total = 0;
    ojson invalid = ojson::array();
    for (const auto& [key, result] : data["results"].items()) {
      if (!result.contains("Judgement") || !result["Judgement"].is_string())
        throw Error(ErrorCode::kInvalidFormat,
                    input_path + ": \"" + key + "\" has no string `Judgement`");
      const std::string judgement = python_strip(python_lower(result["Judgement"]));
      const bool is_correct = judgement == "correct", is_incorrect = judgement == "incorrect";
      correct += is_correct;
      incorrect += is_incorrect;
      if (!is_correct && !is_incorrect) invalid.push_back(key);
      ++total;
      items.push_back({{"key", key},
                       {"judgement", result["Judgement"]},
                       {"correct", is_correct},
                       {"valid", is_correct || is_incorrect}});
    }
    if (total == 0) throw Error(ErrorCode::kInvalidFormat, input_path + ": no results");
    char accuracy[32];
    std::snprintf(accuracy, sizeof(accuracy), "%.2f%%", 100.0 * double(correct) / double(total));
    summary = {{"benchmark", "sakura"},
               {"correct", correct},
               {"incorrect", incorrect},
               {"total", total},
               {"accuracy", double(correct) / double(total)},
               {"printed_accuracy", accuracy},
               {"invalid_judgements", invalid}};
    return true;
  }
};

}  // namespace

std::unique_ptr<Benchmark> make_sakura_benchmark() {
  return std::make_unique<SakuraBenchmark>();
}

}  // namespace almkit::bench
