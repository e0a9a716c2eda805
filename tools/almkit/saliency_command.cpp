// `almkit saliency`: the gradient of a target answer's log-probability with respect to the input
// features (and the waveform with --waveform), saved as safetensors next to the features.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "almkit/error.h"
#include "almkit/model.h"
#include "almkit/research.h"
#include "almkit/tokenizer.h"
#include "commands.h"
#include "research_cli.h"

namespace almkit::cli {
namespace {

struct SaliencyArgs {
  std::string model, prompt, prompt_ids, target, target_ids, output;
  std::vector<std::string> audio;
  bool raw = false, waveform = false;
  ModelOptions model_options;
};

void run(const SaliencyArgs& args) {
  const auto model = Model::load(args.model, args.model_options);
  const Request request =
      research_request(*model, args.audio, args.prompt, args.prompt_ids, args.raw);
  std::vector<int32_t> target;
  if (!args.target_ids.empty()) {
    for (int id : parse_int_list(args.target_ids, "--target-ids")) target.push_back(id);
  } else {
    target = model->tokenizer().encode(args.target, /*add_special_tokens=*/false);
  }
  const research::Saliency saliency = research::saliency(*model, request, target, args.waveform);
  research::save_arrays(
      args.output, research::saliency_arrays(saliency),
      {{"model", args.model}, {"prompt", request.prompt}, {"target", args.target}});
  // the most salient 10 ms frames of the first clip: |gradient| summed over mel bins
  const int64_t bins = saliency.feature_shape[1], frames = saliency.feature_shape[2];
  std::vector<std::pair<double, int64_t>> by_frame;
  for (int64_t f = 0; f < frames; ++f) {
    double total = 0.0;
    for (int64_t b = 0; b < bins; ++b)
      total += std::fabs(saliency.feature_gradient[b * frames + f]);
    by_frame.push_back({total, f});
  }
  std::partial_sort(by_frame.begin(), by_frame.begin() + std::min<int64_t>(5, frames),
                    by_frame.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  std::fprintf(stderr, "log P(target) = %.4f over %zu tokens; most salient frames:",
               saliency.target_logprob_sum, target.size());
  for (int64_t i = 0; i < std::min<int64_t>(5, frames); ++i) {
    std::fprintf(stderr, " %.2fs", by_frame[i].second * 0.01);
  }
  std::fprintf(stderr, "\nwrote %s\n", args.output.c_str());
}

void register_saliency(CLI::App& app) {
  auto args = std::make_shared<SaliencyArgs>();
  auto* command = app.add_subcommand(
      "saliency", "gradient of a target answer's log-probability w.r.t. the audio");
  command->add_option("--model", args->model, "HF checkpoint folder")->required();
  command->add_option("--audio", args->audio, "audio file (repeat for several clips)")->required();
  command->add_option("--prompt", args->prompt,
                      "the question; wrapped in the chat template unless --raw");
  command->add_option("--prompt-ids", args->prompt_ids, "prompt as space-separated token ids");
  command->add_flag("--raw", args->raw, "use --prompt as is, without the chat template");
  command->add_option("--target", args->target,
                      "the answer whose log-probability is differentiated");
  command->add_option("--target-ids", args->target_ids, "the answer as comma-separated token ids");
  command->add_flag("--waveform", args->waveform,
                    "also the gradient w.r.t. the samples (Whisper log-mel)");
  command->add_option("-o,--output", args->output, "output .safetensors")->required();
  command->add_option("--threads", args->model_options.num_threads,
                      "intra-op threads (0 = libtorch default)");
  command->callback([args] {
    if (args->target.empty() && args->target_ids.empty())
      throw Error(ErrorCode::kInvalidArgument, "give --target or --target-ids");
    run(*args);
  });
}

ALMKIT_REGISTER_COMMAND(register_saliency);

}  // namespace
}  // namespace almkit::cli
