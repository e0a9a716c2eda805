// run_eval: load and check the benchmark (before any model call), plan the units of this shard,
// skip those the cache holds, run the rest on `batch` workers, write the run folder.
#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "almkit/error.h"
#include "almkit/eval.h"
#include "bench/benchmarks/benchmark.h"
#include "bench/runner/audio_windows.h"
#include "bench/runner/backend.h"
#include "bench/runner/cache.h"
#include "bench/runner/hashing.h"
#include "bench/runner/permutations.h"
#include "bench/runner/plan.h"
#include "bench/runner/progress.h"
#include "bench/runner/prompts.h"
#include "bench/runner/run_record.h"
#include "bench/runner/unit.h"
#include "core/log.h"

namespace almkit::bench {
namespace {

using ojson = nlohmann::ordered_json;
namespace fs = std::filesystem;

void check_options(const EvalOptions& options, const Benchmark& benchmark) {
  auto bad = [](const std::string& message) { throw Error(ErrorCode::kInvalidArgument, message); };
  if (options.backend != "local" && options.backend != "openai")
    bad("--backend must be local or openai, not '" + options.backend + "'");
  if (options.backend == "local" && options.model_dir.empty())
    bad("--model is required (or --backend openai --endpoint URL --served-model NAME)");
  if (options.out_dir.empty()) bad("--out is required");
  if (options.mode != "generate" && options.mode != "loglik")
    bad("--mode must be generate or loglik, not '" + options.mode + "'");
  if (options.permutations < 1) bad("--permutations must be >= 1");
  if (options.batch < 1) bad("--batch must be >= 1");
  if (options.threads < 0) bad("--threads must be >= 0");
  if (options.limit < 0) bad("--limit must be >= 0");
  if (options.max_new_tokens < 1) bad("--max-new-tokens must be >= 1");
  if (options.repeats < 1) bad("--repeats must be >= 1");
  if (options.repeats > 1 && options.temperature <= 0.0)
    bad("--repeats " + std::to_string(options.repeats) +
        " needs sampling (--temperature > 0): greedy repeats are identical");
  if (options.repeats > 1 && options.mode == "loglik")
    bad("--repeats is for generate mode (log-likelihoods do not vary)");
  if (options.modality != "audio" && options.modality != "text")
    bad("--modality must be audio or text, not '" + options.modality + "'");
  if (!options.long_audio.empty() && options.long_audio != "windows" &&
      options.long_audio != "truncate" && options.long_audio != "refuse")
    bad("--long-audio must be windows, truncate or refuse, not '" + options.long_audio + "'");
  if (options.max_audio_seconds < 0.0) bad("--max-audio-seconds must be >= 0");
  if (!options.steer_path.empty() && (options.backend != "local" || !options.protocol.empty()))
    bad("--steer runs in the local backend's model calls: drop --backend openai / --protocol");
  if (options.steer_positions != "all" && options.steer_positions != "last")
    bad("--steer-positions must be all or last, not '" + options.steer_positions + "'");
  if (!options.protocol.empty() &&
      (options.repeats > 1 || !options.system_prompt.empty() || options.modality != "audio"))
    bad("--protocol runs have their own chat: drop --repeats, --system-prompt and --modality");
  if (options.shard_count < 1 || options.shard_index < 0 ||
      options.shard_index >= options.shard_count) {
    bad("--shard K/N needs 0 <= K < N (got " + std::to_string(options.shard_index) + "/" +
        std::to_string(options.shard_count) + ")");
  }
  benchmark.check_options(options);
}

std::vector<BenchItem> load_items(const EvalOptions& options, const Benchmark& benchmark) {
  LoadOptions load;
  load.audio_root = options.audio_root;
  if (load.audio_root.empty() && !options.data_path.empty()) {
    load.audio_root = fs::path(options.data_path).parent_path().string();
  }
  return benchmark.load_items(options, load);
}

}  // namespace

EvalOutcome run_eval(const EvalOptions& options_in) {
  const auto start = std::chrono::steady_clock::now();
  EvalOptions options = options_in;
  const Benchmark& benchmark = find_benchmark(options.bench);
  check_options(options, benchmark);
  // Everything a run could trip over is checked before the model is loaded.
  const std::vector<BenchItem> items = load_items(options, benchmark);
  require_audio_present(items);
  const PromptTemplate prompt_template = options.prompt_template_path.empty()
                                             ? benchmark.default_prompt(options.mode)
                                             : load_prompt_template(options.prompt_template_path);
  const std::string data_hash = benchmark.data_hash(options);
  fs::create_directories(options.out_dir);
  // --protocol: the benchmark's multi-turn protocol, prepared before the model loads (MUSE trims
  // its clips into the run folder).
  if (!options.protocol.empty() && options.shard_count != 1)
    throw Error(ErrorCode::kInvalidArgument, "--protocol runs are not sharded (drop --shard)");
  const std::unique_ptr<RunProtocol> protocol = benchmark.make_protocol(options, items);

  // The local model is loaded here; a remote backend checks its servers (key, served model).
  const std::unique_ptr<EvalBackend> backend = make_eval_backend(options);
  const std::string model_hash = backend->identity();
  PlanResult plan;
  if (protocol) {
    plan.units = protocol->plan_units(options, items, model_hash);
    plan.units_total = static_cast<int64_t>(plan.units.size());
  } else {
    plan = plan_units(options, items, *backend, prompt_template, model_hash);
  }
  ojson run =
      make_run_record(options, model_hash, backend->model_note(), data_hash, prompt_template.name,
                      prompt_template.text, static_cast<int64_t>(items.size()), plan.units_total);
  if (protocol) protocol->describe(run);  // a protocol run answers differently
  benchmark.describe_run(options, run);
  const std::string run_id = run["run_id"];
  run["backend"] = backend->describe();
  if (options.backend == "openai") run["model_dir"] = "openai:" + options.served_model;

  ResultCache cache(options.out_dir + "/" +
                    cache_file_name(options.shard_index, options.shard_count));
  std::vector<PlannedUnit> planned;
  for (const auto& unit : plan.units) planned.push_back({unit.unit, unit.key});
  cache.write_plan(run_id, planned);
  write_text_file(options.out_dir + "/" + run_file_name(options.shard_index, options.shard_count),
                  run.dump(2) + "\n");

  std::vector<size_t> todo;
  std::vector<bool> was_cached(plan.units.size(), false);
  for (size_t u = 0; u < plan.units.size(); ++u) {
    was_cached[u] = cache.find(plan.units[u].key).has_value();
    if (!was_cached[u]) todo.push_back(u);
  }
  EvalOutcome outcome;
  outcome.out_dir = options.out_dir;
  outcome.units = static_cast<int64_t>(plan.units.size());
  outcome.reused = outcome.units - static_cast<int64_t>(todo.size());
  logger().info("eval: {} model calls, {} in the cache, {} to run", outcome.units, outcome.reused,
                todo.size());

  Progress progress(outcome.units, outcome.reused, options.quiet);
  {  // finished items (every unit of the item done) as well as model calls
    std::map<std::string, int64_t> remaining_units;
    std::map<size_t, bool> shard_items;
    for (const auto& unit : plan.units) shard_items[unit.item_index] = true;
    for (size_t t : todo) ++remaining_units[items[plan.units[t].item_index].id];
    progress.track_items(std::move(remaining_units), static_cast<int64_t>(shard_items.size()));
  }
  UnitContext context{&options, backend.get(), &items, &benchmark};
  const int workers_count = std::max(1, backend->units_in_flight());
  std::vector<ojson> failed(plan.units.size());
  std::atomic<size_t> next{0};
  std::atomic<int64_t> failures{0}, unavailable{0};
  std::vector<std::exception_ptr> errors(static_cast<size_t>(workers_count));
  std::mutex callback_mutex;  // on_progress runs one call at a time
  int64_t done_units = outcome.reused;
  std::atomic<bool> cancelled{false};
  auto worker = [&](size_t w) {
    try {
      for (size_t t = next++; t < todo.size(); t = next++) {
        const UnitPlan& unit = plan.units[todo[t]];
        ojson record = protocol ? protocol->run_unit(context, unit) : run_unit(context, unit);
        if (record.contains("error")) {
          logger().warn("eval: {} (presentation {}, {}): {}", items[unit.item_index].id,
                        unit.presentation, unit.silent ? "silence" : "audio",
                        record["error"].get<std::string>());
          unavailable += record.value("error_kind", "") == "unavailable";
          failed[todo[t]] = std::move(record);
          ++failures;
        } else {
          cache.store(unit.key, record.dump());
        }
        progress.advance(items[unit.item_index].id);
        if (options.on_progress) {
          const std::lock_guard<std::mutex> lock(callback_mutex);
          if (!cancelled && !options.on_progress(++done_units, outcome.units)) {
            cancelled = true;
            next = todo.size();  // the others stop after their unit in flight
          }
        }
      }
    } catch (...) {
      errors[w] = std::current_exception();
      next = todo.size();  // stop the others
    }
  };
  std::vector<std::thread> workers;
  for (int w = 1; w < workers_count; ++w) workers.emplace_back(worker, size_t(w));
  worker(0);
  for (auto& thread : workers) thread.join();
  progress.finish();
  if (const std::string usage = backend->usage_report(); !usage.empty())
    logger().info("eval: {}", usage);
  for (auto& error : errors) {
    if (error) std::rethrow_exception(error);
  }
  if (cancelled) {
    throw Error(ErrorCode::kCancelled, "eval: stopped by the progress callback after " +
                                           std::to_string(done_units) + " of " +
                                           std::to_string(outcome.units) + " units; " +
                                           options.out_dir + " keeps them: run again to resume");
  }
  outcome.failed = failures;
  outcome.unavailable = unavailable;
  outcome.computed = static_cast<int64_t>(todo.size()) - outcome.failed;

  std::vector<ojson> records;
  for (size_t u = 0; u < plan.units.size(); ++u) {
    if (!failed[u].is_null() && !protocol) {
      records.push_back(failed[u]);
      continue;
    }
    ojson record = failed[u].is_null() ? ojson::parse(*cache.find(plan.units[u].key)) : failed[u];
    if (protocol) {
      protocol->append_records(record, was_cached[u], records);
      continue;
    }
    record["unit"] = plan.units[u].unit;  // the same key may sit at another position in another run
    record["from_cache"] = bool(was_cached[u]);
    records.push_back(std::move(record));
  }
  if (options.shard_count == 1) {
    outcome.summary_json = write_run_outputs(options.out_dir, run, records, 0);
    outcome.complete = outcome.failed == 0;
  } else {
    // A shard's own results; `almkit merge` writes the run's reports once every shard is done.
    std::string lines;
    for (const auto& record : records) lines += record.dump() + "\n";
    write_text_file(options.out_dir + "/results-shard-" + std::to_string(options.shard_index) +
                        "-of-" + std::to_string(options.shard_count) + ".jsonl",
                    lines);
  }
  outcome.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return outcome;
}

}  // namespace almkit::bench
