// Streaming libsoxr (HQ) resampler: feed blocks, collect output, so a long file is resampled as
// it is decoded instead of after a second full copy.
#pragma once

#include <cstddef>
#include <vector>

typedef struct soxr* soxr_t;

namespace almkit {

class StreamResampler {
 public:
  // Upsampling beyond this ratio is kUnsupported (a header's 1 Hz would make hours of work).
  static constexpr double kMaxUpsampling = 64;
  StreamResampler(double input_rate, double output_rate, int channels);
  ~StreamResampler();
  StreamResampler(const StreamResampler&) = delete;
  StreamResampler& operator=(const StreamResampler&) = delete;

  // Appends the resampled frames of `frames` interleaved input frames to `output`.
  void process(const float* input, size_t frames, std::vector<float>& output);
  // Drains the filter's delay line at end of input.
  void finish(std::vector<float>& output);

 private:
  void run(const float* input, size_t frames, std::vector<float>& output);
  soxr_t soxr_ = nullptr;
  double ratio_;
  int channels_;
};

}  // namespace almkit
