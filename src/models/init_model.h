// Writes a randomly initialised checkpoint folder in the real Hugging Face layout (config.json,
// model.safetensors, tokenizer files, chat template, preprocessor config) so that every command
// taking --model can run end to end where no pretrained weights can be downloaded.
#pragma once

#include <cstdint>
#include <string>

namespace almkit {

struct InitModelOptions {
  std::string arch = "qwen2_audio";  // a model_type with an init recipe (models/registry.h)
  std::string size = "small";  // small, or a published shape: qwen2_audio 7b, qwen2 0.5b, llama 1b,
                               // whisper base / large-v3
  std::string tokenizer_dir;  // tokenizer.json folder: required by audio LMs (Qwen for qwen2_audio,
                              // Llama-3 for ultravox), optional for text LMs
  std::string output_dir;
  uint64_t seed = 0;
  std::string dtype = "F32";         // weights dtype in the file: F32 or BF16
};

// Returns the number of parameters written.
int64_t init_model(const InitModelOptions& options);

}  // namespace almkit
