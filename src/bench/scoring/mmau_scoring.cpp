// MMAU / MMAR: the string-match rule and the figures of MMAU's evaluation.py.
#include <cstdio>
#include <map>

#include "almkit/bench_scoring.h"
#include "almkit/error.h"
#include "bench/datasets/record_file.h"
#include "bench/python_text.h"

namespace almkit::bench {

bool mmau_string_match(const std::string& answer, const std::string& prediction,
                       const std::vector<std::string>& choices) {
  const auto prediction_tokens = python_word_set(python_lower(prediction));
  const auto answer_tokens = python_word_set(python_lower(answer));
  if (prediction_tokens.empty()) return false;
  std::set<std::string> incorrect_tokens;
  for (const auto& choice : choices) {
    const auto choice_tokens = python_word_set(python_lower(choice));
    if (choice_tokens == answer_tokens) continue;
    for (const auto& token : choice_tokens) {
      if (!answer_tokens.count(token)) incorrect_tokens.insert(token);
    }
  }
  for (const auto& token : answer_tokens) {
    if (!prediction_tokens.count(token)) return false;
  }
  for (const auto& token : prediction_tokens) {
    if (incorrect_tokens.count(token)) return false;
  }
  return true;
}

std::vector<MmauRecord> read_mmau_predictions(const std::string& path,
                                              const MmauScoreOptions& options) {
  std::vector<std::string> keys;
  if (!options.prediction_key.empty()) {
    keys = {options.prediction_key};
  } else if (options.mmar) {
    keys = {"answer_prediction", "model_output", "model_prediction"};
  } else {
    keys = {"model_output", "model_prediction"};
  }
  std::vector<MmauRecord> records;
  for (const auto& source : read_any_records(path)) {
    MmauRecord record;
    record.id = record_string(source, "id", false);
    if (record.id.empty()) record.id = source.where;
    record.answer = record_string(source, "answer", true);
    record.choices = record_string_list(source, "choices", true);
    record.task = record_string(source, "task", !options.mmar);
    record.difficulty = record_string(source, "difficulty", !options.mmar);
    record.category = record_string(source, "category", false);
    record.modality = record_string(source, "modality", false);
    auto sub = source.value.find("sub-category");
    record.has_sub_category = sub != source.value.end() && !sub->is_null();
    if (record.has_sub_category) record.sub_category = record_string(source, "sub-category", false);
    for (const auto& key : keys) {
      auto it = source.value.find(key);
      if (it == source.value.end() || it->is_null()) continue;
      record.has_output = true;
      record.output = it->is_string() ? it->get<std::string>() : it->dump();
      break;
    }
    records.push_back(std::move(record));
  }
  return records;
}

namespace {

AccuracyCell& cell(std::vector<AccuracyCell>& cells, const std::string& name) {
  for (auto& c : cells) {
    if (c.name == name) return c;
  }
  cells.push_back(AccuracyCell{name, 0, 0});
  return cells.back();
}

AccuracyCell* fixed_cell(std::vector<AccuracyCell>& cells, const std::string& name) {
  for (auto& c : cells) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

void print_cells(std::string& out, const char* heading, const std::vector<AccuracyCell>& cells) {
  char line[512];
  out += std::string(30, '*') + "\n";
  out += heading;
  out += "\n";
  for (const auto& c : cells) {
    std::snprintf(line, sizeof(line), " : %.2f%% over %lld samples\n", c.percent(),
                  static_cast<long long>(c.total));
    out += c.name + line;
  }
}

}  // namespace

MmauReport score_mmau(const std::vector<MmauRecord>& records, const MmauScoreOptions& options) {
  MmauReport report;
  if (!options.mmar) {
    report.by_task = {{"sound", 0, 0}, {"music", 0, 0}, {"speech", 0, 0}};
    report.by_difficulty = {{"easy", 0, 0}, {"hard", 0, 0}, {"medium", 0, 0}};
  } else {
    // MMAR's evaluation.py: fixed dicts, printed in this order even when a row has 0 samples.
    for (const char* modality : {"sound", "music", "speech", "mix-sound-music", "mix-sound-speech",
                                 "mix-music-speech", "mix-sound-music-speech"}) {
      report.by_task.push_back({modality, 0, 0});
    }
    for (const char* layer :
         {"Signal Layer", "Perception Layer", "Semantic Layer", "Cultural Layer"}) {
      report.by_category.push_back({layer, 0, 0});
    }
  }
  report.total.name = "total";
  report.strict.name = "strict";
  for (const MmauRecord& record : records) {
    MmauItemResult result;
    result.id = record.id;
    ++report.strict.total;
    if (!record.has_output) {
      ++report.skipped;
      report.items.push_back(result);
      continue;
    }
    result.scored = true;
    result.prediction = record.output;
    result.correct = mmau_string_match(record.answer, record.output, record.choices);
    const int add = result.correct ? 1 : 0;
    std::vector<AccuracyCell*> targets;
    if (options.mmar) {
      const std::string modality = record.modality.empty() ? record.task : record.modality;
      AccuracyCell* modality_cell = fixed_cell(report.by_task, modality);
      AccuracyCell* category = fixed_cell(report.by_category, record.category);
      if (!modality_cell || !category) {
        // MMAR's evaluation.py raises KeyError here; say which item and value instead.
        throw Error(ErrorCode::kInvalidFormat,
                    "item '" + record.id + "': " +
                        (!modality_cell ? "modality '" + modality + "' is not one of MMAR's 7"
                                        : "category '" + record.category +
                                              "' is not one of MMAR's 4 layers"));
      }
      targets.push_back(modality_cell);
      targets.push_back(category);
    } else {
      AccuracyCell* task = fixed_cell(report.by_task, record.task);
      AccuracyCell* difficulty = fixed_cell(report.by_difficulty, record.difficulty);
      if (!task || !difficulty) {
        // evaluation.py raises KeyError here; say which item and value instead.
        throw Error(
            ErrorCode::kInvalidFormat,
            "item '" + record.id + "': " +
                (!task ? "task '" + record.task + "' is not sound, music or speech"
                       : "difficulty '" + record.difficulty + "' is not easy, medium or hard"));
      }
      targets.push_back(task);
      targets.push_back(difficulty);
    }
    if (record.has_sub_category)
      targets.push_back(&cell(report.by_sub_category, record.sub_category));
    for (AccuracyCell* target : targets) {
      target->correct += add;
      target->total += 1;
    }
    report.total.correct += add;
    report.total.total += 1;
    report.strict.correct += add;
    report.items.push_back(result);
  }
  if (report.total.total == 0) {
    throw Error(ErrorCode::kInvalidArgument,
                "no item has a model output (the official script divides by zero here); "
                "expected a field model_output or model_prediction" +
                    std::string(options.mmar ? " or answer_prediction" : ""));
  }
  std::string& out = report.official_printout;
  print_cells(out,
              options.mmar ? "Modality-wise Accuracy:" : "Task-wise Accuracy:", report.by_task);
  if (options.mmar) {
    print_cells(out, "Category-wise Accuracy:", report.by_category);
  } else {
    print_cells(out, "Difficulty-wise Accuracy:", report.by_difficulty);
  }
  print_cells(out, "Sub-category-wise Accuracy:", report.by_sub_category);
  char line[256];
  std::snprintf(line, sizeof(line), "Total Accuracy: %.2f%% over %lld samples\n",
                report.total.percent(), static_cast<long long>(report.total.total));
  out += std::string(30, '*') + "\n" + line + std::string(30, '*') + "\n";
  // evaluation.py skips items without output before it counts them, so it always prints 0.
  out += "No prediction count: 0\n";
  return report;
}

}  // namespace almkit::bench
