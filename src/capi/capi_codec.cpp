// almkit.h: neural audio codecs (EnCodec, DAC, Mimi) over the public C++ API (almkit/codec.h):
// load, encode a clip into library-owned codes, decode those codes or caller codes (validated
// here, naming the bad code, before the model sees them) back into a clip.
#include <algorithm>

#include "almkit/codec.h"
#include "capi/capi_internal.h"

struct almkit_codec {
  std::unique_ptr<almkit::AudioCodec> codec;
  std::vector<double> bandwidths;
};

struct almkit_codes {
  almkit::AudioCodes codes;
  std::vector<int32_t> data_int32;
};

using almkit::capi::fail;
using almkit::capi::guarded;

namespace {

// A decoded clip as an almkit_audio, clamped to [-1, 1] as the header promises for every clip.
almkit_audio* to_audio(almkit::AudioBuffer audio) {
  for (float& sample : audio.samples) sample = std::clamp(sample, -1.f, 1.f);
  auto handle = std::make_unique<almkit_audio>();
  handle->buffer = std::move(audio);
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
    almkit::AudioCodecOptions options;
    if (p.device != nullptr && *p.device != '\0') options.device = p.device;
    auto handle = std::make_unique<almkit_codec>();
    handle->codec = almkit::AudioCodec::load(folder, options);
    handle->bandwidths = handle->codec->bandwidths();
    *out = handle.release();
    return ALMKIT_OK;
  });
}

void almkit_codec_free(almkit_codec* codec) {
  delete codec;
}

const char* almkit_codec_type(const almkit_codec* codec) {
  return codec ? codec->codec->model_type().c_str() : "";
}
int32_t almkit_codec_sample_rate(const almkit_codec* codec) {
  return codec ? static_cast<int32_t>(codec->codec->sample_rate()) : 0;
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
    auto handle = std::make_unique<almkit_codes>();
    handle->codes = codec->codec->encode(audio->buffer, p.bandwidth);
    handle->data_int32.assign(handle->codes.codes.begin(), handle->codes.codes.end());  // < codebook size
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
    *out = to_audio(codec->codec->decode(codes->codes));
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
                  "num_quantizers is " + std::to_string(num_quantizers) + "; the " +
                      codec->codec->model_type() + " codec takes 1.." + std::to_string(max_q));
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
    almkit::AudioCodes caller;
    caller.codes.assign(codes, codes + count);
    caller.quantizers = num_quantizers;
    caller.frames = num_frames;
    caller.audio_length = audio_length;
    caller.sample_rate = codec->codec->sample_rate();
    *out = to_audio(codec->codec->decode(caller));
    return ALMKIT_OK;
  });
}

int64_t almkit_codes_num_chunks(const almkit_codes* codes) {
  return codes ? codes->codes.chunks : 0;
}
int32_t almkit_codes_num_quantizers(const almkit_codes* codes) {
  return codes ? static_cast<int32_t>(codes->codes.quantizers) : 0;
}
int64_t almkit_codes_num_frames(const almkit_codes* codes) {
  return codes ? codes->codes.frames : 0;
}
int32_t almkit_codes_sample_rate(const almkit_codes* codes) {
  return codes ? codes->codes.sample_rate : 0;
}
int64_t almkit_codes_audio_length(const almkit_codes* codes) {
  return codes ? codes->codes.audio_length : 0;
}
double almkit_codes_bandwidth(const almkit_codes* codes) {
  return codes ? codes->codes.bandwidth : 0.0;
}
const int64_t* almkit_codes_data(const almkit_codes* codes) {
  return codes ? codes->codes.codes.data() : nullptr;
}
const int32_t* almkit_codes_data_int32(const almkit_codes* codes) {
  return codes ? codes->data_int32.data() : nullptr;
}
void almkit_codes_free(almkit_codes* codes) {
  delete codes;
}

}  // extern "C"
