// almkit.h: tokenizers, models (load, chat prompt), generation with a per-token callback and a
// cancel flag, and log-likelihood scoring of answer options.
#include <algorithm>
#include <limits>

#include "almkit/chat_template.h"
#include "capi/capi_internal.h"

using almkit::capi::fail;
using almkit::capi::guarded;
using almkit::capi::write_text;

almkit_status almkit::capi::to_request(const char* fn, const almkit_request* given, almkit::Request& out) {
  if (given == nullptr) return almkit::capi::null_argument(fn, "request");
  const almkit_request copy = almkit::capi::read_struct("request", given, almkit_request_init());
  const almkit_request* request = &copy;
  if (request->prompt != nullptr) out.prompt = request->prompt;
  if (request->num_prompt_ids > 0) {
    if (request->prompt_ids == nullptr)
      return almkit::capi::null_argument(fn, "request->prompt_ids (with num_prompt_ids > 0)");
    out.prompt_ids.assign(request->prompt_ids, request->prompt_ids + request->num_prompt_ids);
  }
  if (request->num_audio > 0 && request->audio == nullptr) {
    return almkit::capi::null_argument(fn, "request->audio (with num_audio > 0)");
  }
  for (size_t i = 0; i < request->num_audio; ++i) {
    if (request->audio[i] == nullptr) {
      return almkit::capi::null_argument(fn, ("request->audio[" + std::to_string(i) + "]").c_str());
    }
    out.audio.push_back(request->audio[i]->buffer);
  }
  return ALMKIT_OK;
}

namespace {

using almkit::capi::to_request;

bool cancel_requested(const int32_t* flag) {
  return flag != nullptr && __atomic_load_n(flag, __ATOMIC_ACQUIRE) != 0;
}

almkit_stop_reason to_stop_reason(const std::string& reason) {
  if (reason == "cancelled") return ALMKIT_STOP_CANCELLED;
  if (reason == "length") return ALMKIT_STOP_LENGTH;
  return ALMKIT_STOP_EOS;
}

// The element size of a caller's almkit_option_score array (scores[0].struct_size), checked
// before any model work.
almkit_status score_stride(const char* fn, const almkit_option_score* scores, size_t& stride) {
  stride = scores->struct_size;
  if (stride < sizeof(size_t)) {
    return fail(ALMKIT_ERR_INVALID_ARGUMENT, fn,
                "scores[0].struct_size is " + std::to_string(stride) +
                    ": set it to sizeof(almkit_option_score)");
  }
  return ALMKIT_OK;
}

// Writes each score into its element of `stride` bytes, never past it (a caller built against
// an older header gets the fields it knows).
almkit_status copy_scores(const std::vector<almkit::OptionScore>& result,
                          almkit_option_score* scores, size_t stride) {
  auto* bytes = reinterpret_cast<unsigned char*>(scores);
  for (size_t i = 0; i < result.size(); ++i) {
    almkit_option_score value{};
    value.struct_size = stride;
    value.sum_logprob = result[i].sum_logprob;
    value.mean_logprob = result[i].mean_logprob;
    value.num_tokens = result[i].tokens;
    std::memcpy(bytes + i * stride, &value, std::min(stride, sizeof value));
  }
  return ALMKIT_OK;
}

}  // namespace

extern "C" {

almkit_request almkit_request_init(void) {
  almkit_request request{};
  request.struct_size = sizeof request;
  return request;
}

/* ---- Tokenizer ---- */

almkit_tokenize_params almkit_tokenize_default_params(void) {
  almkit_tokenize_params p{};
  p.struct_size = sizeof p;
  p.add_special_tokens = false;
  return p;
}

almkit_detokenize_params almkit_detokenize_default_params(void) {
  almkit_detokenize_params p{};
  p.struct_size = sizeof p;
  p.skip_special_tokens = true;
  p.clean_up_spaces = false;
  return p;
}

almkit_status almkit_tokenizer_load(const char* folder, almkit_tokenizer** out) {
  const char* const fn = __func__;
  return guarded(fn, [&] {
    ALMKIT_CAPI_REQUIRE(fn, out);
    *out = nullptr;
    ALMKIT_CAPI_REQUIRE(fn, folder);
    auto handle = std::make_unique<almkit_tokenizer>();
    handle->owned = almkit::Tokenizer::from_folder(folder);
    handle->tokenizer = handle->owned.get();
    *out = handle.release();
    return ALMKIT_OK;
  });
}

almkit_status almkit_tokenize(const almkit_tokenizer* tokenizer, const char* text,
                              const almkit_tokenize_params* params, int32_t* ids, size_t capacity,
                              size_t* num_ids) {
  const char* const fn = __func__;
  return guarded(fn, [&] {
    ALMKIT_CAPI_REQUIRE(fn, num_ids);
    *num_ids = 0;
    ALMKIT_CAPI_REQUIRE(fn, tokenizer);
    ALMKIT_CAPI_REQUIRE(fn, text);
    if (ids == nullptr && capacity > 0)
      return almkit::capi::null_argument(fn, "ids (with capacity > 0)");
    const almkit_tokenize_params p =
        almkit::capi::read_struct("params", params, almkit_tokenize_default_params());
    const std::vector<int32_t> result = tokenizer->tokenizer->encode(text, p.add_special_tokens);
    *num_ids = result.size();
    if (ids == nullptr) return ALMKIT_OK;  // size query
    if (capacity < result.size()) {
      return fail(ALMKIT_ERR_BUFFER_TOO_SMALL, fn,
                  "the text has " + std::to_string(result.size()) + " tokens; capacity is " +
                      std::to_string(capacity));
    }
    std::copy(result.begin(), result.end(), ids);
    return ALMKIT_OK;
  });
}

almkit_status almkit_detokenize(const almkit_tokenizer* tokenizer, const int32_t* ids,
                                size_t num_ids, const almkit_detokenize_params* params, char* text,
                                size_t capacity, size_t* length) {
  const char* const fn = __func__;
  return guarded(fn, [&] {
    ALMKIT_CAPI_REQUIRE(fn, length);
    *length = 0;
    ALMKIT_CAPI_REQUIRE(fn, tokenizer);
    if (ids == nullptr && num_ids > 0)
      return almkit::capi::null_argument(fn, "ids (with num_ids > 0)");
    const almkit_detokenize_params p =
        almkit::capi::read_struct("params", params, almkit_detokenize_default_params());
    const std::vector<int32_t> input(ids, ids + num_ids);
    const std::string result =
        p.clean_up_spaces ? tokenizer->tokenizer->decode_for_display(input, p.skip_special_tokens)
                          : tokenizer->tokenizer->decode(input, p.skip_special_tokens);
    return write_text(fn, result, text, capacity, length);
  });
}

int32_t almkit_tokenizer_vocab_size(const almkit_tokenizer* tokenizer) {
  if (tokenizer == nullptr) return 0;
  try {
    return tokenizer->tokenizer->vocab_size();
  } catch (...) {
    return 0;
  }
}

int32_t almkit_tokenizer_token_to_id(const almkit_tokenizer* tokenizer, const char* token) {
  if (tokenizer == nullptr || token == nullptr) return -1;
  try {
    const std::optional<int32_t> id = tokenizer->tokenizer->token_to_id(token);
    return id ? *id : -1;
  } catch (...) {
    return -1;
  }
}

void almkit_tokenizer_free(almkit_tokenizer* tokenizer) {
  if (tokenizer != nullptr && tokenizer->owned) delete tokenizer;  // a model's view is not ours
}

/* ---- Model ---- */

almkit_model_params almkit_model_default_params(void) {
  almkit_model_params p{};
  p.struct_size = sizeof p;
  p.device = "cpu";
  p.dtype = "float32";
  p.num_threads = 0;
  p.load_tokenizer = true;
  return p;
}

almkit_status almkit_model_load(const char* folder, const almkit_model_params* params,
                                almkit_model** out) {
  const char* const fn = __func__;
  return guarded(fn, [&] {
    ALMKIT_CAPI_REQUIRE(fn, out);
    *out = nullptr;
    ALMKIT_CAPI_REQUIRE(fn, folder);
    const almkit_model_params p =
        almkit::capi::read_struct("params", params, almkit_model_default_params());
    almkit::ModelOptions options;
    if (p.device != nullptr) options.device = p.device;
    if (p.dtype != nullptr) options.dtype = p.dtype;
    options.num_threads = p.num_threads;
    options.load_tokenizer = p.load_tokenizer;
    auto handle = std::make_unique<almkit_model>();
    handle->model = almkit::Model::load(folder, options);
    if (handle->model->has_tokenizer()) handle->tokenizer.tokenizer = &handle->model->tokenizer();
    *out = handle.release();
    return ALMKIT_OK;
  });
}

void almkit_model_free(almkit_model* model) {
  delete model;
}

const char* almkit_model_type(const almkit_model* model) {
  return model ? model->model->model_type().c_str() : "";
}
bool almkit_model_accepts_audio(const almkit_model* model) {
  return model && model->model->accepts_audio();
}
int32_t almkit_model_audio_sample_rate(const almkit_model* model) {
  return model ? model->model->audio_sampling_rate() : 0;
}
int64_t almkit_model_max_positions(const almkit_model* model) {
  return model ? model->model->max_positions() : 0;
}
const almkit_tokenizer* almkit_model_tokenizer(const almkit_model* model) {
  return model && model->tokenizer.tokenizer ? &model->tokenizer : nullptr;
}

almkit_chat_params almkit_chat_default_params(void) {
  almkit_chat_params p{};
  p.struct_size = sizeof p;
  p.add_generation_prompt = true;
  return p;
}

almkit_status almkit_model_chat_prompt(const almkit_model* model, const char* messages_json,
                                       const almkit_chat_params* params, char* prompt,
                                       size_t capacity, size_t* length) {
  const char* const fn = __func__;
  return guarded(fn, [&] {
    ALMKIT_CAPI_REQUIRE(fn, length);
    *length = 0;
    ALMKIT_CAPI_REQUIRE(fn, model);
    ALMKIT_CAPI_REQUIRE(fn, messages_json);
    const almkit_chat_params p =
        almkit::capi::read_struct("params", params, almkit_chat_default_params());
    return write_text(fn, model->model->chat_prompt(messages_json, p.add_generation_prompt), prompt,
                      capacity, length);
  });
}

/* ---- Generation ---- */

almkit_generate_params almkit_generate_default_params(void) {
  const almkit::GenerateOptions o;
  almkit_generate_params p{};
  p.struct_size = sizeof p;
  p.max_new_tokens = o.max_new_tokens;
  p.temperature = o.temperature;
  p.top_k = o.top_k;
  p.top_p = o.top_p;
  p.seed = o.seed;
  p.stop_token_ids = nullptr;
  p.num_stop_token_ids = 0;
  p.on_token = nullptr;
  p.user_data = nullptr;
  p.cancel = nullptr;
  return p;
}

almkit_status almkit_generate(const almkit_model* model, const almkit_request* request,
                              const almkit_generate_params* params, almkit_generation** out) {
  const char* const fn = __func__;
  return guarded(fn, [&] {
    ALMKIT_CAPI_REQUIRE(fn, out);
    *out = nullptr;
    ALMKIT_CAPI_REQUIRE(fn, model);
    almkit::Request cpp_request;
    if (const almkit_status s = to_request(fn, request, cpp_request); s != ALMKIT_OK) return s;
    const almkit_generate_params p =
        almkit::capi::read_struct("params", params, almkit_generate_default_params());
    if (p.num_stop_token_ids > 0 && p.stop_token_ids == nullptr) {
      return almkit::capi::null_argument(fn,
                                         "params->stop_token_ids (with num_stop_token_ids > 0)");
    }
    if (p.max_new_tokens <= 0) {
      return fail(ALMKIT_ERR_INVALID_ARGUMENT, fn,
                  "max_new_tokens must be >= 1 (got " + std::to_string(p.max_new_tokens) + ")");
    }
    if (p.temperature < 0.0 || p.top_k < 0 || !(p.top_p > 0.0 && p.top_p <= 1.0)) {
      return fail(ALMKIT_ERR_INVALID_ARGUMENT, fn,
                  "need temperature >= 0, top_k >= 0 and 0 < top_p <= 1 (got " +
                      std::to_string(p.temperature) + ", " + std::to_string(p.top_k) + ", " +
                      std::to_string(p.top_p) + ")");
    }
    if (cancel_requested(p.cancel))
      return fail(ALMKIT_ERR_CANCELLED, fn, "the cancel flag was set before the call");
    almkit::GenerateOptions options;
    options.max_new_tokens = p.max_new_tokens;
    options.temperature = p.temperature;
    options.top_k = p.top_k;
    options.top_p = p.top_p;
    options.seed = p.seed;
    options.stop_token_ids.assign(p.stop_token_ids, p.stop_token_ids + p.num_stop_token_ids);
    if (p.on_token != nullptr || p.cancel != nullptr) {
      options.on_token = [&p](size_t, int32_t token, const std::string& piece) {
        if (p.on_token != nullptr && !p.on_token(token, piece.c_str(), piece.size(), p.user_data))
          return false;
        return !cancel_requested(p.cancel);
      };
    }
    options.hooks = model->steering;
    const almkit::GenerateResult result = model->model->generate(cpp_request, options);
    auto generation = std::make_unique<almkit_generation>();
    generation->text = result.text;
    generation->tokens = result.tokens;
    generation->stop_reason = to_stop_reason(result.stop_reason);
    generation->prompt_positions = result.prompt_tokens;
    *out = generation.release();
    return ALMKIT_OK;
  });
}

const char* almkit_generation_text(const almkit_generation* generation) {
  return generation ? generation->text.c_str() : "";
}

const int32_t* almkit_generation_tokens(const almkit_generation* generation, size_t* num_tokens) {
  if (num_tokens) *num_tokens = generation ? generation->tokens.size() : 0;
  return generation && !generation->tokens.empty() ? generation->tokens.data() : nullptr;
}

almkit_stop_reason almkit_generation_stop_reason(const almkit_generation* generation) {
  return generation ? generation->stop_reason : ALMKIT_STOP_EOS;
}

int64_t almkit_generation_prompt_positions(const almkit_generation* generation) {
  return generation ? generation->prompt_positions : 0;
}

void almkit_generation_free(almkit_generation* generation) {
  delete generation;
}

/* ---- Scoring ---- */

almkit_status almkit_score_options(const almkit_model* model, const almkit_request* request,
                                   const char* const* options, size_t num_options,
                                   almkit_option_score* scores) {
  const char* const fn = __func__;
  return guarded(fn, [&] {
    ALMKIT_CAPI_REQUIRE(fn, model);
    ALMKIT_CAPI_REQUIRE(fn, options);
    ALMKIT_CAPI_REQUIRE(fn, scores);
    if (num_options == 0) return fail(ALMKIT_ERR_INVALID_ARGUMENT, fn, "num_options is 0");
    size_t stride = 0;
    if (const almkit_status s = score_stride(fn, scores, stride); s != ALMKIT_OK) return s;
    almkit::Request cpp_request;
    if (const almkit_status s = to_request(fn, request, cpp_request); s != ALMKIT_OK) return s;
    std::vector<std::string> texts;
    for (size_t i = 0; i < num_options; ++i) {
      if (options[i] == nullptr)
        return almkit::capi::null_argument(fn, ("options[" + std::to_string(i) + "]").c_str());
      texts.emplace_back(options[i]);
    }
    return copy_scores(model->model->score(cpp_request, texts, model->steering), scores, stride);
  });
}

almkit_status almkit_score_option_ids(const almkit_model* model, const almkit_request* request,
                                      const int32_t* const* options, const size_t* option_lengths,
                                      size_t num_options, almkit_option_score* scores) {
  const char* const fn = __func__;
  return guarded(fn, [&] {
    ALMKIT_CAPI_REQUIRE(fn, model);
    ALMKIT_CAPI_REQUIRE(fn, options);
    ALMKIT_CAPI_REQUIRE(fn, option_lengths);
    ALMKIT_CAPI_REQUIRE(fn, scores);
    if (num_options == 0) return fail(ALMKIT_ERR_INVALID_ARGUMENT, fn, "num_options is 0");
    size_t stride = 0;
    if (const almkit_status s = score_stride(fn, scores, stride); s != ALMKIT_OK) return s;
    almkit::Request cpp_request;
    if (const almkit_status s = to_request(fn, request, cpp_request); s != ALMKIT_OK) return s;
    std::vector<std::vector<int32_t>> ids;
    for (size_t i = 0; i < num_options; ++i) {
      if (option_lengths[i] == 0) {
        return fail(ALMKIT_ERR_INVALID_ARGUMENT, fn,
                    "option " + std::to_string(i) + " has no tokens");
      }
      if (options[i] == nullptr)
        return almkit::capi::null_argument(fn, ("options[" + std::to_string(i) + "]").c_str());
      ids.emplace_back(options[i], options[i] + option_lengths[i]);
    }
    return copy_scores(model->model->score_ids(cpp_request, ids, model->steering), scores, stride);
  });
}

almkit_status almkit_score_tokens(const almkit_model* model, const almkit_request* request,
                                  const int32_t* ids, size_t num_ids, int top_k,
                                  double* token_logprobs, int64_t* ranks, int32_t* top_ids,
                                  double* top_logprobs) {
  const char* const fn = __func__;
  return guarded(fn, [&] {
    ALMKIT_CAPI_REQUIRE(fn, model);
    ALMKIT_CAPI_REQUIRE(fn, ids);
    ALMKIT_CAPI_REQUIRE(fn, token_logprobs);
    if (num_ids == 0) return fail(ALMKIT_ERR_INVALID_ARGUMENT, fn, "num_ids is 0");
    if (top_k < 0) {
      return fail(ALMKIT_ERR_INVALID_ARGUMENT, fn, "top_k must be >= 0, got " + std::to_string(top_k));
    }
    if (top_k > 0) {
      ALMKIT_CAPI_REQUIRE(fn, top_ids);
      ALMKIT_CAPI_REQUIRE(fn, top_logprobs);
    }
    almkit::Request cpp_request;
    if (const almkit_status s = to_request(fn, request, cpp_request); s != ALMKIT_OK) return s;
    const almkit::OptionScore score =
        model->model->score_ids(cpp_request, {std::vector<int32_t>(ids, ids + num_ids)}, model->steering, top_k)
            .at(0);
    std::copy(score.token_logprobs.begin(), score.token_logprobs.end(), token_logprobs);
    if (top_k > 0) {
      if (ranks != nullptr) std::copy(score.token_ranks.begin(), score.token_ranks.end(), ranks);
      for (size_t i = 0; i < num_ids; ++i) {
        const std::vector<almkit::TokenLogprob>& top = score.top_logprobs.at(i);
        for (size_t k = 0; k < static_cast<size_t>(top_k); ++k) {
          const bool known = k < top.size();
          top_ids[i * top_k + k] = known ? top[k].id : -1;
          top_logprobs[i * top_k + k] =
              known ? top[k].logprob : -std::numeric_limits<double>::infinity();
        }
      }
    }
    return ALMKIT_OK;
  });
}

}  // extern "C"
