#include "serve/requests.h"

#include <nlohmann/json.hpp>

#include "serve/api_error.h"
#include "serve/json_fields.h"

namespace almkit::serve {
namespace {

using nlohmann::json;

// Options clients commonly send at their neutral value; any other value is refused rather than
// silently ignored, so a client never believes a penalty or a tool call was applied.
void refuse_unsupported(const Fields& fields, const json& body) {
  for (const char* name : {"frequency_penalty", "presence_penalty"}) {
    const auto value = fields.number(name, -2.0, 2.0);
    if (value && *value != 0.0)
      throw bad_request(name, std::string(name) + " is not supported by almkit serve",
                        "unsupported");
  }
  const auto n = fields.integer("n", 1, 128);
  if (n && *n != 1) throw bad_request("n", "only n = 1 is supported", "unsupported");
  const auto best_of = fields.integer("best_of", 1, 128);
  if (best_of && *best_of != 1)
    throw bad_request("best_of", "only best_of = 1 is supported", "unsupported");
  if (const json* tools = fields.get("tools"); tools && !(tools->is_array() && tools->empty())) {
    throw bad_request("tools", "tool calls are not supported by almkit serve", "unsupported");
  }
  if (const json* format = fields.get("response_format")) {
    // Through Fields: a "type" that is not a string is a 400 (nlohmann's value() would throw).
    if (!format->is_object() ||
        Fields(*format, "response_format.").string("type").value_or("text") != "text") {
      throw bad_request("response_format", "only response_format {\"type\": \"text\"} is supported",
                        "unsupported");
    }
  }
  if (const json* bias = fields.get("logit_bias"); bias && !(bias->is_object() && bias->empty())) {
    throw bad_request("logit_bias", "logit_bias is not supported by almkit serve", "unsupported");
  }
  (void)body;
}

std::vector<std::string> parse_stop(const Fields& fields) {
  const json* stop = fields.get("stop");
  if (!stop) return {};
  std::vector<std::string> out;
  if (stop->is_string()) {
    out.push_back(stop->get<std::string>());
  } else if (stop->is_array()) {
    if (stop->size() > 16) throw bad_request("stop", "stop takes at most 16 strings");
    for (const auto& item : *stop) {
      if (!item.is_string())
        throw bad_request("stop", "stop must be a string or an array of strings", "invalid_type");
      out.push_back(item.get<std::string>());
    }
  } else {
    throw bad_request("stop", "stop must be a string or an array of strings", "invalid_type");
  }
  for (const auto& s : out) {
    if (s.empty()) throw bad_request("stop", "stop strings must not be empty");
  }
  return out;
}

Sampling parse_sampling(const Fields& fields, const ModelInfo& model, int min_tokens,
                        int default_tokens) {
  Sampling s;
  const int64_t limit = std::max<int64_t>(model.max_positions, 1);
  auto max_tokens = fields.integer("max_completion_tokens", min_tokens, limit);
  if (!max_tokens) max_tokens = fields.integer("max_tokens", min_tokens, limit);
  s.max_tokens = static_cast<int>(max_tokens.value_or(default_tokens));
  s.temperature = fields.number("temperature", 0.0, 2.0).value_or(1.0);
  s.top_p = fields.number("top_p", 0.0, 1.0).value_or(1.0);
  if (s.top_p <= 0.0) throw bad_request("top_p", "top_p must be greater than 0");
  s.top_k =
      static_cast<int>(std::max<int64_t>(fields.integer("top_k", -1, 1 << 20).value_or(0), 0));
  s.seed = static_cast<uint64_t>(fields.integer("seed", INT64_MIN, INT64_MAX).value_or(0));
  s.stop = parse_stop(fields);
  // vLLM's min_tokens: no stop before this many new tokens (at most max_tokens)
  s.min_tokens = static_cast<int>(fields.integer("min_tokens", 0, limit).value_or(0));
  if (s.min_tokens > s.max_tokens) {
    throw bad_request("min_tokens", "min_tokens must not exceed max_tokens", "invalid_value");
  }
  return s;
}

// One content part: text stays, audio is decoded and replaced by the template's audio part.
json convert_part(const json& part, const std::string& param, const ModelInfo& model,
                  std::vector<AudioBuffer>& audio) {
  if (!part.is_object()) throw bad_request(param, param + " must be an object", "invalid_type");
  const Fields fields(part, param + ".");
  const std::string type = fields.required_string("type");
  if (type == "text") {
    return {{"type", "text"}, {"text", fields.required_string("text")}};
  }
  if (type != "input_audio" && type != "audio_url") {
    throw bad_request(
        param + ".type",
        "content part type '" + type + "' is not supported (text, input_audio, audio_url)",
        "unsupported");
  }
  if (!model.accepts_audio) {
    throw bad_request(param, "the served model takes no audio", "unsupported");
  }
  std::vector<uint8_t> bytes;
  std::string format;
  if (type == "input_audio") {
    const json* input = fields.get("input_audio");
    if (!input || !input->is_object()) {
      throw bad_request(param + ".input_audio",
                        param + ".input_audio must be an object {data, format}", "invalid_type");
    }
    const Fields audio_fields(*input, param + ".input_audio.");
    format = audio_fields.string("format").value_or("");
    bytes = decode_base64(audio_fields.required_string("data"), param + ".input_audio.data");
  } else {
    const json* url = fields.get("audio_url");
    std::string text;
    if (url && url->is_string()) {
      text = url->get<std::string>();
    } else if (url && url->is_object()) {
      text = Fields(*url, param + ".audio_url.").required_string("url");
    } else {
      throw bad_request(param + ".audio_url", param + ".audio_url must be {\"url\": \"data:...\"}",
                        "invalid_type");
    }
    bytes = decode_data_url(text, param + ".audio_url.url", format);
  }
  audio.push_back(decode_audio_bytes(bytes, format, model.audio, param));
  return {{"type", "audio"}};
}

}  // namespace

void check_model_name(const std::string& requested, const ModelInfo& model) {
  if (!requested.empty() && requested != model.served_name) {
    throw ApiError(404,
                   "the model '" + requested + "' does not exist (this server serves '" +
                       model.served_name + "')",
                   "invalid_request_error", "model", "model_not_found");
  }
}

ChatRequest parse_chat_request(const std::string& body, const ModelInfo& model) {
  const json request = parse_json_object(body);
  const Fields fields(request);
  refuse_unsupported(fields, request);
  ChatRequest out;
  out.model = fields.string("model").value_or("");
  check_model_name(out.model, model);
  out.sampling = parse_sampling(fields, model, 1, model.default_max_tokens);
  out.stream = fields.boolean("stream").value_or(false);
  const bool logprobs = fields.boolean("logprobs").value_or(false);
  const auto top_logprobs = fields.integer("top_logprobs", 0, 20);
  if (top_logprobs && !logprobs) {
    throw bad_request("top_logprobs", "top_logprobs needs logprobs set to true", "invalid_value");
  }
  if (logprobs) out.top_logprobs = static_cast<int>(top_logprobs.value_or(0));
  if (const auto prompt_logprobs = fields.integer("prompt_logprobs", 0, 20)) {
    if (out.stream) throw bad_request("stream", "stream cannot be combined with prompt_logprobs", "unsupported");
    out.prompt_logprobs = static_cast<int>(*prompt_logprobs);
  }
  out.add_generation_prompt = fields.boolean("add_generation_prompt").value_or(true);
  out.continue_final_message = fields.boolean("continue_final_message").value_or(false);
  if (out.add_generation_prompt && out.continue_final_message) {
    throw bad_request("continue_final_message",
                      "continue_final_message and add_generation_prompt cannot both be true", "invalid_value");
  }
  if (const json* options = fields.get("stream_options")) {
    if (!options->is_object())
      throw bad_request("stream_options", "stream_options must be an object", "invalid_type");
    out.include_usage =
        Fields(*options, "stream_options.").boolean("include_usage").value_or(false);
  }
  const json* messages = fields.get("messages");
  if (!messages) throw bad_request("messages", "messages is required", "missing_field");
  if (!messages->is_array() || messages->empty()) {
    throw bad_request("messages", "messages must be a non-empty array", "invalid_type");
  }
  json converted = json::array();
  for (size_t i = 0; i < messages->size(); ++i) {
    const std::string param = "messages[" + std::to_string(i) + "]";
    const json& message = (*messages)[i];
    if (!message.is_object())
      throw bad_request(param, param + " must be an object", "invalid_type");
    const Fields message_fields(message, param + ".");
    std::string role = message_fields.required_string("role");
    if (role == "developer") role = "system";  // OpenAI's newer name for the system role
    if (role != "system" && role != "user" && role != "assistant") {
      throw bad_request(param + ".role",
                        "role '" + role + "' is not supported (system, user, assistant)",
                        "unsupported");
    }
    const json* content = message_fields.get("content");
    json out_content;
    if (!content) {
      out_content = "";
    } else if (content->is_string()) {
      out_content = *content;
    } else if (content->is_array()) {
      out_content = json::array();
      for (size_t p = 0; p < content->size(); ++p) {
        out_content.push_back(convert_part(
            (*content)[p], param + ".content[" + std::to_string(p) + "]", model, out.audio));
      }
    } else {
      throw bad_request(param + ".content",
                        param + ".content must be a string or an array of parts", "invalid_type");
    }
    converted.push_back({{"role", role}, {"content", out_content}});
  }
  out.messages_json = converted.dump();
  return out;
}

CompletionRequest parse_completion_request(const std::string& body, const ModelInfo& model) {
  const json request = parse_json_object(body);
  const Fields fields(request);
  refuse_unsupported(fields, request);
  CompletionRequest out;
  out.model = fields.string("model").value_or("");
  check_model_name(out.model, model);
  out.echo = fields.boolean("echo").value_or(false);
  if (const auto logprobs = fields.integer("logprobs", 0, 5))
    out.logprobs = static_cast<int>(*logprobs);
  out.stream = fields.boolean("stream").value_or(false);
  if (out.stream && out.echo) {
    throw bad_request("stream", "stream cannot be combined with echo", "unsupported");
  }
  if (fields.get("suffix")) throw bad_request("suffix", "suffix is not supported", "unsupported");
  // max_tokens 0 only makes sense to score the echoed prompt.
  out.sampling = parse_sampling(fields, model, out.echo ? 0 : 1, 16);
  const json* prompt = fields.get("prompt");
  if (!prompt) throw bad_request("prompt", "prompt is required", "missing_field");
  // A string, [string] (one prompt), or [int, ...] (token ids); batches of prompts are n > 1.
  const json* single = prompt;
  if (prompt->is_array() && prompt->size() == 1 &&
      ((*prompt)[0].is_string() || (*prompt)[0].is_array())) {
    single = &(*prompt)[0];
  }
  if (single->is_string()) {
    out.prompt = single->get<std::string>();
    if (out.prompt.empty()) throw bad_request("prompt", "prompt must not be empty");
  } else if (single->is_array() && !single->empty()) {
    for (const auto& id : *single) {
      if (!id.is_number_integer()) {
        throw bad_request(
            "prompt", "prompt must be a string, or an array of token ids (one prompt per request)",
            "invalid_type");
      }
      const int64_t value = id.get<int64_t>();
      if (value < 0 || value > INT32_MAX)
        throw bad_request("prompt", "prompt token id " + id.dump() + " is out of range");
      out.prompt_ids.push_back(static_cast<int32_t>(value));
    }
  } else {
    throw bad_request("prompt", "prompt must be a non-empty string or array of token ids",
                      "invalid_type");
  }
  return out;
}

}  // namespace almkit::serve
