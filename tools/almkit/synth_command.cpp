// `almkit synth`: writes the procedural perception suite (WAV stimuli + MMAU-format JSON).
#include <chrono>
#include <cstdio>
#include <map>
#include <sstream>

#include "almkit/error.h"
#include "almkit/synth.h"
#include "commands.h"

namespace almkit::cli {
namespace {

struct SynthArgs {
  std::string suite = "perception";
  int n = 200;
  uint64_t seed = 0;
  int sample_rate = 16000;
  std::string tasks;  // comma-separated
  std::string output;
  bool list_tasks = false;
  bool quiet = false;
};

std::vector<std::string> split_names(const std::string& text) {
  std::vector<std::string> names;
  std::stringstream stream(text);
  std::string name;
  while (std::getline(stream, name, ',')) {
    if (!name.empty()) names.push_back(name);
  }
  return names;
}

void run_synth(const SynthArgs& args) {
  if (args.list_tasks) {
    for (const PerceptionTaskInfo& task : perception_tasks()) {
      std::printf("%-20s %-6s %d choices  %s%s\n", task.name.c_str(), task.domain.c_str(),
                  task.num_choices, task.description.c_str(),
                  task.needs_espeak ? " [espeak-ng]" : "");
    }
    return;
  }
  if (args.suite != "perception") {
    throw Error(ErrorCode::kInvalidArgument,
                "unknown --suite '" + args.suite + "' (the only suite is 'perception')");
  }
  if (args.output.empty()) throw Error(ErrorCode::kInvalidArgument, "synth: -o DIR is required");
  PerceptionSuiteOptions options;
  options.n = args.n;
  options.seed = args.seed;
  options.sample_rate = args.sample_rate;
  options.tasks = split_names(args.tasks);
  options.output_dir = args.output;
  const auto start = std::chrono::steady_clock::now();
  const bool live = !args.quiet;
  options.progress = [&](int done, int total, const std::string& id) {
    if (!live) return;
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::fprintf(stderr, "\rsynth: %d/%d items (%.0f items/s) %-32s", done, total,
                 seconds > 0 ? done / seconds : 0.0, id.c_str());
    if (done == total) std::fputc('\n', stderr);
  };
  const std::vector<PerceptionItem> items = generate_perception_suite(options);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  std::map<std::string, int> per_task, per_difficulty, per_domain;
  double audio_seconds = 0.0;
  for (const PerceptionItem& item : items) {
    ++per_task[item.suite_task];
    ++per_difficulty[item.difficulty];
    ++per_domain[item.task];
    audio_seconds += item.duration_seconds;
  }
  std::printf(
      "perception suite: %zu items, %zu tasks, %.1f s of audio at %d Hz, seed %llu, "
      "in %.1f s\n",
      items.size(), per_task.size(), audio_seconds, args.sample_rate,
      static_cast<unsigned long long>(args.seed), seconds);
  std::printf("  domains:");
  for (const auto& [name, count] : per_domain) std::printf(" %s %d", name.c_str(), count);
  std::printf("\n  difficulty:");
  for (const auto& [name, count] : per_difficulty) std::printf(" %s %d", name.c_str(), count);
  std::printf("\n  tasks:");
  for (const auto& [name, count] : per_task) std::printf(" %s %d", name.c_str(), count);
  std::printf("\n  -> %s/perception.json and %s/audio/\n", args.output.c_str(),
              args.output.c_str());
}

}  // namespace

void register_synth(CLI::App& app) {
  auto args = std::make_shared<SynthArgs>();
  auto* command = app.add_subcommand(
      "synth", "write the procedural perception suite: WAV stimuli and an MMAU-format JSON");
  command->add_option("--suite", args->suite, "suite to write (perception)");
  command->add_option("--n", args->n, "number of items, shared evenly across the tasks");
  command->add_option("--seed", args->seed, "random seed; the same seed gives the same files");
  command->add_option("--sample-rate", args->sample_rate, "sample rate of the WAVs (Hz)");
  command->add_option("--tasks", args->tasks,
                      "comma-separated subset of tasks (see --list-tasks); default all");
  command->add_option("-o,--output", args->output, "output folder");
  command->add_flag("--list-tasks", args->list_tasks, "print the tasks and exit");
  command->add_flag("-q,--quiet", args->quiet, "no progress line");
  command->callback([args] { run_synth(*args); });
}

ALMKIT_REGISTER_COMMAND(register_synth);

}  // namespace almkit::cli
