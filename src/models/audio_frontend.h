// The front end an audio encoder reads, from its checkpoint's preprocessor_config.json: the
// encoder owns it, so a family with other features brings them in its own files.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>

#include "almkit/features.h"
#include "models/config.h"

namespace almkit {

// WhisperFeatureExtractor fields of <config.folder()>/preprocessor_config.json (feature_size,
// sampling_rate, n_fft, hop_length, chunk_length) over `defaults` (absent file or field: the
// default). A bin count other than `encoder_bins` is an error naming the file.
WhisperMelOptions checkpoint_whisper_mel(const ModelConfig& config, WhisperMelOptions defaults, int64_t encoder_bins);

// The preprocessor_config.json a WhisperFeatureExtractor checkpoint carries, for `bins` mel bins.
nlohmann::json whisper_preprocessor_config(int64_t bins);

}  // namespace almkit
