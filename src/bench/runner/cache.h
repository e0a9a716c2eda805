// The runner's result cache: one SQLite file (WAL) per run folder and shard. Every finished unit
// (one model call: an item, a presentation of its choices, real or silent audio) is committed at
// once, so a process killed at any point loses at most the units in flight.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

struct sqlite3;

namespace almkit::bench {

struct PlannedUnit {
  int64_t unit = 0;  // global position in the run (item-major), the report's order
  std::string key;   // hash of everything the answer depends on
};

class ResultCache {
 public:
  // Creates the file and its tables if needed; kIo naming the file when SQLite refuses.
  explicit ResultCache(const std::string& path);
  ~ResultCache();
  ResultCache(const ResultCache&) = delete;
  ResultCache& operator=(const ResultCache&) = delete;

  const std::string& path() const { return path_; }

  // The finished record (a JSON object) of a unit, if any.
  std::optional<std::string> find(const std::string& key) const;
  // Stores a finished unit and logs the computation (computations table), in one transaction.
  void store(const std::string& key, const std::string& record_json);
  // Copies a record made elsewhere (merge): no computation is logged; an existing key is kept.
  void import(const std::string& key, const std::string& record_json);

  // The units this process is responsible for, recorded before they run (merge finds the units
  // a shard never finished from them).
  void write_plan(const std::string& run_id, const std::vector<PlannedUnit>& units);
  std::vector<PlannedUnit> plan(const std::string& run_id) const;
  // Every run id with a plan in this file.
  std::vector<std::string> run_ids() const;
  // Every stored (key, record) pair.
  std::vector<std::pair<std::string, std::string>> all_records() const;

  // How many times units were computed in this file, and how many distinct ones: equal unless
  // something was computed twice (the resume test checks this).
  int64_t computations() const;
  int64_t distinct_computations() const;

 private:
  void exec(const std::string& sql) const;
  std::string path_;
  sqlite3* db_ = nullptr;
  mutable std::mutex mutex_;
};

}  // namespace almkit::bench
