// The benchmark runner: a model and a benchmark in, a reproducible run folder out (run.json,
// results.jsonl, summary.json, report.md, report.html), with every finished item stored at once
// in a SQLite cache so that a killed run resumes where it stopped and shards can be merged.
//
//   almkit::bench::EvalOptions options;
//   options.model_dir = ".cache/models/qwen2-audio-small";
//   options.bench = "perception";
//   options.data_path = ".cache/data/perception/perception.json";
//   options.out_dir = "runs/perception-default";
//   options.mode = "loglik";
//   auto outcome = almkit::bench::run_eval(options);   // outcome.summary_json has the figures
//
// Rules (docs/eval.md): answers never depend on --batch (each item is decoded on its own; a
// batch is items in flight at once); clips longer than the model's audio window are split into
// consecutive windows, each given to the model as its own clip; an item the model refuses (e.g.
// a prompt longer than its context) is recorded with its error, counted wrong, and retried by the
// next run.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "almkit/export.h"

namespace almkit::bench {

struct EvalOptions {
  std::string model_dir;
  std::string bench;  // mmau, mmar, star, muse, isa, perception, jsonl, asr, ast (registered plugs)
  std::string data_path;
  std::string audio_root;  // empty: relative audio paths are taken from the data file's folder
  std::string out_dir;
  int limit = 0;        // first N items only (0: all)
  int shard_index = 0;  // 0-based: this process runs items i with i % shard_count == shard_index
  int shard_count = 1;
  int threads = 0;                // compute threads in all (0: every core), shared by the batch
  int batch = 1;                  // items in flight at once
  std::string mode = "generate";  // generate (parse free text) or loglik (score each choice)
  int permutations = 1;           // presentations of each item's choices (1: original order only)
  uint64_t seed = 0;              // choice shuffles, the random baseline and sampling
  int max_new_tokens = 64;
  double temperature = 0.0;  // 0: greedy
  int top_k = 0;
  double top_p = 1.0;
  std::string prompt_template_path;  // overrides the benchmark's template (docs/eval.md)
  bool silent_baseline = true;       // also ask every item with its audio replaced by silence
  std::string device = "cpu";
  std::string dtype = "float32";
  bool quiet = false;  // no live progress line; a log line every 10 %
  // Open-answer scoring (recorded in run.json; they do not change the answers): --bench asr's
  // text normaliser for WER / CER ("": whisper-en; none, whisper-basic,
  // whisper-basic-diacritics) and --bench ast's sacreBLEU tokenizer (13a, zh, intl, none).
  std::string normalizer;
  std::string bleu_tokenize = "13a";

  // Run options (docs/eval.md "Run options"). --repeats K: every item's first presentation asked
  // K times with its own recorded sampling seed (needs temperature > 0); summary.json's `repeats`
  // has each repeat's accuracy, their mean and sd, majority-vote accuracy and consistency.
  int repeats = 1;
  std::string system_prompt;  // a system turn before every unit's user turn ("" : none)
  // "audio" (default) or "text": items with a transcript are asked with it in place of their audio
  std::string modality = "audio";
  // Clips longer than max_audio_seconds: "windows" (split into equal windows, each its own clip),
  // "truncate" (the first max_audio_seconds), "refuse" (the unit is refused, counted wrong).
  // "" : windows for the local model, whole clips for a server (its own handling). Recorded in
  // run.json and the cache key when set.
  std::string long_audio;
  double max_audio_seconds = 0.0;  // 0: the local model's audio window; 30 s for a server
  // A steering vector file (`almkit steer build`) added to its layer's output, times steer_alpha,
  // at steer_positions ("all" or "last") in every model call of the local backend. Recorded in
  // run.json and, by the file's SHA-256, in the cache key: steered and plain runs never share answers.
  std::string steer_path;
  double steer_alpha = 1.0;
  std::string steer_positions = "all";
  // Called after every finished unit with (done, total) model calls, done counting the units
  // found in the cache; from the worker threads, one call at a time. Returning false stops the
  // run: the units in flight finish, then run_eval throws kCancelled (finished units stay in
  // the cache, so the next run resumes). Not called when every unit is cached.
  std::function<bool(int64_t done, int64_t total)> on_progress;

  // Where the units run (docs/scale-out.md). "local": model_dir in this process. "openai":
  // OpenAI-compatible servers (vLLM, SGLang, `almkit serve`) of `served_model`; each unit is a
  // /v1/chat/completions request with its clips as base64 WAV input_audio parts. The cache key
  // then names the served model and settings instead of a checkpoint fingerprint.
  std::string backend = "local";
  std::vector<std::string> endpoints;  // base URLs (".../v1" added if absent); "URL#N": N in flight
  std::string served_model;
  std::string api_key_env;          // name of the variable holding the key, sent as a Bearer token
  int concurrency = 8;              // requests in flight per endpoint (unless its URL says #N)
  double timeout_seconds = 300.0;   // per request, whole answer included
  int max_retries = 4;              // after the first attempt: 429, 5xx, timeouts, broken answers
  double retry_base_seconds = 0.5;  // backoff before retry r: base * 2^(r-1), half of it jitter
  int breaker_failures = 5;         // consecutive failures that set an endpoint aside ...
  double breaker_seconds = 30.0;    // ... for this long
  std::string loglik_api = "chat";  // chat (vLLM prompt_logprobs) or completions (echo logprobs)
  std::string tokenizer_dir;        // chat template for --loglik-api completions
  int audio_sample_rate = 16000;    // rate of the WAV sent
  std::vector<std::string> stop;    // stop strings sent with every generate request

  // MUSE's official protocol (--bench muse only; docs/eval.md): "muse-sysinst" or "muse-cot" asks
  // each (task group, seed) as one chat (system instruction, few-shot turns, the model's own
  // confirmation, the trials shuffled as Python's random.seed(seed); random.shuffle orders them),
  // on clips trimmed as the runners trim them. Sampling and length are the caller's (the CLI sets
  // the runners' temperature 1.0, top-p 0.95, top-k 40 and 8192 new tokens unless given).
  std::string protocol;
  int seeds = 3;  // --protocol: sequences per group, with random.seed(1), (2), ... (N)
};

struct EvalOutcome {
  std::string out_dir;
  int64_t units = 0;      // model calls this process was responsible for
  int64_t reused = 0;     // found finished in the cache
  int64_t computed = 0;   // run now
  int64_t failed = 0;     // refused by the model (recorded with their error, not cached)
  bool complete = false;  // every unit of the run has a result (false for a lone shard)
  double seconds = 0.0;
  std::string summary_json;  // summary.json's content ("" when the run is not complete)
  int64_t unavailable = 0;   // of `failed`: units a remote backend could not get answered
                             // (never scored; the next run retries them)
};

// "mmau, mmar, ... or ast": the benchmarks run_eval knows (src/bench/benchmarks/registry.cpp).
ALMKIT_API std::string registered_benchmarks_text();

// Throws Error before any model call for bad input: unknown benchmark or option, malformed data,
// duplicate ids, answers outside the choices, missing audio (all listed).
ALMKIT_API EvalOutcome run_eval(const EvalOptions& options);

struct MergeOptions {
  std::vector<std::string> run_dirs;  // run folders whose caches (one per shard) are combined
  std::string out_dir;                // empty: the first run folder
  bool quiet = false;
};
// Combines the shard caches of a run into out_dir/cache.sqlite and writes its results and
// reports; throws kInvalidArgument when the folders hold different runs. A run with missing
// units is written with complete = false and the missing units listed in summary.json.
ALMKIT_API EvalOutcome merge_runs(const MergeOptions& options);

struct CompareOptions {
  std::vector<std::string> run_dirs;  // finished run folders (results.jsonl and run.json)
  int bootstrap_samples = 10000;      // paired bootstrap resamples of the clips (0: none)
  uint64_t seed = 0;                  // the bootstrap's SplitMix64 seed (recorded in the JSON)
  std::string json_out;               // write the comparison JSON here ("" : none)
  std::string html_out;               // write the leaderboard page here ("" : none)
};
// Compares runs item by item (presentation 0, real audio, scored records): per benchmark (runs of
// the same benchmark and data file) a leaderboard with clustered standard errors and per-task
// accuracy, and for every pair of runs on common items McNemar's exact test, the paired bootstrap
// interval of the accuracy difference and its clustered standard error (docs/eval.md). Returns
// the JSON text; throws kFileNotFound / kInvalidFormat naming the folder.
ALMKIT_API std::string compare_runs(const CompareOptions& options);

// `almkit judge RUNDIR`: each scored answer of a finished run sent to an OpenAI-compatible judge
// model (vLLM, SGLang, a hosted API, `almkit serve`) through the eval's remote backend (retries,
// breaker, concurrency), cached and resumable like model calls (RUNDIR/judge-<protocol>.sqlite).
struct JudgeOptions {
  std::string run_dir;
  // voicebench-open (1-5 score), voicebench-qa (Yes/No against the reference), air-bench-chat
  // (and -swapped: pairwise 1-10 against the reference), sakura and big-bench-audio (correct or
  // not), mmau (a free answer mapped onto one option), mmau-pro-open (MMAU-Pro's criteria
  // scores), binary (almkit's generic correctness judge). docs/eval.md gives each prompt's source.
  std::string protocol;
  std::vector<std::string> endpoints;
  std::string served_model;
  std::string api_key_env;
  int concurrency = 8;
  double timeout_seconds = 300.0;
  int max_retries = 4;
  uint64_t seed = 0;        // per-call sampling seeds derive from it (recorded)
  int samples = -1;         // judge calls per answer (-1: the protocol's, VoiceBench's n = 3)
  double temperature = -1;  // -1: the protocol's (VoiceBench: 0.5, top-p 0.95)
  int max_tokens = -1;      // -1: the protocol's (VoiceBench: 1024)
  bool quiet = false;
};
struct JudgeOutcome {
  int64_t answers = 0;       // answers judged
  int64_t calls = 0;         // judge calls in all
  int64_t reused = 0;        // found in the judge cache
  int64_t failed = 0;        // calls that got no answer (not cached; rerun to retry)
  std::string summary_json;  // RUNDIR/judge-<protocol>.json
};
ALMKIT_API JudgeOutcome judge_run(const JudgeOptions& options);

}  // namespace almkit::bench
