// Helpers shared by the research sub-commands (inspect, steer, saliency): a request from
// --audio / --prompt as `almkit generate` builds it, and layer lists.
#pragma once

#include <string>
#include <vector>

#include "almkit/model.h"

namespace almkit::cli {

// Audio files + a question, wrapped in the chat template when the model has one (unless raw);
// `prompt_ids` (space-separated) wins over `prompt`.
Request research_request(const Model& model, const std::vector<std::string>& audio,
                         const std::string& prompt, const std::string& prompt_ids = "",
                         bool raw = false);

// "0,2,5" -> {0, 2, 5}; "" -> {}; `option` names the flag in errors.
std::vector<int> parse_int_list(const std::string& text, const std::string& option);

}  // namespace almkit::cli
