// merge_runs: the shard caches of one run (in one or several folders) combined into one cache,
// and the run's results and reports written from it.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "almkit/error.h"
#include "almkit/eval.h"
#include "bench/runner/cache.h"
#include "bench/runner/run_record.h"

namespace almkit::bench {
namespace {

using ojson = nlohmann::ordered_json;
namespace fs = std::filesystem;

bool starts_ends(const std::string& name, const std::string& prefix, const std::string& suffix) {
  return name.size() >= prefix.size() + suffix.size() &&
         name.compare(0, prefix.size(), prefix) == 0 &&
         name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::vector<std::string> files_like(const std::string& dir, const std::string& prefix,
                                    const std::string& suffix) {
  std::vector<std::string> out;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (entry.is_regular_file() && starts_ends(name, prefix, suffix))
      out.push_back(entry.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

ojson read_json_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error(ErrorCode::kFileNotFound, path + ": cannot be read");
  try {
    return ojson::parse(in);
  } catch (const std::exception& error) {
    throw Error(ErrorCode::kInvalidFormat, path + ": not valid JSON: " + error.what());
  }
}

}  // namespace

EvalOutcome merge_runs(const MergeOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  if (options.run_dirs.empty())
    throw Error(ErrorCode::kInvalidArgument, "merge: no run folders given");
  const std::string out_dir = options.out_dir.empty() ? options.run_dirs.front() : options.out_dir;
  std::vector<std::string> run_files, cache_files;
  for (const auto& dir : options.run_dirs) {
    if (!fs::is_directory(dir)) throw Error(ErrorCode::kFileNotFound, dir + ": not a run folder");
    for (const auto& file : files_like(dir, "run", ".json")) run_files.push_back(file);
    for (const auto& file : files_like(dir, "cache", ".sqlite")) cache_files.push_back(file);
  }
  if (run_files.empty())
    throw Error(ErrorCode::kNotFound,
                "merge: no run.json or run-shard-*.json in the given folders");
  ojson run = read_json_file(run_files.front());
  if (run.contains("protocol")) {  // never sharded: its folder already holds the whole run
    throw Error(ErrorCode::kInvalidArgument,
                "merge: " + run_files.front() + " is a --protocol run (one unit per MUSE "
                "sequence, never sharded); its results.jsonl and reports are already complete");
  }
  const std::string run_id = run.value("run_id", "");
  for (const auto& file : run_files) {
    const ojson other = read_json_file(file);
    if (other.value("run_id", "") != run_id) {
      throw Error(ErrorCode::kInvalidArgument, "merge: " + file + " records another run (run_id " +
                                                   other.value("run_id", "?") + ", expected " +
                                                   run_id + "): different model, data or settings");
    }
  }
  fs::create_directories(out_dir);
  const std::string merged_path = out_dir + "/cache.sqlite";
  ResultCache merged(merged_path);
  std::map<int64_t, std::string> plan;
  for (const auto& file : cache_files) {
    if (fs::equivalent(file, merged_path)) {
      for (const auto& unit : merged.plan(run_id)) plan[unit.unit] = unit.key;
      continue;
    }
    ResultCache shard(file);
    for (const auto& unit : shard.plan(run_id)) plan[unit.unit] = unit.key;
    for (const auto& [key, record] : shard.all_records()) merged.import(key, record);
  }
  std::vector<PlannedUnit> units;
  for (const auto& [unit, key] : plan) units.push_back({unit, key});
  merged.write_plan(run_id, units);

  EvalOutcome outcome;
  outcome.out_dir = out_dir;
  std::vector<ojson> records;
  for (const auto& unit : units) {
    const auto record = merged.find(unit.key);
    if (!record) continue;
    ojson parsed = ojson::parse(*record);
    parsed["unit"] = unit.unit;
    records.push_back(std::move(parsed));
  }
  const int64_t total = run.value("units_total", int64_t(0));
  const int64_t missing = std::max<int64_t>(0, total - static_cast<int64_t>(records.size()));
  run["shard"] = {{"index", 0}, {"count", 1}, {"merged_from", run_files}};
  outcome.units = total;
  outcome.reused = static_cast<int64_t>(records.size());
  outcome.complete = missing == 0;
  outcome.summary_json = write_run_outputs(out_dir, run, records, missing);
  outcome.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return outcome;
}

}  // namespace almkit::bench
