// `almkit eval`: run a model on a benchmark into a run folder (resumable, shardable), and
// `almkit merge`: combine the shards of a run.
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "almkit/error.h"
#include "almkit/eval.h"
#include "commands.h"

namespace almkit::cli {
namespace {

struct EvalArgs {
  bench::EvalOptions options;
  std::string shard;
  bool no_silent_baseline = false;
};

// "K/N" (0-based K); empty: SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN / SLURM_ARRAY_TASK_COUNT.
void parse_shard(const std::string& text, bench::EvalOptions& options) {
  std::string spec = text;
  if (spec.empty()) {
    const char* id = std::getenv("SLURM_ARRAY_TASK_ID");
    const char* count = std::getenv("SLURM_ARRAY_TASK_COUNT");
    if (!id || !count) return;
    const char* minimum = std::getenv("SLURM_ARRAY_TASK_MIN");
    spec = std::to_string(std::atoi(id) - (minimum ? std::atoi(minimum) : 0)) + "/" + count;
  }
  const size_t slash = spec.find('/');
  try {
    if (slash == std::string::npos) throw std::invalid_argument("no slash");
    size_t used = 0;
    options.shard_index = std::stoi(spec.substr(0, slash), &used);
    if (used != slash) throw std::invalid_argument("trailing text");
    options.shard_count = std::stoi(spec.substr(slash + 1), &used);
    if (used != spec.size() - slash - 1) throw std::invalid_argument("trailing text");
  } catch (const std::exception&) {
    throw Error(ErrorCode::kInvalidArgument, "--shard '" + spec + "' should be K/N, e.g. 0/4");
  }
}

void print_outcome(const bench::EvalOutcome& outcome) {
  std::fprintf(stderr,
               "eval: %lld model calls (%lld from the cache, %lld run, %lld failed) in %.1f s\n",
               static_cast<long long>(outcome.units), static_cast<long long>(outcome.reused),
               static_cast<long long>(outcome.computed), static_cast<long long>(outcome.failed),
               outcome.seconds);
  if (outcome.unavailable > 0) {
    std::fprintf(stderr,
                 "eval: %lld of the failed calls got no answer from the servers (not scored); "
                 "run the same command again to retry only those\n",
                 static_cast<long long>(outcome.unavailable));
  }
  if (outcome.summary_json.empty()) return;
  const auto summary = nlohmann::json::parse(outcome.summary_json);
  // Runs of open items only (asr, ast, isa) have no multiple-choice headline.
  const bool multiple_choice =
      summary["items"].get<int64_t>() > 0 || !summary.contains("open_items");
  const auto& accuracy = summary["accuracy"];
  if (multiple_choice) {
    std::printf("%s: accuracy %.1f%% [%.1f, %.1f] over %lld items (%s mode)\n",
                summary["benchmark"].get<std::string>().c_str(),
                accuracy["accuracy"].get<double>() * 100, accuracy["ci95"][0].get<double>() * 100,
                accuracy["ci95"][1].get<double>() * 100,
                static_cast<long long>(summary["items"].get<int64_t>()),
                summary["mode"].get<std::string>().c_str());
  } else {
    std::printf("%s: %lld open items (%s mode)\n", summary["benchmark"].get<std::string>().c_str(),
                static_cast<long long>(summary["open_items"]["items"].get<int64_t>()),
                summary["mode"].get<std::string>().c_str());
  }
  if (summary.contains("open_items")) {  // open answers: the benchmark's metrics
    const auto& open = summary["open_items"];
    if (open.contains("wer") && open["wer"].is_object()) {
      std::printf("  open items: %lld, WER %.2f%%, CER %.2f%% (normaliser %s)\n",
                  static_cast<long long>(open["items"].get<int64_t>()),
                  open["wer"]["rate"].get<double>() * 100, open["cer"]["rate"].get<double>() * 100,
                  open.value("normalizer", "almkit transcript").c_str());
    } else if (open.contains("wer")) {
      std::printf("  open items: %lld, WER %.2f%%, CER %.2f%%\n",
                  static_cast<long long>(open["items"].get<int64_t>()),
                  open["wer"].get<double>() * 100, open["cer"].get<double>() * 100);
    }
    if (open.contains("sacrebleu")) {
      for (const auto& line : open["sacrebleu"])
        std::printf("  %s\n", line.get<std::string>().c_str());
    }
  }
  if (summary.contains("repeats")) {
    const auto& repeats = summary["repeats"];
    std::printf("  repeats %d: mean %.1f%% (sd %.1f), majority vote %.1f%%, consistency %.1f%%\n",
                repeats["k"].get<int>(), repeats["mean"].get<double>() * 100,
                repeats["sd"].is_null() ? 0.0 : repeats["sd"].get<double>() * 100,
                repeats["majority_vote"]["accuracy"].get<double>() * 100,
                repeats["consistency"].get<double>() * 100);
  }
  for (const auto& baseline : summary["baselines"]) {
    if (!multiple_choice) break;
    std::printf("  baseline %-38s %.1f%%\n", baseline["label"].get<std::string>().c_str(),
                baseline["accuracy"].get<double>() * 100);
  }
  for (const auto& warning : summary["warnings"])
    std::printf("warning: %s\n", warning.get<std::string>().c_str());
  if (summary.value("random_weights", false)) {
    std::printf(
        "note: the model's weights are random; its score is expected at the random baseline\n");
  }
  std::printf("report: %s/report.html\n", outcome.out_dir.c_str());
}

void run(EvalArgs& args) {
  parse_shard(args.shard, args.options);
  args.options.silent_baseline = !args.no_silent_baseline;
  const auto outcome = bench::run_eval(args.options);
  print_outcome(outcome);
  if (args.options.shard_count > 1) {
    std::printf("shard %d/%d done; when every shard has finished: almkit merge %s\n",
                args.options.shard_index, args.options.shard_count, outcome.out_dir.c_str());
  }
  // Failed model calls are in the report; the exit status tells scripts about them.
  if (outcome.failed > 0) std::exit(2);
}

// The OpenAI-compatible backend's options (docs/scale-out.md).
void add_remote_options(CLI::App& command, bench::EvalOptions& o) {
  command.add_option("--backend", o.backend, "local (--model in this process) or openai (servers)")
      ->check(CLI::IsMember({"local", "openai"}));
  command
      .add_option(
          "--endpoint", o.endpoints,
          "OpenAI-compatible base URL, repeatable (http://host:8000/v1; URL#N: N in flight)")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  command.add_option("--served-model", o.served_model, "the model name the servers serve");
  command.add_option("--api-key-env", o.api_key_env,
                     "environment variable holding the API key (sent as a Bearer token)");
  command.add_option("--concurrency", o.concurrency, "requests in flight per endpoint (8)");
  command.add_option("--timeout", o.timeout_seconds, "seconds per request (300)");
  command.add_option("--max-retries", o.max_retries,
                     "retries of a request after 429 / 5xx / timeouts / broken answers (4)");
  command.add_option("--retry-base", o.retry_base_seconds,
                     "backoff before retry r: base * 2^(r-1) seconds, half jitter (0.5)");
  command.add_option("--breaker-failures", o.breaker_failures,
                     "consecutive failures that set an endpoint aside (5)");
  command.add_option("--breaker-seconds", o.breaker_seconds, "how long it is set aside (30)");
  command
      .add_option("--loglik-api", o.loglik_api,
                  "loglik through chat (vLLM prompt_logprobs) or completions (echo logprobs)")
      ->check(CLI::IsMember({"chat", "completions"}));
  command.add_option("--tokenizer", o.tokenizer_dir,
                     "folder with the served model's tokenizer and chat template (completions)");
  command.add_option("--audio-rate", o.audio_sample_rate, "sample rate of the WAV sent (16000)");
  command.add_option("--stop", o.stop, "stop string sent with every request (repeatable)")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
}

void register_eval(CLI::App& app) {
  auto args = std::make_shared<EvalArgs>();
  auto& o = args->options;
  auto* command = app.add_subcommand(
      "eval", "run a model on a benchmark (resumable; results, summary and reports in --out)");
  command->add_option("--model", o.model_dir, "HF checkpoint folder (the local backend)");
  command->add_option("--bench", o.bench, bench::registered_benchmarks_text())->required();
  command->add_option("--data", o.data_path, "benchmark file (not needed for muse)");
  command->add_option("--audio-root", o.audio_root,
                      "folder relative audio paths start from (default: the data file's folder)");
  command->add_option("--out", o.out_dir, "run folder")->required();
  command->add_option("--limit", o.limit, "first N items only");
  command->add_option("--shard", args->shard,
                      "K/N: run items i with i % N == K (default from SLURM_ARRAY_TASK_ID/COUNT)");
  command->add_option("--threads", o.threads, "compute threads (0 = all cores)");
  command->add_option("--batch", o.batch, "items in flight at once (answers never depend on it)");
  command->add_option("--mode", o.mode, "generate (parse free text) or loglik (score each choice)")
      ->check(CLI::IsMember({"generate", "loglik"}));
  command->add_option("--permutations", o.permutations,
                      "presentations of the choices per item (cyclic shifts, then shuffles)");
  command->add_option("--seed", o.seed, "seed for shuffles, the random baseline and sampling");
  command->add_option("--max-new-tokens", o.max_new_tokens, "tokens to generate per answer (64)");
  command->add_option("--temperature", o.temperature, "0 = greedy (default)");
  command->add_option("--top-k", o.top_k, "sample from the k best (0 = off)");
  command->add_option("--top-p", o.top_p, "nucleus sampling mass (1 = off)");
  command->add_option("--prompt-template", o.prompt_template_path,
                      "template file ({question}, {choices_lettered}, ... see docs/eval.md)");
  command->add_flag("--no-silent-baseline", args->no_silent_baseline,
                    "skip the silent-audio baseline (halves the model calls)");
  command->add_option("--dtype", o.dtype, "float32, bfloat16 or int8 (int8 Linear weights)");
  command->add_option("--device", o.device, "cpu, cuda, cuda:1 ...");
  command->add_flag("--quiet", o.quiet, "no live progress line (a log line every 10%)");
  command
      ->add_option("--protocol", o.protocol,
                   "MUSE's official protocol: muse-sysinst or muse-cot (--bench muse only)")
      ->check(CLI::IsMember({"muse-sysinst", "muse-cot"}));
  command->add_option("--seeds", o.seeds, "--protocol: shuffled sequences per group (3)");
  command->add_option("--normalizer", o.normalizer,
                      "asr: text normaliser for WER/CER (whisper-en default, none, whisper-basic, "
                      "whisper-basic-diacritics)");
  command->add_option("--repeats", o.repeats,
                      "ask each item K times with recorded seeds (needs --temperature > 0): "
                      "mean, sd, majority vote, consistency");
  command->add_option("--system-prompt", o.system_prompt, "a system turn before every question");
  command
      ->add_option("--modality", o.modality,
                   "audio, or text: items with a transcript are asked with it instead")
      ->check(CLI::IsMember({"audio", "text"}));
  command
      ->add_option("--long-audio", o.long_audio,
                   "clips past the audio window: windows, truncate or refuse (default: "
                   "windows locally, whole clips to a server)")
      ->check(CLI::IsMember({"windows", "truncate", "refuse"}));
  command->add_option("--max-audio-seconds", o.max_audio_seconds,
                      "--long-audio's window (default: the model's; 30 for a server)");
  command->add_option("--bleu-tokenize", o.bleu_tokenize,
                      "ast: sacreBLEU tokenizer (13a default, zh, intl, none)");
  command->add_option("--steer", o.steer_path,
                      "steering vector (almkit steer build) added after its layer in every model call");
  command->add_option("--alpha", o.steer_alpha, "scale of --steer (1)");
  command->add_option("--steer-positions", o.steer_positions, "all (default) or last");
  add_remote_options(*command, o);
  command->callback([args, command] {
    auto& options = args->options;
    if (!options.protocol.empty()) {
      // The MUSE runners' sampling and length, unless given on the command line.
      if (!command->count("--temperature")) options.temperature = 1.0;
      if (!command->count("--top-p")) options.top_p = 0.95;
      if (!command->count("--top-k")) options.top_k = 40;
      if (!command->count("--max-new-tokens")) options.max_new_tokens = 8192;
    }
    run(*args);
  });

  auto merge = std::make_shared<bench::MergeOptions>();
  auto* merge_command = app.add_subcommand(
      "merge", "combine the shard caches of a run and write its results and reports");
  merge_command->add_option("run_dirs", merge->run_dirs, "run folders holding the shards")
      ->required();
  merge_command->add_option("--out", merge->out_dir,
                            "merged run folder (default: the first run folder)");
  merge_command->callback([merge] {
    const auto outcome = bench::merge_runs(*merge);
    print_outcome(outcome);
    if (!outcome.complete) {
      std::printf("warning: the run is incomplete (see summary.json: missing_units)\n");
      std::exit(2);
    }
  });
}

ALMKIT_REGISTER_COMMAND(register_eval);

}  // namespace
}  // namespace almkit::cli
