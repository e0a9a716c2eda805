// What the runner tests share: the small random Qwen2-Audio checkpoint and a perception suite of
// one item per task (test_world.h); options for short runs; reading a run folder back.
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "almkit/audio.h"
#include "almkit/eval.h"
#include "almkit/synth.h"
#include "test_support.h"
#include "test_world.h"

namespace almkit::test {

// The shared checkpoint and suite (test_world.h): made once per ctest run.
using RunnerWorld = TestWorld;
inline const RunnerWorld& runner_world() { return test_world(); }

// A short run of the perception suite: greedy, 4 new tokens, quiet.
inline bench::EvalOptions runner_options(const std::string& out_dir, int limit = 6) {
  bench::EvalOptions options;
  options.model_dir = runner_world().model;
  options.bench = "perception";
  options.data_path = runner_world().data;
  options.out_dir = out_dir;
  options.limit = limit;
  options.max_new_tokens = 4;
  options.quiet = true;
  return options;
}

inline std::vector<nlohmann::json> read_results(const std::string& out_dir,
                                                const std::string& name = "results.jsonl") {
  std::vector<nlohmann::json> lines;
  std::ifstream in(out_dir + "/" + name);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(nlohmann::json::parse(line));
  }
  return lines;
}

inline nlohmann::json read_json(const std::string& path) {
  return nlohmann::json::parse(read_file(path));
}

// A mono 16 kHz WAV of `seconds` (a 440 Hz tone, or silence).
inline void write_tone(const std::string& path, double seconds, bool silent = false) {
  AudioBuffer audio;
  audio.sample_rate = 16000;
  audio.channels = 1;
  audio.samples.resize(static_cast<size_t>(seconds * 16000));
  if (!silent) {
    for (size_t i = 0; i < audio.samples.size(); ++i)
      audio.samples[i] = 0.3f * std::sin(2 * M_PI * 440.0 * i / 16000.0);
  }
  write_wav(path, audio);
}

}  // namespace almkit::test
