// Writes a randomly initialised checkpoint folder in the real Hugging Face layout (config.json,
// model.safetensors, tokenizer files, chat template, preprocessor config) so that every command
// taking --model can run end to end where no pretrained weights can be downloaded.
#pragma once

#include <cstdint>
#include <string>

namespace almkit {

struct InitModelOptions {
  std::string arch = "qwen2_audio";  // the only architecture with a recipe so far
  std::string size = "small";        // "small" (seconds to write, ~40 MB) or "7b" (Qwen2-Audio-7B shapes)
  std::string tokenizer_dir;         // folder with tokenizer.json + tokenizer_config.json (Qwen)
  std::string output_dir;
  uint64_t seed = 0;
  std::string dtype = "F32";         // weights dtype in the file: F32 or BF16
};

// Returns the number of parameters written.
int64_t init_model(const InitModelOptions& options);

}  // namespace almkit
