#include "bench/runner/cache.h"

#include <sqlite3.h>

#include <chrono>

#include "almkit/error.h"

namespace almkit::bench {
namespace {

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// A prepared statement that finalizes itself.
class Statement {
 public:
  Statement(sqlite3* db, const std::string& sql, const std::string& path) : path_(path) {
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &statement_, nullptr) != SQLITE_OK) {
      throw Error(ErrorCode::kIo, path + ": SQLite: " + sqlite3_errmsg(db) + " in: " + sql);
    }
  }
  ~Statement() { sqlite3_finalize(statement_); }
  Statement& bind(int index, const std::string& text) {
    sqlite3_bind_text(statement_, index, text.data(), static_cast<int>(text.size()),
                      SQLITE_TRANSIENT);
    return *this;
  }
  Statement& bind(int index, int64_t value) {
    sqlite3_bind_int64(statement_, index, value);
    return *this;
  }
  Statement& bind(int index, double value) {
    sqlite3_bind_double(statement_, index, value);
    return *this;
  }
  // True while there is a row.
  bool step() {
    const int rc = sqlite3_step(statement_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw Error(ErrorCode::kIo,
                path_ + ": SQLite: " + sqlite3_errmsg(sqlite3_db_handle(statement_)));
  }
  std::string text(int column) const {
    const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(statement_, column));
    return data ? std::string(data, static_cast<size_t>(sqlite3_column_bytes(statement_, column)))
                : std::string();
  }
  int64_t integer(int column) const { return sqlite3_column_int64(statement_, column); }
  void reset() {
    sqlite3_reset(statement_);
    sqlite3_clear_bindings(statement_);
  }

 private:
  sqlite3_stmt* statement_ = nullptr;
  std::string path_;
};

}  // namespace

ResultCache::ResultCache(const std::string& path) : path_(path) {
  if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) {
    const std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw Error(ErrorCode::kIo, path + ": cannot open the result cache: " + message);
  }
  sqlite3_busy_timeout(db_, 10000);
  // WAL + synchronous=NORMAL: a committed unit survives the process being killed (-9); only a
  // power cut can lose the last commits.
  exec("PRAGMA journal_mode=WAL");
  exec("PRAGMA synchronous=NORMAL");
  exec(
      "CREATE TABLE IF NOT EXISTS records (key TEXT PRIMARY KEY, record TEXT NOT NULL, "
      "created REAL NOT NULL);"
      "CREATE TABLE IF NOT EXISTS computations (key TEXT NOT NULL, created REAL NOT NULL);"
      "CREATE TABLE IF NOT EXISTS plan (run_id TEXT NOT NULL, unit INTEGER NOT NULL, "
      "key TEXT NOT NULL, PRIMARY KEY (run_id, unit));");
}

ResultCache::~ResultCache() {
  sqlite3_close(db_);
}

void ResultCache::exec(const std::string& sql) const {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    const std::string text = message ? message : "unknown error";
    sqlite3_free(message);
    throw Error(ErrorCode::kIo, path_ + ": SQLite: " + text);
  }
}

std::optional<std::string> ResultCache::find(const std::string& key) const {
  std::lock_guard<std::mutex> lock(mutex_);
  Statement statement(db_, "SELECT record FROM records WHERE key = ?", path_);
  statement.bind(1, key);
  if (!statement.step()) return std::nullopt;
  return statement.text(0);
}

void ResultCache::store(const std::string& key, const std::string& record_json) {
  std::lock_guard<std::mutex> lock(mutex_);
  exec("BEGIN IMMEDIATE");
  try {
    const double now = now_seconds();
    Statement insert(db_, "INSERT OR REPLACE INTO records (key, record, created) VALUES (?, ?, ?)",
                     path_);
    insert.bind(1, key).bind(2, record_json).bind(3, now).step();
    Statement log(db_, "INSERT INTO computations (key, created) VALUES (?, ?)", path_);
    log.bind(1, key).bind(2, now).step();
    exec("COMMIT");
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

void ResultCache::import(const std::string& key, const std::string& record_json) {
  std::lock_guard<std::mutex> lock(mutex_);
  Statement insert(db_, "INSERT OR IGNORE INTO records (key, record, created) VALUES (?, ?, ?)",
                   path_);
  insert.bind(1, key).bind(2, record_json).bind(3, now_seconds()).step();
}

void ResultCache::write_plan(const std::string& run_id, const std::vector<PlannedUnit>& units) {
  std::lock_guard<std::mutex> lock(mutex_);
  exec("BEGIN IMMEDIATE");
  try {
    Statement insert(db_, "INSERT OR REPLACE INTO plan (run_id, unit, key) VALUES (?, ?, ?)",
                     path_);
    for (const auto& unit : units) {
      insert.bind(1, run_id).bind(2, unit.unit).bind(3, unit.key).step();
      insert.reset();
    }
    exec("COMMIT");
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

std::vector<PlannedUnit> ResultCache::plan(const std::string& run_id) const {
  std::lock_guard<std::mutex> lock(mutex_);
  Statement select(db_, "SELECT unit, key FROM plan WHERE run_id = ? ORDER BY unit", path_);
  select.bind(1, run_id);
  std::vector<PlannedUnit> units;
  while (select.step()) units.push_back({select.integer(0), select.text(1)});
  return units;
}

std::vector<std::string> ResultCache::run_ids() const {
  std::lock_guard<std::mutex> lock(mutex_);
  Statement select(db_, "SELECT DISTINCT run_id FROM plan", path_);
  std::vector<std::string> ids;
  while (select.step()) ids.push_back(select.text(0));
  return ids;
}

std::vector<std::pair<std::string, std::string>> ResultCache::all_records() const {
  std::lock_guard<std::mutex> lock(mutex_);
  Statement select(db_, "SELECT key, record FROM records", path_);
  std::vector<std::pair<std::string, std::string>> rows;
  while (select.step()) rows.emplace_back(select.text(0), select.text(1));
  return rows;
}

int64_t ResultCache::computations() const {
  std::lock_guard<std::mutex> lock(mutex_);
  Statement select(db_, "SELECT COUNT(*) FROM computations", path_);
  select.step();
  return select.integer(0);
}

int64_t ResultCache::distinct_computations() const {
  std::lock_guard<std::mutex> lock(mutex_);
  Statement select(db_, "SELECT COUNT(DISTINCT key) FROM computations", path_);
  select.step();
  return select.integer(0);
}

}  // namespace almkit::bench
