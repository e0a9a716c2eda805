// `almkit attack`: projected gradient descent on one clip (features under an L-inf budget, or the
// waveform under L-inf / SNR budgets) against a reference answer; writes the perturbed WAV
// (waveform) or features (safetensors) and reports the answer's log-probability and the greedy
// answer before and after. With --data: the same over a multiple-choice set (attack_dataset.h).
#include <cmath>
#include <cstdio>

#include "almkit/audio.h"
#include "almkit/error.h"
#include "almkit/model.h"
#include "almkit/research.h"
#include "almkit/tokenizer.h"
#include "attack_dataset.h"
#include "commands.h"
#include "research_cli.h"

namespace almkit::cli {
namespace {

struct AttackArgs {
  std::string model, prompt, prompt_ids, target, target_ids, output;
  std::vector<std::string> audio;
  bool raw = false;
  int max_new_tokens = 16;
  research::AttackOptions attack;
  ModelOptions model_options;
  DatasetAttackArgs dataset;  // --data
};

void run(AttackArgs& args) {
  const auto model = Model::load(args.model, args.model_options);
  if (!args.dataset.data.empty()) {
    if (!args.audio.empty()) throw Error(ErrorCode::kInvalidArgument, "attack: give --audio or --data, not both");
    args.dataset.attack = args.attack;
    args.dataset.output_dir = args.output;
    run_dataset_attack(*model, args.model, args.dataset);
    return;
  }
  if (args.audio.empty()) throw Error(ErrorCode::kInvalidArgument, "attack: --audio (one clip) or --data (a set) is required");
  Request request = research_request(*model, args.audio, args.prompt, args.prompt_ids, args.raw);
  GenerateOptions greedy;
  greedy.max_new_tokens = args.max_new_tokens;
  const GenerateResult before = model->generate(request, greedy);
  std::vector<int32_t> target;
  if (!args.target_ids.empty()) {
    for (int id : parse_int_list(args.target_ids, "--target-ids")) target.push_back(id);
  } else if (!args.target.empty()) {
    target = model->tokenizer().encode(args.target, /*add_special_tokens=*/false);
  } else {
    target = before.tokens;  // untargeted against the model's own answer
  }
  const research::AttackResult result = research::attack(*model, request, target, args.attack);
  std::fprintf(stderr, "log P(target): %.4f -> %.4f (%d steps)\n", result.clean_logprob,
               result.attacked_logprob, args.attack.steps);
  std::printf("before: %s\n", before.text.c_str());
  if (args.attack.waveform) {
    write_wav(args.output, result.perturbed_audio.at(0), WavEncoding::kFloat32);
    double signal = 0.0, noise = 0.0;
    const AudioBuffer original = request.audio.at(0);
    for (size_t i = 0; i < result.perturbed_audio[0].samples.size() && i < original.samples.size();
         ++i) {
      signal += original.samples[i] * original.samples[i];
      const double d = result.perturbed_audio[0].samples[i] - original.samples[i];
      noise += d * d;
    }
    std::fprintf(stderr, "perturbation SNR %.1f dB\n",
                 10.0 * std::log10(signal / std::max(noise, 1e-30)));
    request.audio = result.perturbed_audio;
    std::printf("after:  %s\n", model->generate(request, greedy).text.c_str());
  } else {
    research::save_arrays(args.output,
                          {{"input_features", result.feature_shape, result.perturbed_features, {}}},
                          {{"model", args.model}, {"target", args.target}});
  }
  std::fprintf(stderr, "wrote %s\n", args.output.c_str());
}

void register_attack(CLI::App& app) {
  auto args = std::make_shared<AttackArgs>();
  auto* command =
      app.add_subcommand("attack", "projected gradient attack on a clip (features or waveform)");
  command->add_option("--model", args->model, "HF checkpoint folder")->required();
  command->add_option("--audio", args->audio, "audio file");
  command->add_option("--data", args->dataset.data,
                      "multiple-choice set: attack every item (--waveform), accuracy before / after into -o DIR");
  command->add_option("--bench", args->dataset.bench, "--data's format: jsonl (default), mmau, mmar, star");
  command->add_option("--audio-root", args->dataset.audio_root, "folder --data's relative audio paths start from");
  command->add_option("--limit", args->dataset.limit, "--data: first N items only");
  command->add_option("--prompt", args->prompt,
                      "the question; wrapped in the chat template unless --raw");
  command->add_option("--prompt-ids", args->prompt_ids, "prompt as space-separated token ids");
  command->add_flag("--raw", args->raw, "use --prompt as is, without the chat template");
  command->add_option("--target", args->target,
                      "answer whose log-probability is attacked (default: the model's own)");
  command->add_option("--target-ids", args->target_ids, "the answer as comma-separated token ids");
  command->add_flag("--targeted", args->attack.targeted,
                    "raise log P(target) instead of lowering it");
  command->add_flag("--waveform", args->attack.waveform,
                    "perturb the samples (writes a WAV) instead of the features");
  command->add_option("--epsilon", args->attack.epsilon,
                      "L-infinity budget (feature or sample units)");
  command->add_option("--snr", args->attack.snr_db, "waveform: SNR budget in dB");
  command->add_option("--steps", args->attack.steps, "PGD steps (10)");
  command->add_option("--step-size", args->attack.step_size, "step (default 2.5 x budget / steps)");
  command->add_option("--seed", args->attack.seed,
                      "random start inside the budget (0: clean start)");
  command->add_option("--max-new-tokens", args->max_new_tokens, "length of the answers shown (16)");
  command->add_option("-o,--output", args->output,
                      "perturbed .wav (--waveform) or .safetensors; with --data a folder")
      ->required();
  command->add_option("--threads", args->model_options.num_threads,
                      "intra-op threads (0 = libtorch default)");
  command->callback([args] { run(*args); });
}

ALMKIT_REGISTER_COMMAND(register_attack);

}  // namespace
}  // namespace almkit::cli
