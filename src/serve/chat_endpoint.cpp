// POST /v1/chat/completions: messages (text and audio parts) through the model's chat template,
// one generated answer, whole or streamed.
#include <httplib.h>

#include <algorithm>
#include <cctype>

#include "almkit/error.h"
#include "almkit/tokenizer.h"
#include "serve/client_watch.h"
#include "serve/api_error.h"
#include "serve/chat_logprobs.h"
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
  std::string rendered;
  try {
    rendered = model.chat_prompt(chat.messages_json, chat.add_generation_prompt);
  } catch (const Error& error) {
    throw bad_request(
        "messages",
        std::string("the chat template could not render these messages: ") + error.what());
  }
  if (!chat.continue_final_message) return rendered;
  // As transformers' apply_chat_template(continue_final_message=True): cut the rendered chat
  // right after the final message's (stripped) text, dropping its end-of-turn markup.
  const json messages = json::parse(chat.messages_json);
  const json& content = messages.back().at("content");
  std::string final_text;
  if (content.is_string()) {
    final_text = content.get<std::string>();
  } else if (content.is_array() && !content.empty() && content.back().contains("text")) {
    final_text = content.back()["text"].get<std::string>();
  }
  const auto not_space = [](unsigned char c) { return !std::isspace(c); };
  final_text.erase(final_text.begin(), std::find_if(final_text.begin(), final_text.end(), not_space));
  final_text.erase(std::find_if(final_text.rbegin(), final_text.rend(), not_space).base(), final_text.end());
  const size_t at = final_text.empty() ? std::string::npos : rendered.rfind(final_text);
  if (at == std::string::npos) {
    throw bad_request("continue_final_message",
                      "continue_final_message is set but the final message's text does not appear in the "
                      "rendered chat", "invalid_value");
  }
  return rendered.substr(0, at + final_text.size());
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
    format.delta = [base](const std::string& text, const json& logprobs) {
      json chunk = base;
      chunk["object"] = "chat.completion.chunk";
      chunk["choices"] = json::array(
          {{{"index", 0},
            {"delta", {{"content", text}}},
            {"logprobs", logprobs.is_null() ? json(nullptr)
                                            : json{{"content", logprobs}, {"refusal", nullptr}}},
            {"finish_reason", nullptr}}});
      return chunk;
    };
    if (chat.top_logprobs) {
      // Each token's value, rank and alternatives as the generation loop saw them.
      job->options.logprobs = *chat.top_logprobs;
      const Tokenizer* tokenizer = &context.model->tokenizer();
      format.logprob_entry = [tokenizer](const StepLogprobs& step) {
        return step_logprobs_json(*tokenizer, step);
      };
    }
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
  json prompt_logprobs = nullptr, answer_logprobs = nullptr;
  if (chat.prompt_logprobs || chat.top_logprobs) {
    // One task on a worker: the answer, then the log-probabilities asked for.
    job->kind = Job::Kind::kTask;
    job->batchable = false;
    Job* self = job.get();
    const Model& model = *context.model;
    job->task = [self, &model, &chat, &prompt_logprobs, &answer_logprobs] {
      GenerateOptions options = self->options;
      options.on_token = [self](size_t, int32_t token, const std::string& piece) {
        return !self->cancelled() && self->on_token(token, piece);
      };
      self->result = model.generate(self->request, options);
      if (self->cancelled()) return;  // the client left: nobody reads the scores
      const std::vector<int32_t> prompt_ids = model.tokenizer().encode(self->request.prompt, false);
      if (chat.prompt_logprobs) {
        prompt_logprobs =
            prompt_logprobs_json(model, prompt_ids, self->request.audio, *chat.prompt_logprobs);
      }
      if (chat.top_logprobs) {
        Request prompt;
        prompt.prompt_ids = prompt_ids;
        prompt.audio = self->request.audio;
        answer_logprobs = answer_logprobs_json(model, prompt, self->result.tokens, *chat.top_logprobs);
      }
    };
  }
  submit(context, job);
  wait_for_job_or_client(context, *job, http_request);
  raise_job_error(*job);
  const GenerateResult& result = job->result;
  json body = base;
  body["object"] = "chat.completion";
  body["choices"] = json::array(
      {{{"index", 0},
        {"message",
         {{"role", "assistant"}, {"content", matcher->stopped() ? matcher->text() : result.text}}},
        {"logprobs", answer_logprobs},
        {"finish_reason", finish_reason(result)}}});
  if (chat.prompt_logprobs) body["prompt_logprobs"] = prompt_logprobs;
  body["usage"] = usage_json(result);
  response.set_content(dump_json(body), "application/json");
}

}  // namespace almkit::serve
