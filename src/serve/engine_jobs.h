// The steps every generating endpoint shares: sampling fields -> GenerateOptions, admission into
// the scheduler (429 / 503), and engine errors -> HTTP errors.
#pragma once

#include <memory>

#include "serve/context.h"
#include "serve/job.h"

namespace almkit::serve {

GenerateOptions generate_options(ServerContext& context, const Sampling& sampling);
// Queues `job`; throws ApiError 429 (queue full) or 503 (shutting down).
void submit(ServerContext& context, const std::shared_ptr<Job>& job);
// Rethrows a finished job's error as an ApiError (bad input the engine found -> 400,
// cancelled by shutdown -> 503, anything else -> 500). No-op without an error.
void raise_job_error(const Job& job);
// The same mapping for an exception caught elsewhere.
[[noreturn]] void raise_engine_error(std::exception_ptr error);
// 400 when `prompt_tokens + max_tokens` cannot fit the model's context.
void check_context(const ServerContext& context, int64_t prompt_tokens, int max_tokens,
                   const std::string& param);
// OpenAI's finish_reason for the engine's stop_reason.
const char* finish_reason(const GenerateResult& result);

}  // namespace almkit::serve
