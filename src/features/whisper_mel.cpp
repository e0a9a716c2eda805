// Whisper log-mel exactly as WhisperFeatureExtractor computes it: centred STFT with reflect
// padding, periodic Hann window, power spectrum without the last frame, slaney mel filters,
// log10 clamped at 1e-10, floor at (max - 8), then (x + 4) / 4. The FFT in double precision,
// filter bank and log in float: agrees with transformers' numpy path to ~1e-7. Frames go
// through the vector kernels of simd_kernels.h, four at a time through the FFT, eight after it.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <tuple>

#include "almkit/error.h"
#include "almkit/features.h"
#include "core/parallel.h"
#include "core/recent_cache.h"
#include "features/fft.h"
#include "features/mel_filters.h"

namespace almkit {

int64_t FeatureTensor::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

// The filters, window and FFT plan depend on three options only; WhisperMels with equal ones
// (the C API builds one per call) share them.
struct WhisperTables {
  std::vector<float> filters;  // [n_fft / 2 + 1, feature_size], as transformers stores them
  SparseFilterBank filter_bank;
  std::vector<double> half_window;  // periodic Hann times 1/2, for RealFft::power_spectrum_x4
  RealFft fft;
};

WhisperMel::WhisperMel(const WhisperMelOptions& options) : options_(options) {
  const auto& o = options_;
  if (o.feature_size <= 0 || o.sampling_rate <= 0 || o.n_fft < 2 || o.n_fft % 2 != 0 ||
      o.hop_length <= 0 || o.chunk_length <= 0 || o.num_threads <= 0) {
    throw Error(ErrorCode::kInvalidArgument,
                "WhisperMelOptions: feature_size, sampling_rate, hop_length, chunk_length and "
                "num_threads must be positive and n_fft even (got feature_size=" +
                    std::to_string(o.feature_size) + ", n_fft=" + std::to_string(o.n_fft) +
                    ", hop_length=" + std::to_string(o.hop_length) + ")");
  }
  static RecentCache<std::tuple<int, int, int>, WhisperTables> cache;
  tables_ = cache.get({o.n_fft, o.feature_size, o.sampling_rate}, [&] {
    const int bins = o.n_fft / 2 + 1;
    const std::vector<double> filters =
        slaney_mel_filters(bins, o.feature_size, 0.0, 8000.0, o.sampling_rate);
    std::vector<double> half_window(o.n_fft);
    for (int i = 0; i < o.n_fft; ++i)
      half_window[i] = 0.5 * (0.5 - 0.5 * std::cos(2.0 * M_PI * i / o.n_fft));
    return WhisperTables{std::vector<float>(filters.begin(), filters.end()),
                         SparseFilterBank(filters, o.feature_size, bins, 1, o.feature_size),
                         std::move(half_window), RealFft(o.n_fft)};
  });
}

const std::vector<float>& WhisperMel::mel_filters() const {
  return tables_->filters;
}

int64_t WhisperMel::num_frames(int64_t num_samples) const {
  const int64_t length = options_.pad_to_chunk
                             ? static_cast<int64_t>(options_.chunk_length) * options_.sampling_rate
                             : num_samples;
  return length / options_.hop_length;  // 1 + length / hop centred frames, minus the last
}

int64_t WhisperMel::compute_into(const float* samples, int64_t num_samples, float* output) const {
  const auto& o = options_;
  if (samples == nullptr || num_samples <= 0) {
    throw Error(ErrorCode::kInvalidArgument, "whisper mel: audio is empty (0 samples)");
  }
  const int64_t length =
      o.pad_to_chunk ? static_cast<int64_t>(o.chunk_length) * o.sampling_rate : num_samples;
  const int half = o.n_fft / 2;
  if (length <= half) {
    throw Error(ErrorCode::kInvalidArgument, "whisper mel: " + std::to_string(num_samples) +
                                                 " samples is too short for the "
                                                 "unpadded form (needs more than n_fft / 2 = " +
                                                 std::to_string(half) + ")");
  }
  if (output == nullptr) {
    throw Error(ErrorCode::kInvalidArgument, "whisper mel: the output buffer is null");
  }
  const int64_t copied = std::min(num_samples, length);
  const SimdKernels& kernels = simd_kernels();
  if (const int64_t bad = kernels.find_non_finite(samples, copied); bad >= 0) {
    throw Error(ErrorCode::kInvalidArgument,
                "whisper mel: sample " + std::to_string(bad) + " is not finite (NaN or Inf)");
  }
  // The (truncated / zero-padded) signal with `half` reflected samples on each side.
  std::vector<float> padded;
  padded.reserve(static_cast<size_t>(length + 2 * half));
  padded.resize(half);
  padded.insert(padded.end(), samples, samples + copied);
  padded.resize(static_cast<size_t>(length + 2 * half), 0.f);
  for (int i = 0; i < half; ++i) {
    padded[half - 1 - i] = padded[half + 1 + i];
    padded[half + length + i] = padded[half + length - 2 - i];
  }
  const int64_t frames = length / o.hop_length;
  const int bins = o.feature_size;
  const int num_fft_bins = half + 1;
  // log10 values go straight into `output` ([bin][frame]); the floor is applied once all are in.
  const int slices = parallel_slices(o.num_threads);
  std::vector<float> slice_max(slices, -std::numeric_limits<float>::infinity());
  parallel_for(frames, o.num_threads, [&](int64_t begin, int64_t end, int slice) {
    const RealFft& fft = tables_->fft;
    BlockBuffer<double> block(static_cast<size_t>(o.n_fft) * kFrameLanes);
    BlockBuffer<float> power(static_cast<size_t>(num_fft_bins) * kWideLanes);
    BlockBuffer<float> mel(static_cast<size_t>(bins) * kWideLanes);
    BlockBuffer<float> log_mel(mel.size());
    const double kZeros[kFrameLanes] = {};
    double energy[kFrameLanes];  // sums and energies Whisper does not use
    float local_max = -std::numeric_limits<float>::infinity();
    for (int64_t first = begin; first < end; first += kWideLanes) {
      // kWideLanes frames: two blocks through the FFT, one wide block after it. Lanes past
      // `end` repeat the last frame and are dropped.
      const int lanes = static_cast<int>(std::min<int64_t>(kWideLanes, end - first));
      for (int half = 0; half < 2; ++half) {
        const float* sources[kFrameLanes];
        for (int lane = 0; lane < kFrameLanes; ++lane) {
          const int wide_lane = std::min(half * kFrameLanes + lane, lanes - 1);
          sources[lane] = padded.data() + (first + wide_lane) * o.hop_length;
        }
        kernels.gather_frames(sources, o.n_fft, block.data(), energy);
        kernels.condition_frames(block.data(), block.data(), o.n_fft, kZeros, 0.0,
                                 tables_->half_window.data(), nullptr, nullptr);
        fft.power_spectrum_x4(block.data(), power.data() + half * kFrameLanes);
      }
      tables_->filter_bank.apply_to_block(kernels, power.data(), mel.data());
      // A float log keeps ~1e-7 relative error, far inside the 1e-5 budget.
      // Lanes past `end` repeat a real frame, so the block's largest value is a real one.
      local_max =
          std::max(local_max, kernels.log(mel.data(), static_cast<int>(mel.size()), 1e-10f,
                                          static_cast<float>(1.0 / M_LN10), log_mel.data()));
      for (int m = 0; m < bins; ++m) {
        std::copy_n(log_mel.data() + m * kWideLanes, lanes,
                    output + static_cast<int64_t>(m) * frames + first);
      }
    }
    slice_max[slice] = local_max;
  }, slices);
  const double floor = *std::max_element(slice_max.begin(), slice_max.end()) - 8.0;
  for (int64_t i = 0; i < frames * bins; ++i) {
    output[i] = static_cast<float>((std::max(static_cast<double>(output[i]), floor) + 4.0) / 4.0);
  }
  // transformers marks frame i real when sample i * hop is inside the clip.
  return std::min<int64_t>(frames, (copied + o.hop_length - 1) / o.hop_length);
}

FeatureBatch WhisperMel::compute(const float* samples, int64_t num_samples) const {
  FeatureBatch batch;
  const int64_t frames = num_frames(num_samples);
  batch.features.shape = {1, options_.feature_size, frames};
  batch.features.values.resize(static_cast<size_t>(options_.feature_size * frames));
  const int64_t valid = compute_into(samples, num_samples, batch.features.values.data());
  batch.valid_frames = {valid};
  batch.attention_mask.assign(static_cast<size_t>(frames), 0);
  std::fill(batch.attention_mask.begin(), batch.attention_mask.begin() + valid, 1);
  return batch;
}

FeatureBatch WhisperMel::compute(const std::vector<float>& samples) const {
  return compute(samples.data(), static_cast<int64_t>(samples.size()));
}

FeatureBatch WhisperMel::compute_batch(const std::vector<std::vector<float>>& clips) const {
  if (clips.empty()) throw Error(ErrorCode::kInvalidArgument, "whisper mel: empty batch");
  size_t longest = 0;
  for (const auto& clip : clips) longest = std::max(longest, clip.size());
  const int64_t frames = num_frames(static_cast<int64_t>(longest));
  FeatureBatch batch;
  const auto batch_size = static_cast<int64_t>(clips.size());
  batch.features.shape = {batch_size, options_.feature_size, frames};
  batch.features.values.resize(static_cast<size_t>(batch_size * options_.feature_size * frames));
  batch.attention_mask.assign(static_cast<size_t>(batch_size * frames), 0);
  std::vector<float> padded;
  for (int64_t b = 0; b < batch_size; ++b) {
    const auto& clip = clips[b];
    if (clip.empty()) {
      throw Error(ErrorCode::kInvalidArgument,
                  "whisper mel: clip " + std::to_string(b) + " of the batch is empty");
    }
    const float* source = clip.data();
    if (!options_.pad_to_chunk && clip.size() < longest) {
      padded.assign(longest, 0.f);  // padding="longest": zeros, then features of the whole
      std::copy(clip.begin(), clip.end(), padded.begin());
      source = padded.data();
    }
    const int64_t length =
        options_.pad_to_chunk ? static_cast<int64_t>(clip.size()) : static_cast<int64_t>(longest);
    compute_into(source, length, batch.features.values.data() + b * options_.feature_size * frames);
    const int64_t valid =
        std::min<int64_t>(frames, (static_cast<int64_t>(clip.size()) + options_.hop_length - 1) /
                                      options_.hop_length);
    batch.valid_frames.push_back(valid);
    std::fill_n(batch.attention_mask.begin() + b * frames, valid, 1);
  }
  return batch;
}

}  // namespace almkit
