// MUSE's built-in manifest: the canonical answer strings of each task and its 200 trials.
#pragma once

#include <string>
#include <vector>

namespace almkit::bench {

struct MuseTaskChoices {
  const char* task;                  // MUSE's task name (instrument_identification, ...)
  std::vector<std::string> choices;  // canonical answer strings, in the runner's order
};

struct MuseTrial {
  const char* task;
  const char* group;   // GroupA or GroupB
  int index;           // 1-based position in the runner's stimulus list (before shuffling)
  const char* audio1;  // relative to a MUSE checkout
  const char* audio2;  // second excerpt of pair tasks, else ""
  int answer;          // index into the task's choices
};

const std::vector<MuseTaskChoices>& muse_task_choices();
const std::vector<MuseTrial>& muse_trials();

}  // namespace almkit::bench
