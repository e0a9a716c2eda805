// A checkpoint's generation_config.json over the ids its config.json gave: transformers'
// generate() reads eos / pad / bos / decoder start from there first, so almkit does too.
#pragma once

#include <string>

#include "models/model_parts.h"

namespace almkit {

// Fields present in <folder>/generation_config.json replace those of `defaults`; an absent
// file changes nothing; a malformed one is an error naming it.
void apply_generation_config(const std::string& folder, GenerationDefaults& defaults);

}  // namespace almkit
