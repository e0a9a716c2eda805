// A neural audio codec (EnCodec, later DAC and Mimi): audio <-> discrete codes. Codecs have their
// own small registry, apart from the language-model parts of models/registry.h.
#pragma once

#include <ATen/ATen.h>

#include <memory>
#include <string>
#include <vector>

#include "almkit/audio.h"
#include "models/config.h"
#include "io/weight_store.h"

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
  // The bandwidth transformers' encode uses when given none: EnCodec's first target bandwidth;
  // DAC and Mimi use every quantizer.
  virtual double default_bandwidth() const { return bandwidths().front(); }

  // audio [batch, channels, samples] float32 at sampling_rate(); bandwidth must be one of
  // bandwidths(). Empty audio, wrong channels or bandwidth are kInvalidArgument.
  virtual EncodedAudioCodes encode(const at::Tensor& audio, double bandwidth) const = 0;
  // The inverse; codes outside the codebook or too many quantizers are kInvalidArgument.
  // When `codes.audio_length` is 0 the full decoded length is returned (as transformers' decode).
  virtual at::Tensor decode(const EncodedAudioCodes& codes) const = 0;
  // The encoder output before quantisation, [batch, dim, frames] (one chunk: the whole input).
  virtual at::Tensor encode_latent(const at::Tensor& audio) const = 0;
  // Further named outputs of the reference model's encode (DAC: quantized_representation,
  // projected_latents) for reference checks, computed with `forced_codes` [B, n_q, T] chosen
  // instead of the nearest codewords (see RvqEncodeTrace). Empty for codecs that have none.
  // Samples per code frame (the hop): chunks of long inputs start on multiples of it.
  virtual int64_t frame_samples() const = 0;
  // Models that cut their input into independent, overlapping chunks themselves (48 kHz EnCodec:
  // `chunk_length_s`, `overlap`): the chunk length and stride in samples, 0 when the model does not.
  // The input is zero-padded to (n - 1) x stride + length for n = ceil(samples / stride) chunks.
  virtual int64_t model_chunk_length() const { return 0; }
  virtual int64_t model_chunk_stride() const { return 0; }
  bool chunks_itself() const { return model_chunk_length() > 0; }
  // One such chunk, exactly model_chunk_length() samples [B, C, length]: codes [1, B, n_q, frames]
  // and its scale (undefined without normalisation), as encode computes that chunk.
  virtual EncodedAudioCodes encode_model_chunk(const at::Tensor& chunk, double bandwidth) const;
  // The inverse for one chunk's codes [1, B, n_q, frames] and scale: its audio [B, C, n], scaled
  // back, before the linear overlap-add that joins the chunks (models/codecs/overlap_add.h).
  // The codes are checked as decode checks them.
  virtual at::Tensor decode_model_chunk(const EncodedAudioCodes& chunk) const;
  // Exact chunk-by-chunk processing for codecs whose every layer is causal (nullptr: the codec
  // cannot stream). Chunks other than the last hold a multiple of frame_samples() samples.
  class Stream {
   public:
    virtual ~Stream() = default;
    // Encode: audio [B, C, n] -> codes [B, n_q, frames]; decode: codes -> audio [B, C, n].
    virtual at::Tensor push(const at::Tensor& input, bool last) = 0;
  };
  virtual std::unique_ptr<Stream> encode_stream(double bandwidth) const {
    (void)bandwidth;
    return nullptr;
  }
  virtual std::unique_ptr<Stream> decode_stream() const { return nullptr; }
  virtual std::vector<std::pair<std::string, at::Tensor>> encode_details(const at::Tensor& audio,
                                                                         const at::Tensor& forced_codes) const {
    (void)audio;
    (void)forced_codes;
    return {};
  }
};

// A decoded file as the codec's input [1, channels, samples]. A sample rate other than the
// model's is refused (kInvalidArgument naming both rates): resample first (load_audio's
// target_sample_rate), so that nobody tokenizes audio at the wrong rate by accident. Mono input
// to a stereo model is duplicated; more channels than the model takes are downmixed to mono.
at::Tensor codec_input(const Codec& codec, const AudioBuffer& audio, const std::string& source);

// Choices that change what a codec computes; the defaults reproduce transformers 4.47.1.
struct CodecOptions {
  // Mimi: attend causally within the sliding window (Kyutai's streaming model), so that long
  // inputs stream exactly chunk by chunk. The default attends across the whole call, as
  // transformers 4.47.1 computes Mimi with eager attention (it passes no attention mask).
  bool causal_attention = false;
};

using CodecBuilder = std::unique_ptr<Codec> (*)(const ModelConfig&, WeightStore&, const CodecOptions&);

std::vector<std::string> supported_codec_types();
bool is_codec_model_type(const std::string& model_type);
// Loads <folder>/config.json and its safetensors; every checkpoint tensor must be used.
std::unique_ptr<Codec> load_codec(const std::string& folder, const WeightOptions& options,
                                  const CodecOptions& codec_options = {});

}  // namespace almkit::codecs
