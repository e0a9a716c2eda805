#include "bench/runner/run_record.h"

#include <chrono>
#include <ctime>
#include <fstream>

#include "almkit/error.h"
#include "almkit/research.h"
#include "almkit/version.h"
#include "bench/benchmarks/benchmark.h"
#include "bench/runner/hashing.h"
#include "bench/runner/report.h"
#include "bench/runner/summary.h"

namespace almkit::bench {

using ojson = nlohmann::ordered_json;

std::string cache_file_name(int shard_index, int shard_count) {
  if (shard_count <= 1) return "cache.sqlite";
  return "cache-shard-" + std::to_string(shard_index) + "-of-" + std::to_string(shard_count) +
         ".sqlite";
}

std::string run_file_name(int shard_index, int shard_count) {
  if (shard_count <= 1) return "run.json";
  return "run-shard-" + std::to_string(shard_index) + "-of-" + std::to_string(shard_count) +
         ".json";
}

ojson make_run_record(const EvalOptions& options, const std::string& model_hash,
                      const std::string& model_note, const std::string& data_hash,
                      const std::string& prompt_template_name,
                      const std::string& prompt_template_text, int64_t items_total,
                      int64_t units_total) {
  ojson run;
  run["almkit_version"] = version();
  run["build_info"] = build_info();
  run["blas"] = active_blas();
  const std::time_t now = std::time(nullptr);
  char stamp[32];
  std::strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  run["created"] = stamp;
  run["model_dir"] = options.model_dir;
  run["model_hash"] = model_hash;
  run["model_note"] = model_note.empty() ? ojson(nullptr) : ojson(model_note);
  run["bench"] = options.bench;
  run["data_path"] = options.data_path;
  run["data_hash"] = data_hash;
  run["audio_root"] = options.audio_root;
  run["limit"] = options.limit;
  run["mode"] = options.mode;
  run["permutations"] = options.permutations;
  run["seed"] = options.seed;
  run["generation"] = {{"max_new_tokens", options.max_new_tokens},
                       {"temperature", options.temperature},
                       {"top_k", options.top_k},
                       {"top_p", options.top_p}};
  run["prompt_template"] = {{"name", prompt_template_name}, {"text", prompt_template_text}};
  run["silent_baseline"] = options.silent_baseline;
  run["device"] = options.device;
  run["dtype"] = options.dtype;
  run["threads"] = options.threads;
  run["batch"] = options.batch;
  run["shard"] = {{"index", options.shard_index}, {"count", options.shard_count}};
  // Later options: recorded (and hashed into run_id) only when used, so earlier runs keep theirs.
  if (options.repeats > 1) run["repeats"] = options.repeats;
  if (!options.system_prompt.empty()) run["system_prompt"] = options.system_prompt;
  if (options.modality != "audio") run["modality"] = options.modality;
  if (!options.long_audio.empty())
    run["long_audio"] = {{"policy", options.long_audio},
                         {"max_audio_seconds", options.max_audio_seconds}};
  if (!options.steer_path.empty()) {
    const research::SteeringVector vector = research::SteeringVector::load(options.steer_path);
    run["steer"] = {{"sha256", sha256_file(options.steer_path)}, {"layer", vector.layer},
                    {"alpha", options.steer_alpha},           {"positions", options.steer_positions},
                    {"provenance", vector.provenance}};
    run["steer_path"] = options.steer_path;  // not in run_id: the file's hash is
  }
  run["items_total"] = items_total;
  run["units_total"] = units_total;
  // What defines the answers; threads, batch and shard do not (results never depend on them).
  Sha256 id;
  for (const char* key :
       {"model_hash", "bench", "data_hash", "limit", "mode", "permutations", "seed", "generation",
        "prompt_template", "silent_baseline", "device", "dtype"}) {
    id.update_field(key);
    id.update_field(run[key].dump());
  }
  for (const char* key : {"repeats", "system_prompt", "modality", "long_audio", "steer"}) {
    if (!run.contains(key)) continue;
    id.update_field(key);
    id.update_field(run[key].dump());
  }
  run["run_id"] = id.hex_digest();
  return run;
}

void write_text_file(const std::string& path, const std::string& text) {
  // Write then rename: a reader (or a killed run) never sees half a file.
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary);
    if (!out) throw Error(ErrorCode::kIo, temporary + ": cannot write");
    out << text;
    if (!out) throw Error(ErrorCode::kIo, temporary + ": write failed");
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0)
    throw Error(ErrorCode::kIo, path + ": cannot write");
}

std::string write_run_outputs(const std::string& out_dir, const ojson& run,
                              const std::vector<ojson>& records, int64_t missing_units) {
  std::string lines;
  for (const auto& record : records) lines += record.dump() + "\n";
  write_text_file(out_dir + "/results.jsonl", lines);
  ojson summary = build_summary(run, records, missing_units);
  // Files of the benchmark's own (ISA-Bench's result layout), once the run is complete.
  if (missing_units == 0)
    find_benchmark(run.value("bench", "")).write_outputs(out_dir, run, records, summary);
  attach_judged_figures(out_dir, summary);
  const std::string summary_text = summary.dump(2) + "\n";
  write_text_file(out_dir + "/summary.json", summary_text);
  write_text_file(out_dir + "/report.md", report_markdown(run, summary, records));
  write_text_file(out_dir + "/report.html", report_html(run, summary, records));
  write_text_file(out_dir + "/run.json", run.dump(2) + "\n");
  return summary_text;
}

}  // namespace almkit::bench
