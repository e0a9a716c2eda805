#include "models/audio_frontend.h"

#include <sys/stat.h>

#include "almkit/error.h"
#include "features/preprocessor_config.h"
#include "io/json_file.h"

namespace almkit {

WhisperMelOptions checkpoint_whisper_mel(const ModelConfig& config, WhisperMelOptions options, int64_t encoder_bins) {
  const std::string path = config.folder().empty() ? "" : config.folder() + "/preprocessor_config.json";
  struct stat status {};
  if (!path.empty() && stat(path.c_str(), &status) == 0) {
    const nlohmann::json json = read_json_file(path);
    const std::string source = "'" + path + "'";
    const std::string type = json_value_or<std::string>(json, "feature_extractor_type", "WhisperFeatureExtractor", source);
    if (type != "WhisperFeatureExtractor") {
      throw Error(ErrorCode::kUnsupported, source + ": feature_extractor_type '" + type +
                                               "' is not what this encoder reads (WhisperFeatureExtractor)");
    }
    options = whisper_mel_options_from_json(json, source, options);
    if (options.feature_size != encoder_bins) {
      throw Error(ErrorCode::kInvalidFormat, source + ": feature_size " + std::to_string(options.feature_size) +
                                                 " does not match the encoder's num_mel_bins " +
                                                 std::to_string(encoder_bins));
    }
  }
  options.feature_size = static_cast<int>(encoder_bins);
  return options;
}

nlohmann::json whisper_preprocessor_config(int64_t bins) {
  return {{"feature_extractor_type", "WhisperFeatureExtractor"}, {"feature_size", bins},
          {"sampling_rate", 16000}, {"hop_length", 160}, {"n_fft", 400}, {"chunk_length", 30},
          {"n_samples", 480000}, {"nb_max_frames", 3000}, {"padding_value", 0.0},
          {"return_attention_mask", true}};
}

}  // namespace almkit
