// The perception suite the tests share: generated once per test binary (12 items per task,
// seed 11), and helpers to load an item's audio and metadata.
#pragma once

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "almkit/synth.h"
#include "audio/synth/signal_measure.h"
#include "test_support.h"

namespace almkit::test {

using nlohmann::json;
inline constexpr int kItemsPerTask = 12;

struct Suite {
  std::string dir;
  std::vector<PerceptionItem> items;
  json file;
};

// One suite for the whole binary (12 items per task, seed 11), written once.
inline const Suite& suite() {
  static const Suite generated = [] {
    Suite s;
    s.dir = "/tmp/almkit-test-perception-" + std::to_string(::getpid());
    std::filesystem::remove_all(s.dir);
    PerceptionSuiteOptions options;
    options.n = kItemsPerTask * static_cast<int>(perception_task_names().size());
    options.seed = 11;
    options.output_dir = s.dir;
    s.items = generate_perception_suite(options);
    s.file = json::parse(read_file(s.dir + "/perception.json"));
    return s;
  }();
  return generated;
}

inline std::vector<const PerceptionItem*> items_of(const std::string& task) {
  std::vector<const PerceptionItem*> out;
  for (const PerceptionItem& item : suite().items) {
    if (item.suite_task == task) out.push_back(&item);
  }
  EXPECT_EQ(out.size(), static_cast<size_t>(kItemsPerTask)) << task;
  return out;
}

inline AudioBuffer load(const PerceptionItem& item) {
  AudioLoadOptions options;
  options.mono = false;
  return load_audio(suite().dir + "/" + item.audio_id.substr(2), options);
}

inline std::vector<float> mono(const PerceptionItem& item) {
  return load(item).mono();
}
inline json meta(const PerceptionItem& item) {
  return json::parse(item.metadata_json);
}

// Pitch (MIDI) measured in the middle of a note.
inline double measured_pitch(const std::vector<float>& x, double start, double duration) {
  const double f0 = estimate_f0(slice(x, 16000, start + 0.04, start + duration - 0.04), 16000);
  return f0 > 0 ? hz_to_midi_pitch(f0) : -1.0;
}

}  // namespace almkit::test
