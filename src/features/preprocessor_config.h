// WhisperFeatureExtractor's preprocessor_config.json fields as WhisperMelOptions: shared by
// load_feature_extractor() and the encoders that own their front end.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "almkit/features.h"

namespace almkit {

// Fields absent from `json` keep their value in `defaults`; `source` names the file in errors.
WhisperMelOptions whisper_mel_options_from_json(const nlohmann::json& json, const std::string& source,
                                                WhisperMelOptions defaults = {});

}  // namespace almkit
