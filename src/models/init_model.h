// Writes a randomly initialised checkpoint folder in the real Hugging Face layout (config.json,
// model.safetensors, tokenizer files, chat template, preprocessor config) so that every command
// taking --model can run end to end where no pretrained weights can be downloaded.
#pragma once

#include <cstdint>
#include <string>

namespace almkit {

struct InitModelOptions {
  std::string arch = "qwen2_audio";  // qwen2_audio, qwen2 or whisper
  std::string size = "small";  // small; qwen2_audio: 7b; qwen2: 0.5b; whisper: base, large-v3
  // (the hub configs of Qwen2-Audio-7B, Qwen2-0.5B-Instruct, whisper-base, whisper-large-v3)
  std::string tokenizer_dir;  // Qwen tokenizer.json folder: required for qwen2_audio, optional for qwen2
  std::string output_dir;
  uint64_t seed = 0;
  std::string dtype = "F32";         // weights dtype in the file: F32 or BF16
};

// Returns the number of parameters written.
int64_t init_model(const InitModelOptions& options);

}  // namespace almkit
