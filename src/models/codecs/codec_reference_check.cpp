#include "models/codecs/codec_reference_check.h"

#include "almkit/error.h"
#include "models/codecs/codec.h"

namespace almkit::codecs {
namespace {

at::Tensor read_f32(const SafetensorsFile& io, const std::string& name) {
  const TensorView& view = io.tensor(name);
  if (view.dtype != DType::kF32) throw Error(ErrorCode::kUnsupported, "reference tensor '" + name + "' must be F32");
  return at::from_blob(const_cast<void*>(view.data), view.shape, at::kFloat).clone();
}

const std::string kCodesSuffix = "_audio_codes";

}  // namespace

std::vector<std::pair<std::string, at::Tensor>> compute_codec_reference_tensors(const std::string& model_dir,
                                                                                const SafetensorsFile& io) {
  const std::unique_ptr<Codec> codec = load_codec(model_dir, WeightOptions{});
  if (!io.contains("input_values")) {
    throw Error(ErrorCode::kNotFound, "codec reference file has no 'input_values'");
  }
  const at::Tensor audio = read_f32(io, "input_values");
  std::vector<std::pair<std::string, at::Tensor>> out;
  if (io.contains("latent")) out.emplace_back("latent", codec->encode_latent(audio));

  // "" = the model's default bandwidth (transformers: target_bandwidths[0]); "bwX_" = X kbps.
  for (const std::string& name : io.names()) {
    const bool plain = name == "audio_codes";
    const bool prefixed = name.size() > kCodesSuffix.size() + 2 && name.rfind("bw", 0) == 0 &&
                          name.compare(name.size() - kCodesSuffix.size(), kCodesSuffix.size(), kCodesSuffix) == 0;
    if (!plain && !prefixed) continue;
    double bandwidth = codec->bandwidths().front();
    std::string prefix;
    if (prefixed) {
      prefix = name.substr(0, name.size() - kCodesSuffix.size() + 1);  // "bw1.5_"
      try {
        bandwidth = std::stod(prefix.substr(2, prefix.size() - 3));
      } catch (const std::exception&) {
        continue;  // not a bandwidth: left unknown
      }
    }
    EncodedAudioCodes encoded = codec->encode(audio, bandwidth);
    out.emplace_back(name, encoded.codes);
    if (io.contains(prefix + "audio_values")) {
      encoded.audio_length = 0;  // transformers' decode(codes) keeps the full decoded length
      out.emplace_back(prefix + "audio_values", codec->decode(encoded));
    }
  }
  return out;
}

}  // namespace almkit::codecs
