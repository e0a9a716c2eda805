#include "remote/openai_protocol.h"

#include "almkit/error.h"

namespace almkit::remote {

using json = nlohmann::json;

EndpointSpec parse_endpoint(const std::string& text) {
  EndpointSpec spec;
  std::string url = text;
  const size_t hash = url.rfind('#');
  if (hash != std::string::npos) {
    const std::string count = url.substr(hash + 1);
    size_t used = 0;
    try {
      spec.concurrency = std::stoi(count, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != count.size() || spec.concurrency < 1) {
      throw Error(ErrorCode::kInvalidArgument,
                  "--endpoint " + redact_url(text) + ": '#" + count +
                      "' should be #N, the requests in flight there (N >= 1)");
    }
    url.resize(hash);
  }
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
    throw Error(ErrorCode::kInvalidArgument,
                "--endpoint " + redact_url(text) + ": expected an http:// or https:// URL");
  }
  while (!url.empty() && url.back() == '/') url.pop_back();
  const size_t host_start = url.find("://") + 3;
  if (url.size() <= host_start) {
    throw Error(ErrorCode::kInvalidArgument, "--endpoint " + redact_url(text) + ": no host");
  }
  // The OpenAI base URL ends in /v1; a bare server address gets it.
  if (url.size() < 3 || url.compare(url.size() - 3, 3, "/v1") != 0) url += "/v1";
  spec.base_url = url;
  return spec;
}

std::string redact_url(const std::string& url) {
  const size_t scheme = url.find("://");
  if (scheme == std::string::npos) return url;
  const size_t host_start = scheme + 3;
  const size_t path = url.find('/', host_start);
  const size_t at = url.rfind('@', path == std::string::npos ? url.size() : path);
  if (at == std::string::npos || at < host_start) return url;
  return url.substr(0, host_start) + "***@" + url.substr(at + 1);
}

ChatAnswer parse_chat_answer(const json& response) {
  if (!response.is_object()) throw ProtocolError("the answer is not a JSON object");
  const auto choices = response.find("choices");
  if (choices == response.end() || !choices->is_array() || choices->empty()) {
    throw ProtocolError("the answer has no choices[]");
  }
  const json& first = (*choices)[0];
  const auto message = first.find("message");
  if (message == first.end() || !message->is_object()) {
    throw ProtocolError("choices[0] has no message");
  }
  ChatAnswer answer;
  const auto content = message->find("content");
  if (content == message->end() || !(content->is_string() || content->is_null())) {
    throw ProtocolError("choices[0].message has no content string");
  }
  if (content->is_string()) answer.text = content->get<std::string>();
  const auto reason = first.find("finish_reason");
  if (reason != first.end() && reason->is_string()) answer.finish_reason = reason->get<std::string>();
  const auto usage = response.find("usage");
  if (usage != response.end() && usage->is_object()) {
    answer.prompt_tokens = usage->value("prompt_tokens", int64_t(-1));
    answer.completion_tokens = usage->value("completion_tokens", int64_t(-1));
  }
  return answer;
}

size_t code_points(const std::string& text) {
  size_t count = 0;
  for (unsigned char c : text) count += (c & 0xC0) != 0x80;
  return count;
}

ContinuationScore continuation_from_prompt_logprobs(const json& prompt_logprobs,
                                                    const std::string& continuation) {
  if (!prompt_logprobs.is_array()) throw ProtocolError("prompt_logprobs is not a list");
  ContinuationScore score;
  std::string covered;  // decoded text of the tokens taken, from the end backwards
  for (size_t i = prompt_logprobs.size(); i-- > 0 && covered.size() < continuation.size();) {
    const json& entry = prompt_logprobs[i];
    // With prompt_logprobs = 0 each entry holds the prompt token alone.
    if (!entry.is_object() || entry.size() != 1) {
      throw ProtocolError("prompt_logprobs[" + std::to_string(i) +
                          "] is not a one-token object (ask with prompt_logprobs: 0)");
    }
    const json& token = entry.begin().value();
    if (!token.is_object() || !token.contains("logprob") || !token["logprob"].is_number()) {
      throw ProtocolError("prompt_logprobs[" + std::to_string(i) + "] has no logprob");
    }
    const std::string decoded =
        token.contains("decoded_token") && token["decoded_token"].is_string()
            ? token["decoded_token"].get<std::string>()
            : std::string();
    covered.insert(0, decoded);
    score.sum_logprob += token["logprob"].get<double>();
    ++score.tokens;
  }
  if (covered.size() < continuation.size() ||
      covered.compare(covered.size() - continuation.size(), continuation.size(), continuation) !=
          0) {
    throw ProtocolError("the scored prompt does not end with the choice '" + continuation +
                        "' (its last tokens decode to '" + covered + "')");
  }
  return score;
}

ContinuationScore continuation_from_echo_logprobs(const json& logprobs, size_t prompt_chars,
                                                  size_t full_chars) {
  if (!logprobs.is_object()) throw ProtocolError("choices[0].logprobs is not an object");
  const auto& offsets = logprobs.value("text_offset", json());
  const auto& values = logprobs.value("token_logprobs", json());
  if (!offsets.is_array() || !values.is_array() || offsets.size() != values.size() ||
      offsets.empty()) {
    throw ProtocolError("choices[0].logprobs lacks matching text_offset and token_logprobs");
  }
  ContinuationScore score;
  for (size_t i = 0; i < offsets.size(); ++i) {
    const size_t start = offsets[i].get<size_t>();
    const size_t end = i + 1 < offsets.size() ? offsets[i + 1].get<size_t>() : full_chars + 1;
    if (start >= full_chars) break;  // the generated token after the echoed prompt
    if (end <= prompt_chars) continue;
    if (!values[i].is_number()) {
      throw ProtocolError("token_logprobs[" + std::to_string(i) + "] of the choice is null");
    }
    score.sum_logprob += values[i].get<double>();
    ++score.tokens;
  }
  if (score.tokens == 0) throw ProtocolError("no echoed token covers the choice");
  return score;
}

}  // namespace almkit::remote
