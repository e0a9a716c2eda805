// Chooses an encoder's features from its preprocessor_config.json, as transformers'
// AutoFeatureExtractor does by feature_extractor_type.
#include <sys/stat.h>

#include "almkit/error.h"
#include "almkit/features.h"
#include "features/preprocessor_config.h"
#include "io/json_file.h"

namespace almkit {
namespace {

class WhisperFeatureExtractor : public FeatureExtractor {
 public:
  explicit WhisperFeatureExtractor(const WhisperMelOptions& options) : mel_(options) {}
  std::string kind() const override { return "whisper-mel"; }
  int sampling_rate() const override { return mel_.options().sampling_rate; }
  double max_seconds() const override { return mel_.options().chunk_length; }
  FeatureBatch extract(const std::vector<AudioBuffer>& clips) const override {
    std::vector<std::vector<float>> mono;
    mono.reserve(clips.size());
    for (size_t i = 0; i < clips.size(); ++i) {
      validate_audio(clips[i], "clip " + std::to_string(i));
      if (clips[i].sample_rate == sampling_rate()) {
        mono.push_back(clips[i].mono());
      } else {
        mono.push_back(resample(clips[i], sampling_rate()).mono());
      }
    }
    return mel_.compute_batch(mono);
  }

 private:
  WhisperMel mel_;
};

}  // namespace

WhisperMelOptions whisper_mel_options_from_json(const nlohmann::json& json, const std::string& source,
                                                WhisperMelOptions options) {
  options.feature_size = json_value_or(json, "feature_size", options.feature_size, source);
  options.sampling_rate = json_value_or(json, "sampling_rate", options.sampling_rate, source);
  options.n_fft = json_value_or(json, "n_fft", options.n_fft, source);
  options.hop_length = json_value_or(json, "hop_length", options.hop_length, source);
  options.chunk_length = json_value_or(json, "chunk_length", options.chunk_length, source);
  if (options.feature_size <= 0 || options.sampling_rate <= 0 || options.hop_length <= 0 || options.n_fft <= 0 ||
      options.chunk_length <= 0) {
    throw Error(ErrorCode::kInvalidFormat,
                source + ": feature_size, sampling_rate, n_fft, hop_length and chunk_length must be positive");
  }
  return options;
}

std::unique_ptr<FeatureExtractor> make_whisper_feature_extractor(const WhisperMelOptions& options) {
  return std::make_unique<WhisperFeatureExtractor>(options);
}

std::unique_ptr<FeatureExtractor> load_feature_extractor(const std::string& path) {
  std::string file = path;
  struct stat status {};
  if (stat(path.c_str(), &status) == 0 && S_ISDIR(status.st_mode)) file = path + "/preprocessor_config.json";
  const nlohmann::json config = read_json_file(file);
  const std::string source = "'" + file + "'";
  const std::string type = json_required<std::string>(config, "feature_extractor_type", source);
  if (type == "WhisperFeatureExtractor") return make_whisper_feature_extractor(whisper_mel_options_from_json(config, source));
  throw Error(ErrorCode::kUnsupported, source + ": feature_extractor_type '" + type +
                                           "' is not supported (supported: WhisperFeatureExtractor)");
}

}  // namespace almkit
