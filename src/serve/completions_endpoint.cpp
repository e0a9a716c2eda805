// POST /v1/completions: raw prompts (text or token ids, no chat template), with `echo` and
// `logprobs` so that log-likelihood clients can read the prompt's token log-probabilities.
#include <httplib.h>

#include <cmath>

#include "almkit/error.h"
#include "almkit/tokenizer.h"
#include "serve/api_error.h"
#include "serve/client_watch.h"
#include "serve/context.h"
#include "serve/engine_jobs.h"
#include "serve/prompt_logprobs.h"
#include "serve/sse_stream.h"
#include "serve/stop_strings.h"

namespace almkit::serve {
namespace {

using nlohmann::json;

size_t code_points(const std::string& text) {
  size_t count = 0;
  for (unsigned char c : text) count += (c & 0xC0) != 0x80;
  return count;
}

// A legacy top_logprobs entry: token text -> log-probability for the alternatives and the
// token itself; tokens decoding to the same text (partial UTF-8 bytes) keep the larger value.
json top_by_text(const Tokenizer& tokenizer, const std::vector<TokenLogprob>& alternatives,
                 const std::string& own_text, double own) {
  json top = json::object();
  auto add = [&](const std::string& key, double logprob) {
    if (!top.contains(key) || top[key].get<double>() < logprob) top[key] = logprob;
  };
  for (const TokenLogprob& entry : alternatives)
    add(tokenizer.decode({entry.id}, false), entry.logprob);
  add(own_text, own);
  return top;
}

// OpenAI's legacy logprobs object for ids[from..): tokens, token_logprobs, text_offset
// (characters into the returned text) and top_logprobs: per token, a map from token text to
// log-probability for the `logprobs` most likely tokens plus the chosen one (as vLLM returns
// it, so that clients such as lm-eval-harness can tell whether the chosen token was the most
// likely); null for the first token, which has no context.
json logprobs_json(const Model& model, const std::vector<int32_t>& ids, size_t from,
                   const SequenceLogprobs& values, size_t text_start) {
  json tokens = json::array(), logprobs = json::array(), offsets = json::array(),
       tops = json::array();
  const Tokenizer& tokenizer = model.tokenizer();
  std::vector<int32_t> prefix(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(from));
  size_t base = code_points(tokenizer.decode(prefix, false));
  for (size_t i = from; i < ids.size(); ++i) {
    const std::string text = tokenizer.decode({ids[i]}, false);
    tokens.push_back(text);
    const double value = values.values[i - from];
    logprobs.push_back(std::isnan(value) ? json(nullptr) : json(value));
    if (std::isnan(value)) {
      tops.push_back(nullptr);
    } else {
      tops.push_back(top_by_text(tokenizer, values.top[i - from], text, value));
    }
    offsets.push_back(text_start + code_points(tokenizer.decode(prefix, false)) - base);
    prefix.push_back(ids[i]);
  }
  return {{"tokens", tokens},
          {"token_logprobs", logprobs},
          {"top_logprobs", tops},
          {"text_offset", offsets}};
}

}  // namespace

void handle_completions(ServerContext& context, const httplib::Request& http_request,
                        httplib::Response& response) {
  const CompletionRequest completion = parse_completion_request(http_request.body, context.info);
  const Model& model = *context.model;
  const bool needs_text = !completion.prompt.empty() || completion.logprobs || completion.echo;
  if (needs_text && !model.has_tokenizer()) {
    throw ApiError(
        400,
        "the served model has no tokenizer: send the prompt as token ids, without echo or logprobs",
        "invalid_request_error", "prompt", "no_tokenizer");
  }
  std::vector<int32_t> prompt_ids = completion.prompt_ids;
  if (!completion.prompt.empty()) {
    try {
      prompt_ids = model.tokenizer().encode(completion.prompt, /*add_special_tokens=*/false);
    } catch (const Error& error) {
      throw bad_request("prompt", error.what());
    }
    if (prompt_ids.empty()) throw bad_request("prompt", "the prompt has no tokens");
  }
  check_context(context, static_cast<int64_t>(prompt_ids.size()), completion.sampling.max_tokens,
                "prompt");
  const std::string prompt_text = completion.prompt.empty() && model.has_tokenizer()
                                      ? model.tokenizer().decode(prompt_ids, false)
                                      : completion.prompt;
  const std::string id = context.new_id("cmpl-");
  const json base = {{"id", id},
                     {"created", static_cast<int64_t>(std::time(nullptr))},
                     {"model", context.info.served_name}};
  auto job = std::make_shared<Job>();
  job->request.prompt_ids = prompt_ids;
  job->options = generate_options(context, completion.sampling);

  if (completion.stream) {
    StreamFormat format;
    // With logprobs, each chunk carries the legacy object for its tokens; text_offset counts
    // the characters of the tokens before it, from the start of the answer.
    auto offset = std::make_shared<size_t>(0);
    format.delta = [base, offset](const std::string& text, const json& entries) {
      json logprobs = nullptr;
      if (!entries.is_null()) {
        json tokens = json::array(), values = json::array(), tops = json::array(),
             offsets = json::array();
        for (const json& entry : entries) {
          tokens.push_back(entry["token"]);
          values.push_back(entry["logprob"]);
          tops.push_back(entry["top"]);
          offsets.push_back(*offset);
          *offset += code_points(entry["token"].get<std::string>());
        }
        logprobs = {{"tokens", tokens},
                    {"token_logprobs", values},
                    {"top_logprobs", tops},
                    {"text_offset", offsets}};
      }
      json chunk = base;
      chunk["object"] = "text_completion";
      chunk["choices"] = json::array(
          {{{"index", 0}, {"text", text}, {"logprobs", logprobs}, {"finish_reason", nullptr}}});
      return chunk;
    };
    if (completion.logprobs) {
      job->options.logprobs = *completion.logprobs;
      const Tokenizer* tokenizer = &model.tokenizer();
      format.logprob_entry = [tokenizer](const StepLogprobs& step) {
        const std::string text = tokenizer->decode({step.token}, false);
        return json{{"token", text},
                    {"logprob", step.logprob},
                    {"top", top_by_text(*tokenizer, step.top, text, step.logprob)}};
      };
    }
    format.closing = [base](const Job& done) {
      json last = base;
      last["object"] = "text_completion";
      last["choices"] = json::array({{{"index", 0},
                                      {"text", ""},
                                      {"logprobs", nullptr},
                                      {"finish_reason", finish_reason(done.result)}}});
      return std::vector<json>{last};
    };
    stream_job(context, job, completion.sampling.stop, std::move(format), response);
    return;
  }

  auto matcher = std::make_shared<StopMatcher>(completion.sampling.stop);
  job->on_token = [matcher](int32_t, const std::string& piece) {
    matcher->feed(piece);
    return !matcher->stopped();
  };
  json logprobs = nullptr;
  if (completion.logprobs || completion.sampling.max_tokens == 0) {
    // Scoring runs on a worker as one task: generate (if asked), then score the sequence.
    job->kind = Job::Kind::kTask;
    const Job* self = job.get();
    Job* writable = job.get();
    const auto want_logprobs = completion.logprobs.has_value();
    const int top_k = completion.logprobs.value_or(0);
    const bool echo = completion.echo;
    job->task = [&, self, writable, want_logprobs, top_k, echo] {
      if (self->options.max_new_tokens > 0) {
        GenerateOptions options = self->options;
        options.on_token = [self](size_t, int32_t token, const std::string& piece) {
          return !self->cancelled() && self->on_token(token, piece);
        };
        writable->result = model.generate(self->request, options);
      } else {
        writable->result.prompt_tokens = static_cast<int64_t>(prompt_ids.size());
        writable->result.stop_reason = "length";
      }
      if (!want_logprobs || self->cancelled()) return;
      std::vector<int32_t> sequence = prompt_ids;
      sequence.insert(sequence.end(), writable->result.tokens.begin(),
                      writable->result.tokens.end());
      const size_t from = echo ? 0 : prompt_ids.size();
      logprobs =
          logprobs_json(model, sequence, from, token_logprobs(model, sequence, from, top_k), 0);
    };
  } else {
    job->batchable = completion.sampling.temperature <= 0.0;
  }
  submit(context, job);
  wait_for_job_or_client(context, *job, http_request);
  raise_job_error(*job);
  const GenerateResult& result = job->result;
  const std::string generated = matcher->stopped() ? matcher->text() : result.text;
  json body = base;
  body["object"] = "text_completion";
  body["choices"] = json::array({{{"index", 0},
                                  {"text", completion.echo ? prompt_text + generated : generated},
                                  {"logprobs", logprobs},
                                  {"finish_reason", finish_reason(result)}}});
  const auto completion_tokens = static_cast<int64_t>(result.tokens.size());
  body["usage"] = {{"prompt_tokens", result.prompt_tokens},
                   {"completion_tokens", completion_tokens},
                   {"total_tokens", result.prompt_tokens + completion_tokens}};
  response.set_content(dump_json(body), "application/json");
}

}  // namespace almkit::serve
