// An audio-language model loaded from a Hugging Face checkpoint folder (config.json,
// *.safetensors, tokenizer files), ready to generate text from audio + text and to score
// answer options by log-likelihood. No torch types cross this header.
//
//   auto model = almkit::Model::load("Qwen2-Audio-7B-Instruct");
//   almkit::Request request;
//   request.prompt = model->chat_prompt(R"([{"role": "user", "content": [
//       {"type": "audio"}, {"type": "text", "text": "What is the sound?"}]}])", true);
//   request.audio = {almkit::load_audio("dog.wav")};
//   std::string answer = model->generate(request, {}).text;
//
// A Model is immutable after load(): generate() and score() may run concurrently from several
// threads (each call has its own KV cache).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "almkit/audio.h"
#include "almkit/error.h"
#include "almkit/export.h"

namespace almkit {

class Tokenizer;

struct ModelOptions {
  std::string device = "cpu";     // any libtorch device string: "cpu", "cuda", "cuda:1"
  std::string dtype = "float32";  // "float32", "bfloat16" or "int8" (int8 Linear weights, float32 compute)
  // This model's intra-op threads, applied on the calling thread during each of its calls and
  // restored after (loading changes no process-wide count); 0 leaves the calling thread's.
  int num_threads = 0;
  bool load_tokenizer = true;     // false: token-id API only (e.g. folders without tokenizer)
  // Encoded clips kept for reuse when the same clip comes again (benchmark presentations);
  // 0 turns the cache off. Requests with layer hooks always run the encoder.
  int audio_cache_clips = 16;
};

// What a layer hook sees after each transformer layer (encoder or decoder stack).
struct LayerState {
  std::string stack;            // "encoder" or "decoder"
  int layer = 0;
  std::vector<int64_t> shape;   // [batch, positions, hidden]
  float* hidden = nullptr;      // the layer's output; changes are written back into the model
  std::vector<int64_t> attention_shape;  // [batch, heads, queries, keys] when asked for
  const float* attention = nullptr;      // the layer's attention weights, or null
};

// Research interventions without forking model code: steering vectors, ablations, attention-sink
// statistics. The hidden state is copied out to float32 and back, so hooks cost time.
struct LayerHooks {
  std::function<void(LayerState&)> callback;
  bool want_attention = false;
};

struct TokenLogprob {
  int32_t id = 0;
  double logprob = 0.0;
};

// A generated token as the model saw it at its step (GenerateOptions::on_logprobs).
struct StepLogprobs {
  int32_t token = 0;
  double logprob = 0.0;  // of `token`, under the model's distribution before sampling settings
  int64_t rank = 0;      // 1 + the number of tokens more likely than `token` (1: greedy)
  std::vector<TokenLogprob> top;  // the GenerateOptions::logprobs most likely, most likely first
};

struct GenerateOptions {
  int max_new_tokens = 64;
  double temperature = 0.0;  // 0: greedy; > 0: sampling with top_k / top_p
  int top_k = 0;             // 0: off
  double top_p = 1.0;        // 1: off
  uint64_t seed = 0;         // sampling is reproducible for a given seed
  std::vector<int32_t> stop_token_ids;  // in addition to the checkpoint's eos ids
  // Stop ids (eos included) are suppressed until this many new tokens exist, as transformers'
  // min_new_tokens; a cancel from on_token still ends earlier.
  int min_new_tokens = 0;
  // Called for every generated token with the text it adds (may be "" inside a multi-byte
  // character); return false to stop (cancel). `row` is the request's index in a batch.
  std::function<bool(size_t row, int32_t token, const std::string& piece)> on_token;
  // With logprobs >= 0, called before on_token for every generated token with its
  // log-probability, rank and `logprobs` alternatives at its step (the model's own distribution:
  // before temperature, top-k / top-p and min_new_tokens), as OpenAI's streamed logprobs.
  int logprobs = -1;
  std::function<void(size_t row, const StepLogprobs& step)> on_logprobs;
  LayerHooks hooks;  // called in every forward pass (prefill and each decode step)
};

// What to run: a prompt as text (already through the chat template) or as ids, plus the audio
// clips its placeholders refer to, in order.
struct Request {
  std::string prompt;
  std::vector<int32_t> prompt_ids;  // used when `prompt` is empty
  std::vector<AudioBuffer> audio;
};

struct GenerateResult {
  std::string text;             // decoded without special tokens
  std::vector<int32_t> tokens;  // new tokens, stop token included
  std::string stop_reason;      // "stop" (eos / stop id), "length" or "cancelled"
  int64_t prompt_tokens = 0;    // decoder positions of the prompt (audio frames included)
  // Set when generate_batch refused this request alone (its prompt, audio, placeholders or
  // length); the batch's other requests ran without it. generate() throws it instead.
  std::optional<Error> error;
};

struct OptionScore {
  double sum_logprob = 0.0;   // log P(continuation | prompt, audio), summed over its tokens
  double mean_logprob = 0.0;  // the same divided by its token count
  int64_t tokens = 0;
  std::vector<double> token_logprobs;  // log P of each token given everything before it
  // When score_ids is asked for top_logprobs: per token, the most likely tokens at its
  // position (what it was chosen against), most likely first, and the token's own rank there
  // (1 + the number of tokens more likely than it; 1 for a greedy choice), as vLLM reports it.
  std::vector<std::vector<TokenLogprob>> top_logprobs;
  std::vector<int64_t> token_ranks;
};

class ALMKIT_API Model {
 public:
  // Throws Error naming the file / tensor / field at fault (see error.h).
  static std::unique_ptr<Model> load(const std::string& folder, const ModelOptions& options = {});
  ~Model();
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  const std::string& folder() const;
  const std::string& model_type() const;  // config.json's model_type
  bool accepts_audio() const;
  int audio_sampling_rate() const;        // rate clips are resampled to (16000)
  double max_audio_seconds() const;       // the encoder window (30 s); longer clips are refused
  int64_t max_positions() const;          // decoder context length
  int64_t audio_token_id() const;         // the prompt's audio placeholder id; -1 if none
  bool has_tokenizer() const;
  const Tokenizer& tokenizer() const;     // throws kNotFound when the folder has none

  // The checkpoint's chat template applied to `messages_json` (a JSON array of messages, or an
  // object with "messages"). Content parts {"type": "audio"} become the model's audio
  // placeholder, as its processor would write them.
  std::string chat_prompt(const std::string& messages_json, bool add_generation_prompt) const;

  GenerateResult generate(const Request& request, const GenerateOptions& options) const;
  // Several requests in one batch (prompts left-padded, clips encoded together). Each request's
  // audio placeholders take its own clips; a request that is refused gets `error` in its result
  // and does not change the others' answers.
  std::vector<GenerateResult> generate_batch(const std::vector<Request>& requests,
                                             const GenerateOptions& options) const;
  // Log-likelihood of each continuation text (tokenized without special tokens) after the
  // request's prompt and audio; the prompt is encoded once and its KV cache shared.
  std::vector<OptionScore> score(const Request& request, const std::vector<std::string>& continuations,
                                 const LayerHooks& hooks = {}) const;
  // top_logprobs > 0 also reports that many alternatives per token (OptionScore::top_logprobs).
  std::vector<OptionScore> score_ids(const Request& request,
                                     const std::vector<std::vector<int32_t>>& continuations,
                                     const LayerHooks& hooks = {}, int top_logprobs = 0) const;

 private:
  struct Impl;
  friend struct ModelAccess;  // the library's own tools (src/runtime/model_access.h: research)
  explicit Model(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace almkit
