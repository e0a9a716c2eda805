// `almkit init-model`: a random-weight checkpoint folder in the hub layout with a real vocabulary.
#include <chrono>
#include <cstdio>

#include "commands.h"
#include "models/init_model.h"

namespace almkit::cli {
namespace {

void register_init_model(CLI::App& app) {
  auto options = std::make_shared<InitModelOptions>();
  auto* command = app.add_subcommand("init-model", "write a randomly initialised checkpoint folder");
  command->add_option("--arch", options->arch, "qwen2_audio, qwen2, llama, ultravox or whisper");
  command->add_option("--size", options->size, "small; qwen2_audio 7b; qwen2 0.5b; llama 1b; whisper base, large-v3");
  command->add_option("--tokenizer", options->tokenizer_dir,
                      "tokenizer.json folder (Qwen for qwen2_audio, Llama-3 for ultravox; optional for text LMs)");
  command->add_option("--seed", options->seed, "seed of the random weights");
  command->add_option("--dtype", options->dtype, "F32 or BF16 weights");
  command->add_option("-o,--output", options->output_dir, "output folder")->required();
  command->callback([options] {
    const auto start = std::chrono::steady_clock::now();
    const int64_t parameters = init_model(*options);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("wrote %s: %s %s, %.1fM parameters (random weights, seed %llu) in %.1f s\n",
                options->output_dir.c_str(), options->arch.c_str(), options->size.c_str(), parameters / 1e6,
                static_cast<unsigned long long>(options->seed), seconds);
  });
}

ALMKIT_REGISTER_COMMAND(register_init_model);

}  // namespace
}  // namespace almkit::cli
