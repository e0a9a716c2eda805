#include "serve/engine_jobs.h"

#include "almkit/error.h"
#include "serve/api_error.h"

namespace almkit::serve {

GenerateOptions generate_options(ServerContext& context, const Sampling& sampling) {
  GenerateOptions options;
  options.max_new_tokens = sampling.max_tokens;
  options.temperature = sampling.temperature;
  options.top_p = sampling.top_p;
  options.top_k = sampling.top_k;
  options.min_new_tokens = sampling.min_tokens;
  options.seed = sampling.seed != 0 ? sampling.seed : context.random_seed();
  return options;
}

void submit(ServerContext& context, const std::shared_ptr<Job>& job) {
  switch (context.scheduler->submit(job)) {
    case Admission::kAccepted:
      return;
    case Admission::kQueueFull:
      ++context.too_many;
      throw ApiError(429, "the server is busy (request queue full); retry later",
                     "rate_limit_error", "", "queue_full");
    case Admission::kShuttingDown:
      throw ApiError(503, "the server is shutting down", "server_error", "", "shutting_down");
  }
}

void raise_engine_error(std::exception_ptr error) {
  try {
    std::rethrow_exception(error);
  } catch (const ApiError&) {
    throw;
  } catch (const Error& e) {
    const std::string message = e.what();
    if (e.code() == ErrorCode::kCancelled) {
      throw ApiError(503, "the request was cancelled (server shutting down)", "server_error", "",
                     "cancelled");
    }
    if (e.code() == ErrorCode::kInvalidArgument || e.code() == ErrorCode::kInvalidFormat) {
      const bool context_full = message.find("context") != std::string::npos;
      throw ApiError(400, message, "invalid_request_error", context_full ? "messages" : "",
                     context_full ? "context_length_exceeded" : "invalid_value");
    }
    throw ApiError(500, "the engine failed: " + message, "server_error", "", "engine_error");
  } catch (const std::exception& e) {
    throw ApiError(500, std::string("the engine failed: ") + e.what(), "server_error", "",
                   "engine_error");
  }
}

void raise_job_error(const Job& job) {
  if (job.error) raise_engine_error(job.error);
}

void check_context(const ServerContext& context, int64_t prompt_tokens, int max_tokens,
                   const std::string& param) {
  const int64_t limit = context.info.max_positions;
  if (prompt_tokens + max_tokens > limit) {
    throw ApiError(400,
                   "this model's context is " + std::to_string(limit) +
                       " positions; the request has " + std::to_string(prompt_tokens) +
                       " prompt tokens and asks for " + std::to_string(max_tokens) + " new ones",
                   "invalid_request_error", param, "context_length_exceeded");
  }
}

const char* finish_reason(const GenerateResult& result) {
  return result.stop_reason == "length" ? "length" : "stop";
}

}  // namespace almkit::serve
