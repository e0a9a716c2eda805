// `almkit judge RUNDIR --protocol P --endpoint URL --served-model NAME`: an LLM judge of a finished
// run's answers, through the eval's OpenAI-compatible backend, cached and resumable.
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "almkit/eval.h"
#include "commands.h"

namespace almkit::cli {
namespace {

void register_judge(CLI::App& app) {
  auto o = std::make_shared<bench::JudgeOptions>();
  auto* command = app.add_subcommand(
      "judge", "judge a run's answers with an OpenAI-compatible model (cached, resumable)");
  command->add_option("run_dir", o->run_dir, "finished run folder")->required();
  command->add_option("--protocol", o->protocol,
                      "voicebench-open, voicebench-qa, air-bench-chat, air-bench-chat-swapped, "
                      "sakura, big-bench-audio, mmau, mmau-pro-open or binary")
      ->required();
  command->add_option("--endpoint", o->endpoints, "judge server base URL (repeatable)")
      ->required()
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  command->add_option("--served-model", o->served_model, "the judge model's name")->required();
  command->add_option("--api-key-env", o->api_key_env, "variable holding the API key");
  command->add_option("--concurrency", o->concurrency, "requests in flight per endpoint (8)");
  command->add_option("--timeout", o->timeout_seconds, "seconds per request (300)");
  command->add_option("--max-retries", o->max_retries, "retries per request (4)");
  command->add_option("--seed", o->seed, "seed of the judge calls' sampling seeds (0)");
  command->add_option("--samples", o->samples, "judge calls per answer (the protocol's)");
  command->add_option("--temperature", o->temperature, "judge temperature (the protocol's)");
  command->add_option("--max-tokens", o->max_tokens, "judge reply length (the protocol's)");
  command->callback([o] {
    const auto outcome = bench::judge_run(*o);
    std::fprintf(stderr, "judge: %lld answers, %lld calls (%lld from the cache, %lld failed)\n",
                 static_cast<long long>(outcome.answers), static_cast<long long>(outcome.calls),
                 static_cast<long long>(outcome.reused), static_cast<long long>(outcome.failed));
    std::printf("%s", outcome.summary_json.c_str());
    if (outcome.failed > 0) std::exit(2);
  });
}

ALMKIT_REGISTER_COMMAND(register_judge);

}  // namespace
}  // namespace almkit::cli
