#include "models/codecs/codec_reference_check.h"

#include "almkit/error.h"
#include "models/codecs/codec.h"

namespace almkit::codecs {
namespace {

at::Tensor read(const SafetensorsFile& io, const std::string& name) {
  const TensorView& view = io.tensor(name);
  if (view.dtype != DType::kF32 && view.dtype != DType::kI64) {
    throw Error(ErrorCode::kUnsupported, "reference tensor '" + name + "' must be F32 or I64");
  }
  const at::ScalarType type = view.dtype == DType::kI64 ? at::kLong : at::kFloat;
  return at::from_blob(const_cast<void*>(view.data), view.shape, at::TensorOptions().dtype(type)).clone();
}

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// DAC looks codes up by cosine similarity of 8-dimensional vectors, where two codewords are
// sometimes equally near up to float rounding; 1% of the codes may flip. Elsewhere: identical.
double allowed_flip_rate(const std::string& model_type) { return model_type == "dac" ? 0.01 : 0.0; }

// "" = the model's default bandwidth; "bwX_" = X kbps; "nqN_" = N quantizers.
bool parse_prefix(const Codec& codec, const std::string& prefix, double* bandwidth) {
  *bandwidth = codec.default_bandwidth();
  if (prefix.empty()) return true;
  try {
    if (prefix.rfind("bw", 0) == 0) {
      *bandwidth = std::stod(prefix.substr(2, prefix.size() - 3));
      return true;
    }
    if (prefix.rfind("nq", 0) == 0) {
      const int64_t n = std::stoll(prefix.substr(2, prefix.size() - 3));
      for (double b : codec.bandwidths()) {
        if (codec.quantizers_for_bandwidth(b) == n) {
          *bandwidth = b;
          return true;
        }
      }
    }
  } catch (const std::exception&) {
  }
  return false;  // not a bandwidth: left unknown
}

// The reference's codes as the 4-d [chunks, batch, quantizers, frames] layout of EncodedAudioCodes.
at::Tensor as_chunked(const at::Tensor& codes) { return codes.dim() == 3 ? codes.unsqueeze(0) : codes; }

// Our tensor in the reference's layout where they differ only by how transformers squeezes
// (DAC's decode drops the channel; DAC and Mimi codes have no chunk dimension).
at::Tensor like_reference(const at::Tensor& ours, const at::Tensor& reference) {
  if (ours.dim() == reference.dim() + 1 && ours.numel() == reference.numel()) return ours.reshape(reference.sizes());
  return ours;
}

}  // namespace

std::vector<CodecReferenceTensor> compute_codec_reference_tensors(const std::string& model_dir,
                                                                  const SafetensorsFile& io) {
  const std::unique_ptr<Codec> codec = load_codec(model_dir, WeightOptions{});
  if (!io.contains("input_values")) {
    throw Error(ErrorCode::kNotFound, "codec reference file has no 'input_values'");
  }
  const at::Tensor audio = read(io, "input_values");
  const double flips = allowed_flip_rate(codec->model_type());
  std::vector<CodecReferenceTensor> out;
  if (io.contains("latent")) out.push_back({"latent", codec->encode_latent(audio)});

  const std::string codes_suffix = "audio_codes";
  for (const std::string& name : io.names()) {
    if (!ends_with(name, codes_suffix)) continue;
    const std::string prefix = name.substr(0, name.size() - codes_suffix.size());
    double bandwidth = 0;
    if (!parse_prefix(*codec, prefix, &bandwidth)) continue;
    EncodedAudioCodes encoded = codec->encode(audio, bandwidth);
    const at::Tensor reference_codes = read(io, name);
    out.push_back({name, like_reference(encoded.codes, reference_codes), flips});

    const bool same_layout = as_chunked(reference_codes).sizes() == encoded.codes.sizes();
    if (same_layout) encoded.codes = as_chunked(reference_codes);  // decode what transformers decoded
    encoded.audio_length = 0;  // transformers' decode(codes) keeps the full decoded length
    for (const std::string output : {"audio_values", "audio_values_from_codes"}) {
      if (io.contains(prefix + output)) {
        out.push_back({prefix + output, like_reference(codec->decode(encoded), read(io, prefix + output))});
      }
    }
    bool wants_details = false;
    for (const std::string detail : {"quantized_representation", "projected_latents"}) {
      wants_details = wants_details || io.contains(prefix + detail);
    }
    if (wants_details) {
      const at::Tensor forced = same_layout ? reference_codes.dim() == 3 ? reference_codes : reference_codes[0]
                                            : at::Tensor();
      for (const auto& [detail, tensor] : codec->encode_details(audio, forced)) {
        if (io.contains(prefix + detail)) out.push_back({prefix + detail, tensor});
      }
    }
  }
  return out;
}

}  // namespace almkit::codecs
