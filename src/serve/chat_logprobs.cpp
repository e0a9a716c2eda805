#include "serve/chat_logprobs.h"

#include <algorithm>
#include <string>

#include "almkit/tokenizer.h"

namespace almkit::serve {

using nlohmann::json;

namespace {

// A token's text as OpenAI gives it: the decoded piece and its UTF-8 bytes.
json token_entry(const Tokenizer& tokenizer, int32_t id, double logprob) {
  const std::string text = tokenizer.decode({id}, /*skip_special_tokens=*/false);
  return {{"token", text},
          {"logprob", logprob},
          {"bytes",
           std::vector<int>(reinterpret_cast<const unsigned char*>(text.data()),
                            reinterpret_cast<const unsigned char*>(text.data()) + text.size())}};
}

}  // namespace

json step_logprobs_json(const Tokenizer& tokenizer, const StepLogprobs& step) {
  json entry = token_entry(tokenizer, step.token, step.logprob);
  json alternatives = json::array();
  for (const TokenLogprob& other : step.top)
    alternatives.push_back(token_entry(tokenizer, other.id, other.logprob));
  entry["top_logprobs"] = std::move(alternatives);
  return entry;
}

json answer_logprobs_json(const Model& model, const Request& prompt,
                          const std::vector<int32_t>& answer, int top_k) {
  json content = json::array();
  if (!answer.empty()) {
    const OptionScore score = model.score_ids(prompt, {answer}, {}, top_k).at(0);
    for (size_t i = 0; i < answer.size(); ++i) {
      StepLogprobs step;
      step.token = answer[i];
      step.logprob = score.token_logprobs.at(i);
      if (top_k > 0) step.top = score.top_logprobs.at(i);
      content.push_back(step_logprobs_json(model.tokenizer(), step));
    }
  }
  return {{"content", std::move(content)}, {"refusal", nullptr}};
}

json prompt_logprobs_json(const Model& model, const std::vector<int32_t>& ids,
                          const std::vector<AudioBuffer>& audio, int top_k) {
  json out = json::array();
  size_t begin = 1;
  const int64_t placeholder = model.audio_token_id();
  if (!audio.empty() && placeholder >= 0) {
    for (size_t i = 0; i < ids.size(); ++i) {
      if (ids[i] == placeholder) begin = std::max(begin, i + 1);
    }
  }
  for (size_t i = 0; i < std::min(begin, ids.size()); ++i) out.push_back(nullptr);
  if (begin >= ids.size()) return out;
  Request prompt;
  prompt.prompt_ids.assign(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(begin));
  prompt.audio = audio;
  const std::vector<int32_t> rest(ids.begin() + static_cast<std::ptrdiff_t>(begin), ids.end());
  const OptionScore score = model.score_ids(prompt, {rest}, {}, top_k).at(0);
  const Tokenizer& tokenizer = model.tokenizer();
  auto entry = [&](int32_t id, double logprob, json rank) {
    return json{{"logprob", logprob},
                {"rank", std::move(rank)},
                {"decoded_token", tokenizer.decode({id}, /*skip_special_tokens=*/false)}};
  };
  for (size_t i = 0; i < rest.size(); ++i) {
    json position = json::object();
    if (top_k > 0) {
      const std::vector<TokenLogprob>& top = score.top_logprobs.at(i);
      for (size_t j = 0; j < top.size(); ++j)
        position[std::to_string(top[j].id)] = entry(top[j].id, top[j].logprob, j + 1);
    }
    // The token itself last, so that its own rank stands even where it is one of the top.
    position[std::to_string(rest[i])] =
        entry(rest[i], score.token_logprobs.at(i),
              top_k > 0 ? json(score.token_ranks.at(i)) : json(nullptr));
    out.push_back(std::move(position));
  }
  return out;
}

}  // namespace almkit::serve
