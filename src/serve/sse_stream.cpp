#include "serve/sse_stream.h"

#include <httplib.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>

#include "serve/api_error.h"
#include "serve/engine_jobs.h"
#include "serve/stop_strings.h"

namespace almkit::serve {
namespace {

// Events in flight between the worker (producer) and the connection thread (consumer).
struct StreamState {
  std::mutex mutex;
  std::condition_variable changed;
  std::deque<std::string> events;
  bool finished = false;
  explicit StreamState(std::vector<std::string> stop) : matcher(std::move(stop)) {}
  // Used by the worker only, then (after finish) by the connection thread:
  StopMatcher matcher;
  nlohmann::json pending = nlohmann::json::array();  // log-probabilities not yet sent with text
};

// The pending entries for the next event (null when none were asked for), emptied.
nlohmann::json take_pending(StreamState& state, bool asked) {
  if (!asked) return nullptr;
  nlohmann::json taken = nlohmann::json::array();
  taken.swap(state.pending);
  return taken;
}

// A comment line: ignored by SSE clients, but a write that shows whether the client is still there
// while a request waits in the queue.
constexpr char kHeartbeat[] = ": waiting\n\n";
constexpr auto kHeartbeatInterval = std::chrono::seconds(2);

}  // namespace

std::string sse_event(const nlohmann::json& event) {
  return "data: " + dump_json(event) + "\n\n";
}

void stream_job(ServerContext& context, const std::shared_ptr<Job>& job,
                std::vector<std::string> stop, StreamFormat format, httplib::Response& response) {
  auto state = std::make_shared<StreamState>(std::move(stop));
  auto delta = format.delta;
  const bool with_logprobs = static_cast<bool>(format.logprob_entry);
  if (with_logprobs) {
    auto entry = format.logprob_entry;
    job->options.on_logprobs = [state, entry](size_t, const StepLogprobs& step) {
      state->pending.push_back(entry(step));
    };
  }
  job->on_token = [state, delta, with_logprobs](int32_t, const std::string& piece) {
    const std::string text = state->matcher.feed(piece);
    if (!text.empty()) {
      const std::string event = sse_event(delta(text, take_pending(*state, with_logprobs)));
      std::lock_guard<std::mutex> lock(state->mutex);
      state->events.push_back(event);
      state->changed.notify_one();
    }
    return !state->matcher.stopped();
  };
  job->on_finish = [state] {
    std::lock_guard<std::mutex> lock(state->mutex);
    state->finished = true;
    state->changed.notify_one();
  };
  submit(context, job);
  ++context.streams_started;
  response.set_header("Cache-Control", "no-cache");
  response.set_header("X-Accel-Buffering", "no");
  ServerContext* shared = &context;
  auto provider = [state, job, format, shared, with_logprobs](size_t, httplib::DataSink& sink) {
    // The whole stream is written in this one call: the HTTP library checks for shutdown only
    // between calls, and an in-flight stream should end properly even while the server stops.
    auto write = [&](const std::string& text) {
      if (sink.write(text.data(), text.size())) return true;
      job->cancel();
      ++shared->streams_disconnected;
      return false;
    };
    for (const auto& event : format.opening) {
      if (!write(sse_event(event))) return false;
    }
    for (;;) {
      std::deque<std::string> events;
      bool finished = false;
      {
        std::unique_lock<std::mutex> lock(state->mutex);
        state->changed.wait_for(lock, kHeartbeatInterval,
                                [&] { return state->finished || !state->events.empty(); });
        events.swap(state->events);
        finished = state->finished;
      }
      for (const auto& event : events) {
        if (!write(event)) return false;
      }
      if (finished) break;
      if (events.empty() && !write(kHeartbeat)) return false;
    }
    if (job->error) {
      try {
        raise_job_error(*job);
      } catch (const ApiError& error) {
        if (!write("data: " + error.body() + "\n\n")) return false;
      }
    } else {
      // Text held back for stop strings, and the entries of tokens that added no text (a stop
      // token): one last delta.
      const std::string tail = state->matcher.flush();
      const bool entries_left = with_logprobs && !state->pending.empty();
      if ((!tail.empty() || entries_left) &&
          !write(sse_event(format.delta(tail, take_pending(*state, with_logprobs))))) {
        return false;
      }
      for (const auto& event : format.closing(*job)) {
        if (!write(sse_event(event))) return false;
      }
    }
    if (!write("data: [DONE]\n\n")) return false;
    sink.done();
    return true;
  };
  // Called when the response is destroyed; `false` when the stream did not complete (e.g. the
  // headers could not be written): make sure the engine stops.
  auto releaser = [job](bool success) {
    if (!success) job->cancel();
  };
  response.set_chunked_content_provider("text/event-stream", provider, releaser);
}

}  // namespace almkit::serve
