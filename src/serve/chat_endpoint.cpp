// POST /v1/chat/completions: messages (text and audio parts) through the model's chat template,
// one generated answer, whole or streamed.
#include <httplib.h>

#include "almkit/error.h"
#include "almkit/tokenizer.h"
#include "serve/api_error.h"
#include "serve/context.h"
#include "serve/engine_jobs.h"
#include "serve/sse_stream.h"
#include "serve/stop_strings.h"

namespace almkit::serve {
namespace {

using nlohmann::json;

json usage_json(const GenerateResult& result) {
  const auto completion = static_cast<int64_t>(result.tokens.size());
  return {{"prompt_tokens", result.prompt_tokens},
          {"completion_tokens", completion},
          {"total_tokens", result.prompt_tokens + completion}};
}

std::string render_prompt(const ServerContext& context, const ChatRequest& chat) {
  const Model& model = *context.model;
  if (!model.has_tokenizer() || model.tokenizer().chat_template().empty()) {
    throw ApiError(400, "the served model has no chat template; use /v1/completions",
                   "invalid_request_error", "messages", "no_chat_template");
  }
  try {
    return model.chat_prompt(chat.messages_json, /*add_generation_prompt=*/true);
  } catch (const Error& error) {
    throw bad_request(
        "messages",
        std::string("the chat template could not render these messages: ") + error.what());
  }
}

}  // namespace

void handle_chat_completions(ServerContext& context, const httplib::Request& http_request,
                             httplib::Response& response) {
  const ChatRequest chat = parse_chat_request(http_request.body, context.info);
  auto job = std::make_shared<Job>();
  job->request.prompt = render_prompt(context, chat);
  // Text tokens alone already too long: refuse before queueing (audio frames are checked by the
  // engine, which knows their count).
  const auto text_tokens =
      static_cast<int64_t>(context.model->tokenizer().encode(job->request.prompt, false).size());
  check_context(context, text_tokens, chat.sampling.max_tokens, "messages");
  job->request.audio = chat.audio;
  job->options = generate_options(context, chat.sampling);
  const std::string id = context.new_id("chatcmpl-");
  const json base = {{"id", id},
                     {"created", static_cast<int64_t>(std::time(nullptr))},
                     {"model", context.info.served_name}};

  if (chat.stream) {
    StreamFormat format;
    json opening = base;
    opening["object"] = "chat.completion.chunk";
    opening["choices"] = json::array({{{"index", 0},
                                       {"delta", {{"role", "assistant"}, {"content", ""}}},
                                       {"logprobs", nullptr},
                                       {"finish_reason", nullptr}}});
    format.opening.push_back(opening);
    format.delta = [base](const std::string& text) {
      json chunk = base;
      chunk["object"] = "chat.completion.chunk";
      chunk["choices"] = json::array({{{"index", 0},
                                       {"delta", {{"content", text}}},
                                       {"logprobs", nullptr},
                                       {"finish_reason", nullptr}}});
      return chunk;
    };
    const bool include_usage = chat.include_usage;
    format.closing = [base, include_usage](const Job& done) {
      std::vector<json> events;
      json last = base;
      last["object"] = "chat.completion.chunk";
      last["choices"] = json::array({{{"index", 0},
                                      {"delta", json::object()},
                                      {"logprobs", nullptr},
                                      {"finish_reason", finish_reason(done.result)}}});
      events.push_back(last);
      if (include_usage) {
        json usage = base;
        usage["object"] = "chat.completion.chunk";
        usage["choices"] = json::array();
        usage["usage"] = usage_json(done.result);
        events.push_back(usage);
      }
      return events;
    };
    stream_job(context, job, chat.sampling.stop, std::move(format), response);
    return;
  }

  job->batchable = chat.sampling.temperature <= 0.0;
  auto matcher = std::make_shared<StopMatcher>(chat.sampling.stop);
  job->on_token = [matcher](int32_t, const std::string& piece) {
    matcher->feed(piece);
    return !matcher->stopped();
  };
  submit(context, job);
  job->wait();
  raise_job_error(*job);
  const GenerateResult& result = job->result;
  json body = base;
  body["object"] = "chat.completion";
  body["choices"] = json::array(
      {{{"index", 0},
        {"message",
         {{"role", "assistant"}, {"content", matcher->stopped() ? matcher->text() : result.text}}},
        {"logprobs", nullptr},
        {"finish_reason", finish_reason(result)}}});
  body["usage"] = usage_json(result);
  response.set_content(dump_json(body), "application/json");
}

}  // namespace almkit::serve
