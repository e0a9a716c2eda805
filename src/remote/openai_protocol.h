// The OpenAI API as almkit speaks it to vLLM / SGLang / `almkit serve`: endpoint URLs, the
// requests' JSON and what is read back from the answers (docs/scale-out.md lists the fields).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

namespace almkit::remote {

// An answer that is not what the API promises (malformed JSON, no choices): worth a retry,
// since a proxy or an overloaded server can garble one answer.
class ProtocolError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct EndpointSpec {
  std::string base_url;  // scheme://host:port/.../v1, no trailing slash
  int concurrency = 0;   // from a "#N" suffix; 0: not given
};
// "http://host:8000", "http://host:8000/v1/", "http://host:8000/v1#16" (16 requests in flight
// there). kInvalidArgument for anything but http(s) URLs.
EndpointSpec parse_endpoint(const std::string& text);
// The URL without user:password@ (for run.json and logs).
std::string redact_url(const std::string& url);

struct ChatAnswer {
  std::string text;
  std::string finish_reason;
  int64_t prompt_tokens = -1;  // usage, when the server reports it
  int64_t completion_tokens = -1;
};
// choices[0].message.content of a chat completion; ProtocolError naming what is missing.
ChatAnswer parse_chat_answer(const nlohmann::json& response);

struct ContinuationScore {
  double sum_logprob = 0.0;
  int64_t tokens = 0;
};
// The continuation at the end of the prompt from vLLM's `prompt_logprobs` (a list with one entry
// per prompt token: null or {token_id: {logprob, rank, decoded_token}}): the last tokens whose
// decoded text covers `continuation`. Throws ProtocolError when the prompt does not end with it.
ContinuationScore continuation_from_prompt_logprobs(const nlohmann::json& prompt_logprobs,
                                                    const std::string& continuation);
// The same from OpenAI's echoed completion logprobs ({tokens, token_logprobs, text_offset}):
// the tokens that end after `prompt_chars` and start before `full_chars` (both in code points,
// as text_offset counts them).
ContinuationScore continuation_from_echo_logprobs(const nlohmann::json& logprobs,
                                                  size_t prompt_chars, size_t full_chars);
// Unicode code points of UTF-8 text.
size_t code_points(const std::string& text);

}  // namespace almkit::remote
