// What the perception suite's task families share: the request a task receives for one item, the
// stimulus it returns, and the table entry that names it. Each family file (melody, harmony,
// rhythm, psychoacoustic, spatial, speech) returns its table entries; perception_suite.cpp
// balances classes, difficulties and answer positions and writes the files.
#pragma once

#include <cmath>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "almkit/synth.h"
#include "audio/synth/random.h"

namespace almkit::synth {

enum Difficulty { kEasy = 0, kMedium = 1, kHard = 2 };
inline const char* difficulty_name(int difficulty) {
  return difficulty == kEasy ? "easy" : difficulty == kMedium ? "medium" : "hard";
}

// Peak level of every stimulus after normalisation (-3.1 dBFS): never clipped, always audible.
constexpr double kStimulusPeak = 0.7;

struct ItemRequest {
  int index = 0;           // within the task
  int answer_class = 0;    // in [0, num_classes), balanced over the task's items
  int difficulty = kEasy;  // balanced over the task's items; a task may override it
  int sample_rate = 16000;
  Rng* rng = nullptr;  // this item's own generator
  std::string espeak_command;
  std::string scratch_dir;  // for espeak-ng's temporary files
};

struct Stimulus {
  AudioBuffer audio;  // any level: the suite normalises the peak to kStimulusPeak
  std::string question;
  std::vector<std::string> choices;  // the correct one first; the suite shuffles and places it
  int difficulty = -1;               // -1 keeps the request's
  nlohmann::ordered_json metadata = nlohmann::ordered_json::object();
};

using TaskFunction = Stimulus (*)(const ItemRequest&);

struct TaskDefinition {
  PerceptionTaskInfo info;
  int num_classes = 2;
  TaskFunction make = nullptr;
};

std::vector<TaskDefinition> melody_tasks();
std::vector<TaskDefinition> harmony_tasks();
std::vector<TaskDefinition> rhythm_tasks();
std::vector<TaskDefinition> psychoacoustic_tasks();
std::vector<TaskDefinition> spatial_tasks();
std::vector<TaskDefinition> speech_tasks();
// Whether `command` names an executable (a path, or a name found on PATH).
bool espeak_available(const std::string& command);

// A mono buffer at `sample_rate`.
inline AudioBuffer mono_buffer(std::vector<float> samples, int sample_rate) {
  AudioBuffer audio;
  audio.sample_rate = sample_rate;
  audio.channels = 1;
  audio.samples = std::move(samples);
  return audio;
}

// Times in the metadata rounded to the microsecond (a sixteenth of a sample at 16 kHz), so the
// JSON reads 0.46 rather than 0.45999999999999996.
inline double round_seconds(double seconds) {
  return std::round(seconds * 1e6) / 1e6;
}

inline nlohmann::ordered_json notes_json(const std::vector<Note>& notes) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const Note& note : notes) {
    out.push_back({{"midi", note.midi_pitch},
                   {"start", round_seconds(note.start_seconds)},
                   {"duration", round_seconds(note.duration_seconds)},
                   {"gain", note.gain}});
  }
  return out;
}

// Four distinct positive counts including `answer`, for "how many" questions: the answer first.
inline std::vector<std::string> count_choices(int answer, Rng& rng) {
  std::vector<int> candidates;
  for (int value = answer - 3; value <= answer + 3; ++value) {
    if (value >= 1 && value != answer) candidates.push_back(value);
  }
  rng.shuffle(candidates);
  std::vector<std::string> choices{std::to_string(answer)};
  for (size_t i = 0; i < 3; ++i) choices.push_back(std::to_string(candidates[i]));
  return choices;
}

}  // namespace almkit::synth
