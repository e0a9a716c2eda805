// The perception suite: picks the tasks, shares the items out, balances answer classes,
// difficulties and answer positions within each task, and writes WAVs plus perception.json.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>

#include "almkit/error.h"
#include "audio/synth/suite_internal.h"

namespace almkit {
namespace {

using synth::Rng;
using synth::TaskDefinition;

const std::vector<TaskDefinition>& all_tasks() {
  static const std::vector<TaskDefinition> tasks = [] {
    std::vector<TaskDefinition> out;
    for (auto family : {synth::melody_tasks, synth::harmony_tasks, synth::rhythm_tasks,
                        synth::psychoacoustic_tasks, synth::spatial_tasks, synth::speech_tasks}) {
      for (TaskDefinition& task : family()) out.push_back(std::move(task));
    }
    return out;
  }();
  return tasks;
}

// `count` values cycling through 0..classes-1 from a random start, shuffled: each value appears
// floor or ceil of count / classes times, and which values get the extra one is random.
std::vector<int> balanced_sequence(int count, int classes, Rng& rng) {
  const int start = rng.integer(0, classes - 1);
  std::vector<int> values;
  for (int i = 0; i < count; ++i) values.push_back((start + i) % classes);
  rng.shuffle(values);
  return values;
}

std::vector<const TaskDefinition*> select_tasks(const std::vector<std::string>& names) {
  std::vector<const TaskDefinition*> selected;
  if (names.empty()) {
    for (const TaskDefinition& task : all_tasks()) selected.push_back(&task);
    return selected;
  }
  std::set<std::string> seen;
  for (const std::string& name : names) {
    if (!seen.insert(name).second) {
      throw Error(ErrorCode::kInvalidArgument,
                  "perception suite: task '" + name + "' is listed twice");
    }
    const TaskDefinition* found = nullptr;
    for (const TaskDefinition& task : all_tasks()) {
      if (task.info.name == name) found = &task;
    }
    if (!found) {
      std::string known;
      for (const TaskDefinition& task : all_tasks())
        known += (known.empty() ? "" : ", ") + task.info.name;
      throw Error(ErrorCode::kInvalidArgument,
                  "perception suite: unknown task '" + name + "' (known tasks: " + known + ")");
    }
    selected.push_back(found);
  }
  return selected;
}

void validate(const PerceptionSuiteOptions& options) {
  if (options.n <= 0) {
    throw Error(ErrorCode::kInvalidArgument,
                "perception suite: n must be at least 1, got " + std::to_string(options.n));
  }
  if (options.sample_rate < 8000 || options.sample_rate > 192000) {
    throw Error(ErrorCode::kInvalidArgument,
                "perception suite: sample rate must be within 8000..192000 Hz, got " +
                    std::to_string(options.sample_rate));
  }
  if (options.output_dir.empty()) {
    throw Error(ErrorCode::kInvalidArgument, "perception suite: no output folder given");
  }
}

void prepare_output(const std::string& output_dir) {
  namespace fs = std::filesystem;
  std::error_code error;
  fs::create_directories(fs::path(output_dir) / "audio", error);
  if (error) {
    throw Error(ErrorCode::kIo, "perception suite: cannot create output folder '" + output_dir +
                                    "/audio': " + error.message());
  }
  // Fail now, not after minutes of synthesis, if the folder cannot be written.
  const std::string probe = output_dir + "/.almkit-write-test";
  {
    std::ofstream out(probe, std::ios::binary | std::ios::trunc);
    if (!out) {
      throw Error(ErrorCode::kIo,
                  "perception suite: output folder '" + output_dir + "' is not writable");
    }
  }
  std::remove(probe.c_str());
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  if (!out) throw Error(ErrorCode::kIo, "perception suite: cannot write '" + path + "'");
}

PerceptionItem make_item(const TaskDefinition& task, int index, int answer_class, int difficulty,
                         int position, const PerceptionSuiteOptions& options) {
  char id[128];
  std::snprintf(id, sizeof id, "%s_%04d", task.info.name.c_str(), index);
  Rng rng(synth::derive_seed(options.seed, task.info.name, static_cast<uint64_t>(index)));
  synth::ItemRequest request;
  request.index = index;
  request.answer_class = answer_class;
  request.difficulty = difficulty;
  request.sample_rate = options.sample_rate;
  request.rng = &rng;
  request.espeak_command = options.espeak_command;
  request.scratch_dir = options.output_dir;
  synth::Stimulus stimulus = task.make(request);

  if (static_cast<int>(stimulus.choices.size()) != task.info.num_choices ||
      std::set<std::string>(stimulus.choices.begin(), stimulus.choices.end()).size() !=
          stimulus.choices.size()) {
    throw Error(ErrorCode::kInternal, std::string("perception suite: ") + id +
                                          " has duplicate choices or the wrong number of them");
  }
  normalize_peak(stimulus.audio, synth::kStimulusPeak);

  PerceptionItem item;
  item.id = id;
  item.audio_id = "./audio/" + item.id + ".wav";
  item.question = stimulus.question;
  item.answer = stimulus.choices[0];
  std::vector<std::string> distractors(stimulus.choices.begin() + 1, stimulus.choices.end());
  rng.shuffle(distractors);
  item.answer_index = position % static_cast<int>(stimulus.choices.size());
  item.choices = distractors;
  item.choices.insert(item.choices.begin() + item.answer_index, item.answer);
  item.task = task.info.domain;
  item.category = task.info.category;
  item.sub_category = task.info.sub_category;
  item.difficulty =
      synth::difficulty_name(stimulus.difficulty >= 0 ? stimulus.difficulty : difficulty);
  item.suite_task = task.info.name;
  item.channels = stimulus.audio.channels;
  item.duration_seconds = stimulus.audio.duration_seconds();
  nlohmann::ordered_json metadata = {
      {"sample_rate", options.sample_rate}, {"channels", item.channels}, {"seed", options.seed}};
  for (auto& [key, value] : stimulus.metadata.items()) metadata[key] = value;
  item.metadata_json = metadata.dump();
  write_wav(options.output_dir + "/audio/" + item.id + ".wav", stimulus.audio);
  return item;
}

}  // namespace

std::vector<PerceptionTaskInfo> perception_tasks() {
  std::vector<PerceptionTaskInfo> out;
  for (const TaskDefinition& task : all_tasks()) out.push_back(task.info);
  return out;
}

std::vector<std::string> perception_task_names() {
  std::vector<std::string> out;
  for (const TaskDefinition& task : all_tasks()) out.push_back(task.info.name);
  return out;
}

std::vector<PerceptionItem> generate_perception_suite(const PerceptionSuiteOptions& options) {
  validate(options);
  const std::vector<const TaskDefinition*> tasks = select_tasks(options.tasks);
  for (const TaskDefinition* task : tasks) {
    if (task->info.needs_espeak && !synth::espeak_available(options.espeak_command)) {
      throw Error(ErrorCode::kNotFound,
                  "perception suite: task '" + task->info.name + "' needs '" +
                      options.espeak_command +
                      "', which is not installed (scripts/setup.sh installs espeak-ng)");
    }
  }
  prepare_output(options.output_dir);

  // Share n out: the first n % T tasks get one more.
  const int task_count = static_cast<int>(tasks.size());
  struct Plan {
    std::vector<int> classes, difficulties, positions;
  };
  std::vector<Plan> plans(tasks.size());
  int most = 0;
  for (int t = 0; t < task_count; ++t) {
    const int count = options.n / task_count + (t < options.n % task_count ? 1 : 0);
    most = std::max(most, count);
    const std::string& name = tasks[t]->info.name;
    Rng rng(synth::derive_seed(options.seed, name + "/plan", static_cast<uint64_t>(count)));
    plans[t].classes = balanced_sequence(count, tasks[t]->num_classes, rng);
    plans[t].difficulties = balanced_sequence(count, 3, rng);
    plans[t].positions = balanced_sequence(count, tasks[t]->info.num_choices, rng);
  }

  std::vector<PerceptionItem> items;
  items.reserve(static_cast<size_t>(options.n));
  for (int round = 0; round < most; ++round) {  // round-robin: any prefix is balanced
    for (int t = 0; t < task_count; ++t) {
      if (round >= static_cast<int>(plans[t].classes.size())) continue;
      items.push_back(make_item(*tasks[t], round, plans[t].classes[round],
                                plans[t].difficulties[round], plans[t].positions[round], options));
      if (options.progress) {
        options.progress(static_cast<int>(items.size()), options.n, items.back().id);
      }
    }
  }
  write_text(options.output_dir + "/perception.json", perception_items_to_json(items));
  return items;
}

std::string perception_items_to_json(const std::vector<PerceptionItem>& items) {
  nlohmann::ordered_json array = nlohmann::ordered_json::array();
  for (const PerceptionItem& item : items) {
    nlohmann::ordered_json entry = {{"id", item.id},
                                    {"audio_id", item.audio_id},
                                    {"question", item.question},
                                    {"choices", item.choices},
                                    {"answer", item.answer},
                                    {"dataset", item.dataset},
                                    {"task", item.task},
                                    {"split", item.split},
                                    {"category", item.category},
                                    {"sub-category", item.sub_category},
                                    {"difficulty", item.difficulty},
                                    {"suite_task", item.suite_task}};
    entry["metadata"] = item.metadata_json.empty()
                            ? nlohmann::ordered_json::object()
                            : nlohmann::ordered_json::parse(item.metadata_json);
    array.push_back(std::move(entry));
  }
  return array.dump(2) + "\n";
}

}  // namespace almkit
