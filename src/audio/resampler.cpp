#include "audio/resampler.h"

#include <soxr.h>

#include <cmath>
#include <string>

#include "almkit/error.h"

namespace almkit {

StreamResampler::StreamResampler(double input_rate, double output_rate, int channels)
    : ratio_(output_rate / input_rate), channels_(channels) {
  if (!(input_rate > 0) || !(output_rate > 0) || channels <= 0) {
    throw Error(ErrorCode::kInvalidArgument,
                "cannot resample from " + std::to_string(input_rate) + " Hz to " +
                    std::to_string(output_rate) + " Hz with " + std::to_string(channels) +
                    " channel(s): rates and channels must be positive");
  }
  // soxr's time grows with the output and with the ratio: 3,000 frames of a 1 Hz header took
  // 4 minutes to reach 16 kHz. Nothing below 250 Hz is audio worth resampling to 16 kHz.
  if (ratio_ > kMaxUpsampling) {
    throw Error(ErrorCode::kUnsupported,
                "cannot resample from " + std::to_string(static_cast<long long>(input_rate)) +
                    " Hz to " + std::to_string(static_cast<long long>(output_rate)) +
                    " Hz: upsampling by more than " + std::to_string(int(kMaxUpsampling)) +
                    "x (is the sample rate in the header right?)");
  }
  soxr_error_t error = nullptr;
  const soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
  const soxr_quality_spec_t quality = soxr_quality_spec(SOXR_HQ, 0);
  const soxr_runtime_spec_t runtime = soxr_runtime_spec(1);
  soxr_ = soxr_create(input_rate, output_rate, static_cast<unsigned>(channels), &error, &io,
                      &quality, &runtime);
  if (error != nullptr || soxr_ == nullptr) {
    throw Error(ErrorCode::kInternal, std::string("soxr_create failed: ") + (error ? error : "?"));
  }
}

StreamResampler::~StreamResampler() { soxr_delete(soxr_); }

void StreamResampler::run(const float* input, size_t frames, std::vector<float>& output) {
  // soxr may hold input back; keep calling until it has consumed all and produced nothing more.
  const size_t chunk = static_cast<size_t>(std::ceil(frames * ratio_)) + 1024;
  size_t consumed = 0;
  for (;;) {
    const size_t old_size = output.size();
    output.resize(old_size + chunk * channels_);
    size_t used = 0, produced = 0;
    const float* in = input ? input + consumed * channels_ : nullptr;
    soxr_error_t error = soxr_process(soxr_, in, input ? frames - consumed : 0, &used,
                                      output.data() + old_size, chunk, &produced);
    output.resize(old_size + produced * channels_);
    if (error != nullptr) throw Error(ErrorCode::kInternal, std::string("soxr_process: ") + error);
    consumed += used;
    if (input ? (consumed >= frames && produced < chunk) : produced == 0) break;
  }
}

void StreamResampler::process(const float* input, size_t frames, std::vector<float>& output) {
  if (frames > 0) run(input, frames, output);
}

void StreamResampler::finish(std::vector<float>& output) { run(nullptr, 0, output); }

}  // namespace almkit
