// almkit.h: neural audio codecs (EnCodec): load, encode a clip into library-owned codes, decode
// those codes or caller codes (validated here, before the model sees them) back into a clip.
#include <ATen/ATen.h>

#include <algorithm>

#include "capi/capi_internal.h"
#include "models/codecs/codec.h"

struct almkit_codec {
  std::unique_ptr<almkit::codecs::Codec> codec;
  at::Device device = at::kCPU;
  std::string type;
  std::vector<double> bandwidths;
};

struct almkit_codes {
  almkit::codecs::EncodedAudioCodes encoded;  // codes on the CPU, [chunks, 1, quantizers, frames]
  std::vector<int64_t> data;
  std::vector<int32_t> data_int32;
  int32_t sample_rate = 0;
  double bandwidth = 0;
};

using almkit::capi::fail;
using almkit::capi::guarded;

namespace {

// [1, channels, samples] -> an almkit_audio at `sample_rate` (clamped to [-1, 1] as the header
// promises for every clip).
almkit_audio* to_audio(const at::Tensor& audio, int32_t sample_rate) {
  const at::Tensor interleaved = audio[0].to(at::kCPU, at::kFloat).t().contiguous().clamp(-1.f, 1.f);
  auto handle = std::make_unique<almkit_audio>();
  handle->buffer.sample_rate = sample_rate;
  handle->buffer.channels = static_cast<int>(audio.size(1));
  handle->buffer.samples.assign(interleaved.data_ptr<float>(),
                                interleaved.data_ptr<float>() + interleaved.numel());
  return handle.release();
}

}  // namespace

extern "C" {

almkit_codec_params almkit_codec_default_params(void) {
  almkit_codec_params p{};
  p.struct_size = sizeof p;
  p.device = "cpu";
  return p;
}

almkit_codec_encode_params almkit_codec_encode_default_params(void) {
  almkit_codec_encode_params p{};
  p.struct_size = sizeof p;
  p.bandwidth = 0.0;
  return p;
}

almkit_status almkit_codec_load(const char* folder, const almkit_codec_params* params,
                                almkit_codec** out) {
  const char* const fn = __func__;
  return guarded(fn, [&] {
    ALMKIT_CAPI_REQUIRE(fn, out);
    *out = nullptr;
    ALMKIT_CAPI_REQUIRE(fn, folder);
    const almkit_codec_params p =
        almkit::capi::read_struct("params", params, almkit_codec_default_params());
    auto handle = std::make_unique<almkit_codec>();
    if (p.device != nullptr && *p.device != '\0') {
      try {
        handle->device = at::Device(std::string(p.device));
      } catch (const std::exception&) {
        return fail(ALMKIT_ERR_INVALID_ARGUMENT, fn,
                    std::string("device '") + p.device + "' is not a libtorch device");
      }
    }
    almkit::WeightOptions options;
    options.device = handle->device;
    handle->codec = almkit::codecs::load_codec(folder, options);
    handle->type = handle->codec->model_type();
    handle->bandwidths = handle->codec->bandwidths();
    *out = handle.release();
    return ALMKIT_OK;
  });
}

void almkit_codec_free(almkit_codec* codec) {
  delete codec;
}

const char* almkit_codec_type(const almkit_codec* codec) {
  return codec ? codec->type.c_str() : "";
}
int32_t almkit_codec_sample_rate(const almkit_codec* codec) {
  return codec ? static_cast<int32_t>(codec->codec->sampling_rate()) : 0;
}
int32_t almkit_codec_channels(const almkit_codec* codec) {
  return codec ? static_cast<int32_t>(codec->codec->channels()) : 0;
}
int32_t almkit_codec_codebook_size(const almkit_codec* codec) {
  return codec ? static_cast<int32_t>(codec->codec->codebook_size()) : 0;
}
int32_t almkit_codec_max_quantizers(const almkit_codec* codec) {
  return codec ? static_cast<int32_t>(codec->codec->max_quantizers()) : 0;
}
double almkit_codec_frame_rate(const almkit_codec* codec) {
  return codec ? codec->codec->frame_rate() : 0.0;
}
const double* almkit_codec_bandwidths(const almkit_codec* codec, size_t* count) {
  if (count != nullptr) *count = codec ? codec->bandwidths.size() : 0;
  return codec && !codec->bandwidths.empty() ? codec->bandwidths.data() : nullptr;
}

almkit_status almkit_codec_encode(const almkit_codec* codec, const almkit_audio* audio,
                                  const almkit_codec_encode_params* params, almkit_codes** out) {
  const char* const fn = __func__;
  return guarded(fn, [&] {
    ALMKIT_CAPI_REQUIRE(fn, out);
    *out = nullptr;
    ALMKIT_CAPI_REQUIRE(fn, codec);
    ALMKIT_CAPI_REQUIRE(fn, audio);
    const almkit_codec_encode_params p =
        almkit::capi::read_struct("params", params, almkit_codec_encode_default_params());
    if (!(p.bandwidth >= 0.0)) {
      return fail(ALMKIT_ERR_INVALID_ARGUMENT, fn, "bandwidth must be >= 0 (0: the codec's default)");
    }
    const double bandwidth = p.bandwidth > 0 ? p.bandwidth : codec->codec->default_bandwidth();
    const at::Tensor input =
        almkit::codecs::codec_input(*codec->codec, audio->buffer, "audio").to(codec->device);
    auto handle = std::make_unique<almkit_codes>();
    handle->encoded = codec->codec->encode(input, bandwidth);
    handle->encoded.codes = handle->encoded.codes.to(at::kCPU, at::kLong).contiguous();
    const at::Tensor& codes = handle->encoded.codes;
    handle->data.assign(codes.data_ptr<int64_t>(), codes.data_ptr<int64_t>() + codes.numel());
    handle->data_int32.assign(handle->data.begin(), handle->data.end());  // codes < codebook size
    handle->sample_rate = static_cast<int32_t>(codec->codec->sampling_rate());
    handle->bandwidth = bandwidth;
    *out = handle.release();
    return ALMKIT_OK;
  });
}

almkit_status almkit_codec_decode(const almkit_codec* codec, const almkit_codes* codes,
                                  almkit_audio** out) {
  const char* const fn = __func__;
  return guarded(fn, [&] {
    ALMKIT_CAPI_REQUIRE(fn, out);
    *out = nullptr;
    ALMKIT_CAPI_REQUIRE(fn, codec);
    ALMKIT_CAPI_REQUIRE(fn, codes);
    if (codes->sample_rate != codec->codec->sampling_rate()) {
      return fail(ALMKIT_ERR_INVALID_ARGUMENT, fn,
                  "the codes come from a " + std::to_string(codes->sample_rate) +
                      " Hz codec; this one runs at " +
                      std::to_string(codec->codec->sampling_rate()) + " Hz");
    }
    almkit::codecs::EncodedAudioCodes encoded = codes->encoded;
    encoded.codes = encoded.codes.to(codec->device);
    for (auto& scale : encoded.scales) {
      if (scale.defined()) scale = scale.to(codec->device);
    }
    *out = to_audio(codec->codec->decode(encoded), static_cast<int32_t>(codec->codec->sampling_rate()));
    return ALMKIT_OK;
  });
}

almkit_status almkit_codec_decode_codes(const almkit_codec* codec, const int64_t* codes,
                                        int32_t num_quantizers, int64_t num_frames,
                                        int64_t audio_length, almkit_audio** out) {
  const char* const fn = __func__;
  return guarded(fn, [&] {
    ALMKIT_CAPI_REQUIRE(fn, out);
    *out = nullptr;
    ALMKIT_CAPI_REQUIRE(fn, codec);
    ALMKIT_CAPI_REQUIRE(fn, codes);
    const int64_t max_q = codec->codec->max_quantizers();
    if (num_quantizers < 1 || num_quantizers > max_q) {
      return fail(ALMKIT_ERR_SHAPE_MISMATCH, fn,
                  "num_quantizers is " + std::to_string(num_quantizers) + "; the " + codec->type +
                      " codec takes 1.." + std::to_string(max_q));
    }
    if (num_frames < 1) {
      return fail(ALMKIT_ERR_INVALID_ARGUMENT, fn,
                  "num_frames is " + std::to_string(num_frames) + "; at least 1 is needed");
    }
    if (audio_length < 0) {
      return fail(ALMKIT_ERR_INVALID_ARGUMENT, fn,
                  "audio_length is " + std::to_string(audio_length) + " (0: the full length)");
    }
    const int64_t size = codec->codec->codebook_size();
    const int64_t count = num_quantizers * num_frames;
    for (int64_t i = 0; i < count; ++i) {
      if (codes[i] < 0 || codes[i] >= size) {
        return fail(ALMKIT_ERR_INVALID_ARGUMENT, fn,
                    "code " + std::to_string(codes[i]) + " at quantizer " +
                        std::to_string(i / num_frames) + ", frame " +
                        std::to_string(i % num_frames) + " is outside the codebook (0.." +
                        std::to_string(size - 1) + ")");
      }
    }
    almkit::codecs::EncodedAudioCodes encoded;
    encoded.codes = at::from_blob(const_cast<int64_t*>(codes), {1, 1, num_quantizers, num_frames},
                                  at::kLong)
                        .to(codec->device, at::kLong, false, /*copy=*/true);
    encoded.audio_length = audio_length;
    *out = to_audio(codec->codec->decode(encoded), static_cast<int32_t>(codec->codec->sampling_rate()));
    return ALMKIT_OK;
  });
}

int64_t almkit_codes_num_chunks(const almkit_codes* codes) {
  return codes ? codes->encoded.codes.size(0) : 0;
}
int32_t almkit_codes_num_quantizers(const almkit_codes* codes) {
  return codes ? static_cast<int32_t>(codes->encoded.codes.size(2)) : 0;
}
int64_t almkit_codes_num_frames(const almkit_codes* codes) {
  return codes ? codes->encoded.codes.size(3) : 0;
}
int32_t almkit_codes_sample_rate(const almkit_codes* codes) {
  return codes ? codes->sample_rate : 0;
}
int64_t almkit_codes_audio_length(const almkit_codes* codes) {
  return codes ? codes->encoded.audio_length : 0;
}
double almkit_codes_bandwidth(const almkit_codes* codes) {
  return codes ? codes->bandwidth : 0.0;
}
const int64_t* almkit_codes_data(const almkit_codes* codes) {
  return codes ? codes->data.data() : nullptr;
}
const int32_t* almkit_codes_data_int32(const almkit_codes* codes) {
  return codes ? codes->data_int32.data() : nullptr;
}
void almkit_codes_free(almkit_codes* codes) {
  delete codes;
}

}  // extern "C"
