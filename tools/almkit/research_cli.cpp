#include "research_cli.h"

#include <nlohmann/json.hpp>
#include <sstream>

#include "almkit/audio.h"
#include "almkit/error.h"
#include "almkit/tokenizer.h"

namespace almkit::cli {

Request research_request(const Model& model, const std::vector<std::string>& audio,
                         const std::string& prompt, const std::string& prompt_ids, bool raw) {
  Request request;
  for (const auto& path : audio) request.audio.push_back(load_audio(path));
  if (!prompt_ids.empty()) {
    std::stringstream stream(prompt_ids);
    std::string piece;
    while (stream >> piece) {
      try {
        request.prompt_ids.push_back(std::stoi(piece));
      } catch (const std::exception&) {
        throw Error(ErrorCode::kInvalidArgument, "--prompt-ids: '" + piece + "' is not an integer");
      }
    }
  } else if (model.has_tokenizer() && !raw && !model.tokenizer().chat_template().empty()) {
    nlohmann::json content = nlohmann::json::array();
    for (const auto& path : audio) content.push_back({{"type", "audio"}, {"audio_url", path}});
    content.push_back({{"type", "text"}, {"text", prompt}});
    request.prompt = model.chat_prompt(
        nlohmann::json::array({{{"role", "user"}, {"content", content}}}).dump(), true);
  } else {
    request.prompt = prompt;
  }
  return request;
}

std::vector<int> parse_int_list(const std::string& text, const std::string& option) {
  std::vector<int> out;
  std::stringstream stream(text);
  std::string piece;
  while (std::getline(stream, piece, ',')) {
    if (piece.empty()) continue;
    try {
      size_t used = 0;
      out.push_back(std::stoi(piece, &used));
      if (used != piece.size()) throw std::invalid_argument(piece);
    } catch (const std::exception&) {
      throw Error(ErrorCode::kInvalidArgument, option + ": '" + piece + "' is not an integer");
    }
  }
  return out;
}

}  // namespace almkit::cli
