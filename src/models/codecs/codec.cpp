#include "models/codecs/codec.h"

#include <map>

#include "almkit/error.h"
#include "models/codecs/dac.h"
#include "models/codecs/encodec.h"
#include "models/codecs/mimi.h"

namespace almkit::codecs {
namespace {

const std::map<std::string, CodecBuilder>& codec_registry() {
  static const std::map<std::string, CodecBuilder> builders = {
      {"dac", build_dac},
      {"encodec", build_encodec},
      {"mimi", build_mimi},
  };
  return builders;
}

}  // namespace

std::vector<std::string> supported_codec_types() {
  std::vector<std::string> names;
  for (const auto& entry : codec_registry()) names.push_back(entry.first);
  return names;
}

at::Tensor codec_input(const Codec& codec, const AudioBuffer& audio, const std::string& source) {
  if (audio.sample_rate != codec.sampling_rate()) {
    throw Error(ErrorCode::kInvalidArgument, source + ": audio is " + std::to_string(audio.sample_rate) +
                                                 " Hz, the " + codec.model_type() + " model takes " +
                                                 std::to_string(codec.sampling_rate()) + " Hz; resample it first");
  }
  if (audio.channels < 1 || audio.num_frames() == 0) {
    throw Error(ErrorCode::kInvalidArgument, source + ": empty audio");
  }
  const int64_t frames = audio.num_frames();
  if (audio.channels == codec.channels()) {
    return at::from_blob(const_cast<float*>(audio.samples.data()), {frames, audio.channels}, at::kFloat)
        .t()
        .unsqueeze(0)
        .clone(at::MemoryFormat::Contiguous);  // own the samples: `audio` may be a temporary
  }
  std::vector<float> mono = audio.mono();
  at::Tensor out = at::from_blob(mono.data(), {1, 1, frames}, at::kFloat).clone();
  return codec.channels() == 1 ? out : out.expand({1, codec.channels(), frames}).contiguous();
}

EncodedAudioCodes Codec::encode_model_chunk(const at::Tensor& chunk, double bandwidth) const {
  (void)chunk;
  (void)bandwidth;
  throw Error(ErrorCode::kUnsupported, model_type() + ": the model does not chunk its input");
}

at::Tensor Codec::decode_model_chunk(const EncodedAudioCodes& chunk) const {
  (void)chunk;
  throw Error(ErrorCode::kUnsupported, model_type() + ": the model does not chunk its input");
}

bool is_codec_model_type(const std::string& model_type) { return codec_registry().count(model_type) != 0; }

std::unique_ptr<Codec> load_codec(const std::string& folder, const WeightOptions& options,
                                  const CodecOptions& codec_options) {
  const ModelConfig config = ModelConfig::load(folder);
  const std::string type = config.model_type();
  auto it = codec_registry().find(type);
  if (it == codec_registry().end()) {
    std::string known;
    for (const auto& name : supported_codec_types()) known += (known.empty() ? "" : ", ") + name;
    throw Error(ErrorCode::kUnsupported,
                config.source() + ": model_type '" + type + "' is not a supported codec (supported: " + known + ")");
  }
  WeightStore weights(SafetensorsCheckpoint::open_folder(folder), options);
  std::unique_ptr<Codec> codec = it->second(config, weights, codec_options);
  weights.check_all_used();
  return codec;
}

}  // namespace almkit::codecs
