#include "bench/runner/summary.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "almkit/bench_scoring.h"
#include "bench/benchmarks/benchmark.h"
#include "bench/runner/baselines.h"
#include "bench/runner/repeats.h"

namespace almkit::bench {
namespace {

using ojson = nlohmann::ordered_json;

// Accuracy cells grouped by a record field, in first-seen order.
ojson grouped(const std::vector<const ojson*>& records, const char* field) {
  std::vector<std::string> order;
  std::map<std::string, std::pair<int64_t, int64_t>> counts;
  for (const ojson* record : records) {
    const std::string name = record->value(field, "");
    if (name.empty()) continue;
    if (!counts.count(name)) order.push_back(name);
    auto& cell = counts[name];
    cell.first += record->value("correct", false);
    ++cell.second;
  }
  ojson out = ojson::array();
  for (const auto& name : order)
    out.push_back(accuracy_cell_json(name, counts[name].first, counts[name].second));
  return out;
}

bool same_scores(const ojson& a, const ojson& b) {
  if (!a.contains("scores") || !b.contains("scores") || a["scores"].size() != b["scores"].size())
    return false;
  for (size_t j = 0; j < a["scores"].size(); ++j) {
    if (std::fabs(a["scores"][j]["mean_logprob"].get<double>() -
                  b["scores"][j]["mean_logprob"].get<double>()) > 1e-4) {
      return false;
    }
  }
  return true;
}

std::string percent(double fraction) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.0f%%", fraction * 100.0);
  return text;
}

}  // namespace

ojson build_summary(const ojson& run, const std::vector<ojson>& records, int64_t missing_units) {
  const std::string bench = run.value("bench", "");
  const std::string mode = run.value("mode", "generate");
  std::vector<const ojson*> first_audio, silent, all_audio, failures, open_items;
  for (const auto& record : records) {
    if (record.contains("error")) {
      failures.push_back(&record);
      continue;
    }
    if (record.value("repeat", 0) > 0) continue;  // --repeats: in `repeats` below
    const bool is_silent = record.value("variant", "audio") == "silence";
    if (is_silent) {
      silent.push_back(&record);
      continue;
    }
    if (record["choices"].empty()) {
      open_items.push_back(&record);
      continue;
    }
    all_audio.push_back(&record);
    if (record.value("presentation", 0) == 0) first_audio.push_back(&record);
  }
  ojson summary;
  summary["benchmark"] = bench;
  summary["mode"] = mode;
  summary["model"] = run.value("model_dir", "");
  summary["random_weights"] = run.contains("model_note") && !run["model_note"].is_null();
  summary["complete"] = missing_units == 0 && failures.empty();
  summary["missing_units"] = missing_units;
  int64_t correct = 0, parsed = 0;
  for (const ojson* record : first_audio) {
    correct += record->value("correct", false);
    parsed += (*record)["chosen_position"].get<int>() >= 0;
  }
  const auto items = static_cast<int64_t>(first_audio.size());
  summary["items"] = items;
  summary["accuracy"] = accuracy_cell_json("accuracy", correct, items);
  summary["parsed_rate"] = items ? double(parsed) / double(items) : 0.0;
  summary["by_task"] = grouped(first_audio, "task");
  summary["by_category"] = grouped(first_audio, "category");
  summary["by_sub_category"] = grouped(first_audio, "sub_category");
  summary["by_difficulty"] = grouped(first_audio, "difficulty");

  // Robustness over presentations (with one presentation: the position histogram alone).
  std::vector<PresentationAnswer> answers;
  std::vector<int64_t> gold_positions;
  for (const ojson* record : all_audio) {
    PresentationAnswer answer;
    answer.item_id = (*record)["id"].get<std::string>();
    answer.presentation = (*record)["presentation"].get<int>();
    answer.chosen_position = (*record)["chosen_position"].get<int>();
    answer.chosen_choice = (*record)["chosen_choice"].get<int>();
    answer.correct = record->value("correct", false);
    answers.push_back(answer);
    const auto gold = static_cast<size_t>((*record)["answer_position"].get<int>());
    if (gold_positions.size() <= gold) gold_positions.resize(gold + 1, 0);
    ++gold_positions[gold];
  }
  const RobustnessReport robustness = robustness_metrics(answers);
  ojson robust;
  robust["presentations"] = run.value("permutations", 1);
  ojson per_presentation = ojson::array();
  for (const auto& cell : robustness.accuracy_per_presentation) {
    per_presentation.push_back(accuracy_cell_json(cell.name, cell.correct, cell.total));
  }
  robust["accuracy_per_presentation"] = per_presentation;
  robust["correctness_rate"] = robustness.correctness_rate;
  robust["consistency_rate"] = robustness.consistency_rate;
  robust["all_correct_rate"] = robustness.all_correct_rate;
  robust["position_histogram"] = robustness.position_histogram;
  robust["gold_position_histogram"] = gold_positions;
  robust["unparsed"] = robustness.unparsed;
  summary["robustness"] = robust;

  summary["baselines"] = compute_baselines(first_audio, silent, run.value("seed", uint64_t{0}));

  // Does the audio matter? Compare each item's answer with and without it.
  std::map<std::string, const ojson*> silent_by_id;
  for (const ojson* record : silent) silent_by_id[(*record)["id"].get<std::string>()] = record;
  int64_t compared = 0, identical = 0, same_choice = 0;
  for (const ojson* record : first_audio) {
    const auto found = silent_by_id.find((*record)["id"].get<std::string>());
    if (found == silent_by_id.end()) continue;
    ++compared;
    const ojson& quiet = *found->second;
    identical +=
        mode == "loglik" ? same_scores(*record, quiet) : (*record)["response"] == quiet["response"];
    same_choice += (*record)["chosen_position"] == quiet["chosen_position"];
  }
  std::map<std::string, int64_t> response_counts;
  int64_t most_common = 0;
  for (const ojson* record : first_audio) {
    most_common =
        std::max(most_common, ++response_counts[(*record)["response"].get<std::string>()]);
  }
  ojson sensitivity;
  sensitivity["compared_items"] = compared;
  sensitivity["identical_with_silence"] = compared ? double(identical) / double(compared) : 0.0;
  sensitivity["same_choice_with_silence"] = compared ? double(same_choice) / double(compared) : 0.0;
  sensitivity["most_common_response_share"] = items ? double(most_common) / double(items) : 0.0;
  summary["audio_sensitivity"] = sensitivity;

  ojson warnings = ojson::array();
  if (items > 0 && parsed == 0) {
    warnings.push_back(
        "no response could be parsed into an answer: check the prompt template and "
        "the model's output (results.jsonl)");
  } else if (items > 0 && double(parsed) / double(items) < 0.5) {
    warnings.push_back("only " + percent(double(parsed) / double(items)) +
                       " of the responses could be parsed into an answer");
  }
  if (compared >= 5 && double(identical) / double(compared) >= 0.9) {
    warnings.push_back(percent(double(identical) / double(compared)) +
                       " of the answers are identical when the audio is replaced by silence: the "
                       "model may not be receiving its audio");
  } else if (compared >= 5 && double(same_choice) / double(compared) >= 0.9) {
    warnings.push_back(percent(double(same_choice) / double(compared)) +
                       " of the items get the same answer when the audio is replaced by silence: "
                       "the answers barely depend on the audio");
  }
  if (mode == "generate" && items >= 10 && double(most_common) / double(items) >= 0.5) {
    warnings.push_back(percent(double(most_common) / double(items)) +
                       " of the items got the very same response whatever the audio");
  }
  int64_t unavailable = 0;  // a remote backend's servers never answered: not scored at all
  for (const ojson* record : failures)
    unavailable += record->value("error_kind", "") == "unavailable";
  if (failures.size() > size_t(unavailable)) {
    warnings.push_back(std::to_string(failures.size() - size_t(unavailable)) +
                       " model calls failed (counted wrong where they were items; see failures)");
  }
  if (unavailable > 0) {
    warnings.push_back(std::to_string(unavailable) +
                       " model calls got no answer from the servers (not scored; run again to "
                       "retry them; see failures)");
  }
  if (missing_units > 0) {
    warnings.push_back(std::to_string(missing_units) +
                       " planned model calls have no result (an unfinished shard?)");
  }
  summary["warnings"] = warnings;
  ojson failure_list = ojson::array();
  for (const ojson* record : failures) {
    failure_list.push_back({{"id", (*record)["id"]},
                            {"presentation", (*record)["presentation"]},
                            {"variant", (*record)["variant"]},
                            {"error", (*record)["error"]},
                            {"kind", record->value("error_kind", "refused")}});
  }
  summary["failures"] = failure_list;
  summary["unavailable"] = unavailable;
  // A failed real-audio call is a wrong answer in the strict figure.
  int64_t failed_items = 0;
  for (const ojson* record : failures) {
    failed_items += record->value("variant", "audio") == "audio" &&
                    record->value("presentation", 0) == 0 &&
                    record->value("error_kind", "") != "unavailable";
  }
  summary["strict_accuracy"] = accuracy_cell_json("strict accuracy", correct, items + failed_items);

  summary["official"] = ojson::object();  // the benchmark's summarize() fills it
  if (!open_items.empty()) {
    std::vector<std::string> references, hypotheses;
    int64_t exact = 0;
    for (const ojson* record : open_items) {
      references.push_back(normalize_transcript((*record)["answer"].get<std::string>()));
      hypotheses.push_back(normalize_transcript((*record)["response"].get<std::string>()));
      exact += record->value("correct", false);
    }
    summary["open_items"] = {
        {"items", open_items.size()},
        {"exact_match", accuracy_cell_json("exact match", exact, int64_t(open_items.size()))},
        {"wer", word_error_rate(references, hypotheses).rate()},
        {"cer", character_error_rate(references, hypotheses).rate()}};
  }
  double latency = 0.0;
  int64_t new_tokens = 0;
  for (const auto& record : records) {
    latency += record.value("latency_s", 0.0);
    new_tokens += record.value("new_tokens", int64_t{0});
  }
  summary["model_seconds"] = latency;
  summary["new_tokens"] = new_tokens;
  summary["model_calls"] = records.size();
  if (run.value("repeats", 1) > 1) summary["repeats"] = repeats_summary(records, run["repeats"]);
  // The benchmark's own figures: official printouts, open-answer metrics, protocol figures.
  SummaryRecords split{first_audio, all_audio, open_items, &records};
  find_benchmark(bench).summarize(run, split, summary);
  return summary;
}

}  // namespace almkit::bench
