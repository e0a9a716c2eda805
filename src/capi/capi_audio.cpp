// almkit.h: audio handles (load from path / memory / samples, resample, write) and features
// (Whisper mel, Kaldi fbank) into caller buffers or library-owned almkit_features.
#include <cmath>
#include <limits>

#include "almkit/features.h"
#include "capi/capi_internal.h"

using almkit::capi::fail;
using almkit::capi::guarded;

namespace {

almkit::AudioLoadOptions to_options(const almkit_audio_params* params) {
  const almkit_audio_params p =
      almkit::capi::read_struct("params", params, almkit_audio_default_params());
  almkit::AudioLoadOptions options;
  options.target_sample_rate = p.target_sample_rate;
  options.mono = p.mono;
  options.offset_seconds = p.offset_seconds;
  options.duration_seconds = p.duration_seconds;
  return options;
}

almkit::WhisperMelOptions to_options(const almkit_whisper_mel_params* params) {
  const almkit_whisper_mel_params p =
      almkit::capi::read_struct("params", params, almkit_whisper_mel_default_params());
  almkit::WhisperMelOptions o;
  o.feature_size = p.feature_size;
  o.sampling_rate = p.sampling_rate;
  o.n_fft = p.n_fft;
  o.hop_length = p.hop_length;
  o.chunk_length = p.chunk_length;
  o.pad_to_chunk = p.pad_to_chunk;
  o.num_threads = p.num_threads;
  return o;
}

almkit::KaldiFbankOptions to_options(const almkit_kaldi_fbank_params* params) {
  const almkit_kaldi_fbank_params p =
      almkit::capi::read_struct("params", params, almkit_kaldi_fbank_default_params());
  almkit::KaldiFbankOptions o;
  o.blackman_coeff = p.blackman_coeff;
  o.channel = p.channel;
  o.dither = p.dither;
  o.energy_floor = p.energy_floor;
  o.frame_length = p.frame_length;
  o.frame_shift = p.frame_shift;
  o.high_freq = p.high_freq;
  o.htk_compat = p.htk_compat;
  o.low_freq = p.low_freq;
  o.min_duration = p.min_duration;
  o.num_mel_bins = p.num_mel_bins;
  o.preemphasis_coefficient = p.preemphasis_coefficient;
  o.raw_energy = p.raw_energy;
  o.remove_dc_offset = p.remove_dc_offset;
  o.round_to_power_of_two = p.round_to_power_of_two;
  o.sample_frequency = p.sample_frequency;
  o.snip_edges = p.snip_edges;
  o.subtract_mean = p.subtract_mean;
  o.use_energy = p.use_energy;
  o.use_log_fbank = p.use_log_fbank;
  o.use_power = p.use_power;
  o.vtln_high = p.vtln_high;
  o.vtln_low = p.vtln_low;
  o.vtln_warp = p.vtln_warp;
  o.window_type = p.window_type ? p.window_type : "povey";
  o.dither_seed = p.dither_seed;
  o.num_threads = p.num_threads;
  return o;
}

// Samples must be present for a positive count; 0 samples is an error of the feature code.
almkit_status check_samples(const char* fn, const float* samples, int64_t num_samples) {
  if (num_samples < 0) {
    return fail(ALMKIT_ERR_INVALID_ARGUMENT, fn,
                "num_samples is negative (" + std::to_string(num_samples) + ")");
  }
  if (samples == nullptr) return almkit::capi::null_argument(fn, "samples");
  return ALMKIT_OK;
}

almkit_status check_capacity(const char* fn, size_t capacity, int64_t needed) {
  if (static_cast<uint64_t>(needed) > capacity) {
    return fail(ALMKIT_ERR_BUFFER_TOO_SMALL, fn,
                "the output needs " + std::to_string(needed) + " floats; capacity is " +
                    std::to_string(capacity));
  }
  return ALMKIT_OK;
}

almkit_status new_audio(almkit::AudioBuffer&& buffer, almkit_audio** out) {
  auto handle = std::make_unique<almkit_audio>();
  handle->buffer = std::move(buffer);
  *out = handle.release();
  return ALMKIT_OK;
}

}  // namespace

extern "C" {

almkit_audio_params almkit_audio_default_params(void) {
  almkit_audio_params p{};
  p.struct_size = sizeof p;
  p.target_sample_rate = 0;
  p.mono = true;
  p.offset_seconds = 0.0;
  p.duration_seconds = 0.0;
  return p;
}

almkit_status almkit_audio_load(const char* path, const almkit_audio_params* params,
                                almkit_audio** out) {
  const char* const fn = __func__;
  return guarded(fn, [&] {
    ALMKIT_CAPI_REQUIRE(fn, out);
    *out = nullptr;
    ALMKIT_CAPI_REQUIRE(fn, path);
    return new_audio(almkit::load_audio(path, to_options(params)), out);
  });
}

almkit_status almkit_audio_load_memory(const void* data, size_t size,
                                       const almkit_audio_params* params, almkit_audio** out) {
  const char* const fn = __func__;
  return guarded(fn, [&] {
    ALMKIT_CAPI_REQUIRE(fn, out);
    *out = nullptr;
    ALMKIT_CAPI_REQUIRE(fn, data);
    if (size == 0) return fail(ALMKIT_ERR_INVALID_ARGUMENT, fn, "size is 0 (no encoded audio)");
    return new_audio(almkit::load_audio_from_memory(data, size, to_options(params)), out);
  });
}

almkit_status almkit_audio_from_samples(const float* samples, int64_t num_frames, int32_t channels,
                                        int32_t sample_rate, almkit_audio** out) {
  const char* const fn = __func__;
  return guarded(fn, [&] {
    ALMKIT_CAPI_REQUIRE(fn, out);
    *out = nullptr;
    ALMKIT_CAPI_REQUIRE(fn, samples);
    if (num_frames <= 0 || channels <= 0 || sample_rate <= 0) {
      return fail(ALMKIT_ERR_INVALID_ARGUMENT, fn,
                  "num_frames, channels and sample_rate must be positive (got " +
                      std::to_string(num_frames) + ", " + std::to_string(channels) + ", " +
                      std::to_string(sample_rate) + ")");
    }
    if (num_frames > std::numeric_limits<int64_t>::max() / channels) {
      return fail(ALMKIT_ERR_INVALID_ARGUMENT, fn, "num_frames * channels overflows");
    }
    almkit::AudioBuffer buffer;
    buffer.sample_rate = sample_rate;
    buffer.channels = channels;
    buffer.samples.assign(samples, samples + num_frames * channels);
    almkit::validate_audio(buffer, "samples");
    return new_audio(std::move(buffer), out);
  });
}

almkit_status almkit_audio_resample(const almkit_audio* audio, int32_t target_sample_rate,
                                    almkit_audio** out) {
  const char* const fn = __func__;
  return guarded(fn, [&] {
    ALMKIT_CAPI_REQUIRE(fn, out);
    *out = nullptr;
    ALMKIT_CAPI_REQUIRE(fn, audio);
    if (target_sample_rate <= 0) {
      return fail(
          ALMKIT_ERR_INVALID_ARGUMENT, fn,
          "target_sample_rate must be positive (got " + std::to_string(target_sample_rate) + ")");
    }
    return new_audio(almkit::resample(audio->buffer, target_sample_rate), out);
  });
}

almkit_status almkit_audio_write_wav(const almkit_audio* audio, const char* path, bool float32) {
  const char* const fn = __func__;
  return guarded(fn, [&] {
    ALMKIT_CAPI_REQUIRE(fn, audio);
    ALMKIT_CAPI_REQUIRE(fn, path);
    almkit::write_wav(path, audio->buffer,
                      float32 ? almkit::WavEncoding::kFloat32 : almkit::WavEncoding::kPcm16);
    return ALMKIT_OK;
  });
}

int32_t almkit_audio_sample_rate(const almkit_audio* audio) {
  return audio ? audio->buffer.sample_rate : 0;
}
int32_t almkit_audio_channels(const almkit_audio* audio) {
  return audio ? audio->buffer.channels : 0;
}
int64_t almkit_audio_num_frames(const almkit_audio* audio) {
  return audio ? audio->buffer.num_frames() : 0;
}
const float* almkit_audio_samples(const almkit_audio* audio) {
  return audio && !audio->buffer.samples.empty() ? audio->buffer.samples.data() : nullptr;
}
void almkit_audio_free(almkit_audio* audio) {
  delete audio;
}

/* ---- Whisper mel ---- */

almkit_whisper_mel_params almkit_whisper_mel_default_params(void) {
  const almkit::WhisperMelOptions o;
  almkit_whisper_mel_params p{};
  p.struct_size = sizeof p;
  p.feature_size = o.feature_size;
  p.sampling_rate = o.sampling_rate;
  p.n_fft = o.n_fft;
  p.hop_length = o.hop_length;
  p.chunk_length = o.chunk_length;
  p.pad_to_chunk = o.pad_to_chunk;
  p.num_threads = o.num_threads;
  return p;
}

almkit_status almkit_whisper_mel_size(const almkit_whisper_mel_params* params, int64_t num_samples,
                                      int64_t* num_bins, int64_t* num_frames) {
  const char* const fn = __func__;
  return guarded(fn, [&] {
    ALMKIT_CAPI_REQUIRE(fn, num_bins);
    ALMKIT_CAPI_REQUIRE(fn, num_frames);
    *num_bins = *num_frames = 0;
    if (num_samples < 0) return fail(ALMKIT_ERR_INVALID_ARGUMENT, fn, "num_samples is negative");
    const almkit::WhisperMel mel(to_options(params));
    *num_bins = mel.options().feature_size;
    *num_frames = mel.num_frames(num_samples);
    return ALMKIT_OK;
  });
}

almkit_status almkit_whisper_mel_compute_into(const almkit_whisper_mel_params* params,
                                              const float* samples, int64_t num_samples,
                                              float* output, size_t capacity,
                                              int64_t* valid_frames) {
  const char* const fn = __func__;
  return guarded(fn, [&] {
    if (valid_frames) *valid_frames = 0;
    if (const almkit_status s = check_samples(fn, samples, num_samples); s != ALMKIT_OK) return s;
    ALMKIT_CAPI_REQUIRE(fn, output);
    const almkit::WhisperMel mel(to_options(params));
    const int64_t needed = mel.options().feature_size * mel.num_frames(num_samples);
    if (const almkit_status s = check_capacity(fn, capacity, needed); s != ALMKIT_OK) return s;
    const int64_t valid = mel.compute_into(samples, num_samples, output);
    if (valid_frames) *valid_frames = valid;
    return ALMKIT_OK;
  });
}

almkit_status almkit_whisper_mel_compute(const almkit_whisper_mel_params* params,
                                         const float* samples, int64_t num_samples,
                                         almkit_features** out) {
  const char* const fn = __func__;
  return guarded(fn, [&] {
    ALMKIT_CAPI_REQUIRE(fn, out);
    *out = nullptr;
    if (const almkit_status s = check_samples(fn, samples, num_samples); s != ALMKIT_OK) return s;
    const almkit::WhisperMel mel(to_options(params));
    auto features = std::make_unique<almkit_features>();
    features->num_bins = mel.options().feature_size;
    features->num_frames = mel.num_frames(num_samples);
    features->data.resize(static_cast<size_t>(features->num_bins * features->num_frames));
    features->valid_frames = mel.compute_into(samples, num_samples, features->data.data());
    features->layout = ALMKIT_LAYOUT_BINS_BY_FRAMES;
    *out = features.release();
    return ALMKIT_OK;
  });
}

/* ---- Kaldi fbank ---- */

almkit_kaldi_fbank_params almkit_kaldi_fbank_default_params(void) {
  const almkit::KaldiFbankOptions o;
  almkit_kaldi_fbank_params p{};
  p.struct_size = sizeof p;
  p.blackman_coeff = o.blackman_coeff;
  p.channel = o.channel;
  p.dither = o.dither;
  p.energy_floor = o.energy_floor;
  p.frame_length = o.frame_length;
  p.frame_shift = o.frame_shift;
  p.high_freq = o.high_freq;
  p.htk_compat = o.htk_compat;
  p.low_freq = o.low_freq;
  p.min_duration = o.min_duration;
  p.num_mel_bins = o.num_mel_bins;
  p.preemphasis_coefficient = o.preemphasis_coefficient;
  p.raw_energy = o.raw_energy;
  p.remove_dc_offset = o.remove_dc_offset;
  p.round_to_power_of_two = o.round_to_power_of_two;
  p.sample_frequency = o.sample_frequency;
  p.snip_edges = o.snip_edges;
  p.subtract_mean = o.subtract_mean;
  p.use_energy = o.use_energy;
  p.use_log_fbank = o.use_log_fbank;
  p.use_power = o.use_power;
  p.vtln_high = o.vtln_high;
  p.vtln_low = o.vtln_low;
  p.vtln_warp = o.vtln_warp;
  p.window_type = "povey";  // static storage: the C struct holds a pointer
  p.dither_seed = o.dither_seed;
  p.num_threads = o.num_threads;
  return p;
}

almkit_status almkit_kaldi_fbank_size(const almkit_kaldi_fbank_params* params, int64_t num_samples,
                                      int64_t* num_frames, int64_t* num_bins) {
  const char* const fn = __func__;
  return guarded(fn, [&] {
    ALMKIT_CAPI_REQUIRE(fn, num_frames);
    ALMKIT_CAPI_REQUIRE(fn, num_bins);
    *num_frames = *num_bins = 0;
    if (num_samples < 0) return fail(ALMKIT_ERR_INVALID_ARGUMENT, fn, "num_samples is negative");
    const almkit::KaldiFbank fbank(to_options(params));
    *num_frames = fbank.output_frames(num_samples);
    *num_bins = fbank.num_features();
    return ALMKIT_OK;
  });
}

almkit_status almkit_kaldi_fbank_compute_into(const almkit_kaldi_fbank_params* params,
                                              const float* samples, int64_t num_samples,
                                              float* output, size_t capacity) {
  const char* const fn = __func__;
  return guarded(fn, [&] {
    if (const almkit_status s = check_samples(fn, samples, num_samples); s != ALMKIT_OK) return s;
    ALMKIT_CAPI_REQUIRE(fn, output);
    const almkit::KaldiFbank fbank(to_options(params));
    const int64_t needed = fbank.output_frames(num_samples) * fbank.num_features();
    if (const almkit_status s = check_capacity(fn, capacity, needed); s != ALMKIT_OK) return s;
    fbank.compute_into(samples, num_samples, output);
    return ALMKIT_OK;
  });
}

almkit_status almkit_kaldi_fbank_compute(const almkit_kaldi_fbank_params* params,
                                         const float* samples, int64_t num_samples,
                                         almkit_features** out) {
  const char* const fn = __func__;
  return guarded(fn, [&] {
    ALMKIT_CAPI_REQUIRE(fn, out);
    *out = nullptr;
    if (const almkit_status s = check_samples(fn, samples, num_samples); s != ALMKIT_OK) return s;
    const almkit::KaldiFbank fbank(to_options(params));
    almkit::FeatureTensor result = fbank.compute(samples, num_samples);
    auto features = std::make_unique<almkit_features>();
    features->num_frames = result.shape.size() == 2 ? result.shape[0] : 0;
    features->num_bins = fbank.num_features();
    features->valid_frames = features->num_frames;
    features->data = std::move(result.values);
    features->layout = ALMKIT_LAYOUT_FRAMES_BY_BINS;
    *out = features.release();
    return ALMKIT_OK;
  });
}

const float* almkit_features_data(const almkit_features* features) {
  return features && !features->data.empty() ? features->data.data() : nullptr;
}
int64_t almkit_features_num_bins(const almkit_features* features) {
  return features ? features->num_bins : 0;
}
int64_t almkit_features_num_frames(const almkit_features* features) {
  return features ? features->num_frames : 0;
}
int64_t almkit_features_valid_frames(const almkit_features* features) {
  return features ? features->valid_frames : 0;
}
almkit_feature_layout almkit_features_layout(const almkit_features* features) {
  return features ? features->layout : ALMKIT_LAYOUT_BINS_BY_FRAMES;
}
void almkit_features_free(almkit_features* features) {
  delete features;
}

}  // extern "C"
