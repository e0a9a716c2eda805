// Server-sent events for `stream: true`: the engine worker turns tokens into events (through the
// stop-string matcher) and the connection thread writes them as they come. A failed write means
// the client left: the job is cancelled and stops at its next token.
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "serve/context.h"
#include "serve/job.h"

namespace almkit::serve {

// "data: {...}\n\n"
std::string sse_event(const nlohmann::json& event);

struct StreamFormat {
  std::vector<nlohmann::json> opening;  // sent at once (e.g. the role chunk)
  // One event per new text; `logprobs` is null, or the entries (logprob_entry's) of the tokens
  // that made the text.
  std::function<nlohmann::json(const std::string& text, nlohmann::json logprobs)> delta;
  // Set when the client asked for log-probabilities: one entry per generated token (the job's
  // options.logprobs alternatives).
  std::function<nlohmann::json(const StepLogprobs& step)> logprob_entry;
  // The closing events once the job is done (finish_reason, usage); "data: [DONE]" follows.
  std::function<std::vector<nlohmann::json>(const Job& job)> closing;
};

// Sets the job's token callback, submits it (throws ApiError 429/503) and makes `response` a
// chunked text/event-stream that follows it.
void stream_job(ServerContext& context, const std::shared_ptr<Job>& job,
                std::vector<std::string> stop, StreamFormat format, httplib::Response& response);

}  // namespace almkit::serve
