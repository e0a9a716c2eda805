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
  std::function<nlohmann::json(const std::string& text)> delta;  // one event per new text
  // The closing events once the job is done (finish_reason, usage); "data: [DONE]" follows.
  std::function<std::vector<nlohmann::json>(const Job& job)> closing;
};

// Sets the job's token callback, submits it (throws ApiError 429/503) and makes `response` a
// chunked text/event-stream that follows it.
void stream_job(ServerContext& context, const std::shared_ptr<Job>& job,
                std::vector<std::string> stop, StreamFormat format, httplib::Response& response);

}  // namespace almkit::serve
