// A neural audio codec (EnCodec, later DAC and Mimi): audio <-> discrete codes. Codecs have their
// own small registry, apart from the language-model parts of models/registry.h.
#pragma once

#include <ATen/ATen.h>

#include <memory>
#include <string>
#include <vector>

#include "almkit/audio.h"
#include "models/config.h"
#include "models/weights.h"

namespace almkit::codecs {

struct EncodedAudioCodes {
  at::Tensor codes;                // [chunks, batch, quantizers, frames] int64
  std::vector<at::Tensor> scales;  // one [batch, 1] per chunk, or undefined (no normalisation)
  int64_t audio_length = 0;        // samples of the input; decode trims to it when > 0
};

class Codec {
 public:
  virtual ~Codec() = default;
  virtual std::string model_type() const = 0;
  virtual int64_t sampling_rate() const = 0;
  virtual int64_t channels() const = 0;
  virtual int64_t codebook_size() const = 0;
  virtual int64_t max_quantizers() const = 0;
  virtual double frame_rate() const = 0;            // code frames per second
  virtual std::vector<double> bandwidths() const = 0;  // kbps the model supports
  // How many quantizers `bandwidth` kbps selects (the reference's rule).
  virtual int64_t quantizers_for_bandwidth(double bandwidth) const = 0;

  // audio [batch, channels, samples] float32 at sampling_rate(); bandwidth must be one of
  // bandwidths(). Empty audio, wrong channels or bandwidth are kInvalidArgument.
  virtual EncodedAudioCodes encode(const at::Tensor& audio, double bandwidth) const = 0;
  // The inverse; codes outside the codebook or too many quantizers are kInvalidArgument.
  // When `codes.audio_length` is 0 the full decoded length is returned (as transformers' decode).
  virtual at::Tensor decode(const EncodedAudioCodes& codes) const = 0;
  // The encoder output before quantisation, [batch, dim, frames] (one chunk: the whole input).
  virtual at::Tensor encode_latent(const at::Tensor& audio) const = 0;
};

// A decoded file as the codec's input [1, channels, samples]. A sample rate other than the
// model's is refused (kInvalidArgument naming both rates): resample first (load_audio's
// target_sample_rate), so that nobody tokenizes audio at the wrong rate by accident. Mono input
// to a stereo model is duplicated; more channels than the model takes are downmixed to mono.
at::Tensor codec_input(const Codec& codec, const AudioBuffer& audio, const std::string& source);

using CodecBuilder = std::unique_ptr<Codec> (*)(const ModelConfig&, WeightStore&);

std::vector<std::string> supported_codec_types();
bool is_codec_model_type(const std::string& model_type);
// Loads <folder>/config.json and its safetensors; every checkpoint tensor must be used.
std::unique_ptr<Codec> load_codec(const std::string& folder, const WeightOptions& options);

}  // namespace almkit::codecs
