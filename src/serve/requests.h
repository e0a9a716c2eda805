// OpenAI request bodies turned into what the engine runs. Parsing validates every field it reads
// (type, range, supported values) and throws ApiError naming the field; nothing here touches the
// model except through ModelInfo, so these functions are tested without loading one.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "almkit/audio.h"
#include "serve/audio_parts.h"

namespace almkit::serve {

// What parsing needs to know about the loaded model.
struct ModelInfo {
  std::string served_name;  // the id /v1/models lists
  bool accepts_audio = false;
  AudioLimits audio;
  int default_max_tokens = 128;
  int64_t max_positions = 0;
};

struct Sampling {
  int max_tokens = 0;        // new tokens (0 only for completions with echo: score the prompt)
  double temperature = 1.0;  // OpenAI's default; 0 is greedy
  double top_p = 1.0;
  int top_k = 0;  // extension (vLLM's name); 0 or -1 is off
  uint64_t seed = 0;
  std::vector<std::string> stop;  // generation ends before the first of these strings
  int min_tokens = 0;             // vLLM extension: stop ids suppressed before this many tokens
};

struct ChatRequest {
  std::string model;
  // The messages as the chat template expects them: audio parts become {"type": "audio"} in the
  // order of `audio`.
  std::string messages_json;
  std::vector<AudioBuffer> audio;
  Sampling sampling;
  bool stream = false;
  bool include_usage = false;  // stream_options.include_usage
  // OpenAI's log-probabilities of the answer's tokens (`logprobs`: true), with top_logprobs
  // (0..20) alternatives each; null when not asked.
  std::optional<int> top_logprobs;
  // vLLM's extensions for scoring a conversation: the log-probability of every prompt token
  // with prompt_logprobs (0..20) alternatives, and the last assistant turn left open.
  std::optional<int> prompt_logprobs;
  bool add_generation_prompt = true;
  bool continue_final_message = false;
};

struct CompletionRequest {
  std::string model;
  std::string prompt;  // text, or empty when given as token ids
  std::vector<int32_t> prompt_ids;
  Sampling sampling;
  bool echo = false;
  std::optional<int> logprobs;  // null: none; 0..5 asked
  bool stream = false;
};

ChatRequest parse_chat_request(const std::string& body, const ModelInfo& model);
CompletionRequest parse_completion_request(const std::string& body, const ModelInfo& model);

// 404 when a request names a model this server does not serve (empty names are accepted).
void check_model_name(const std::string& requested, const ModelInfo& model);

}  // namespace almkit::serve
