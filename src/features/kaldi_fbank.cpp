// Kaldi filterbank features as torchaudio.compliance.kaldi.fbank computes them, option for
// option: frames and FFT in double precision (float32 rounding in the FFT reaches 1e-3 in log on
// weak bins), the power spectrum rounded once to float for the filter bank and log (~1e-7
// relative); four frames at a time through the FFT, eight after it (simd_kernels.h).
#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <tuple>

#include "almkit/error.h"
#include "almkit/features.h"
#include "core/parallel.h"
#include "core/recent_cache.h"
#include "features/fft.h"
#include "features/mel_filters.h"

namespace almkit {

// The window, mel banks and FFT plan depend on a few options only and take longer to build
// than a short clip takes to featurize (pow and sincos per point, a filter weight per bin and
// mel bin); the C API builds a KaldiFbank per call, so equal options share the tables.
struct KaldiTables {
  std::vector<double> half_window;  // the window times 1/2, for RealFft::power_spectrum_x4
  SparseFilterBank mel_banks;
  RealFft fft;
};

namespace {

// torch.finfo(torch.float).eps: the floor torchaudio applies before taking logs.
constexpr double kEpsilon = 1.1920928955078125e-07;

std::vector<double> make_window(const std::string& type, int size, double blackman_coeff) {
  std::vector<double> window(size);
  const double a = 2.0 * M_PI / (size - 1);
  for (int i = 0; i < size; ++i) {
    if (type == "hanning") {
      window[i] = 0.5 - 0.5 * std::cos(a * i);
    } else if (type == "povey") {
      window[i] = std::pow(0.5 - 0.5 * std::cos(a * i), 0.85);
    } else if (type == "hamming") {
      window[i] = 0.54 - 0.46 * std::cos(a * i);
    } else if (type == "rectangular") {
      window[i] = 1.0;
    } else if (type == "blackman") {
      window[i] =
          blackman_coeff - 0.5 * std::cos(a * i) + (0.5 - blackman_coeff) * std::cos(2 * a * i);
    } else {
      throw Error(ErrorCode::kInvalidArgument,
                  "kaldi fbank: unknown window_type '" + type +
                      "' (expected povey, hamming, hanning, rectangular or blackman)");
    }
  }
  return window;
}

std::shared_ptr<const KaldiTables> kaldi_tables(const KaldiFbankOptions& o, int window_size,
                                                int padded_size) {
  using Key = std::tuple<std::string, int, double, int, int, double, double, double, double,
                         double, double>;
  static RecentCache<Key, KaldiTables> cache;
  const Key key{o.window_type,   window_size, o.blackman_coeff, padded_size,
                o.num_mel_bins,  o.sample_frequency, o.low_freq, o.high_freq,
                o.vtln_low,      o.vtln_high,  o.vtln_warp};
  return cache.get(key, [&] {
    const int fft_bins = padded_size / 2 + 1;
    std::vector<double> half_window = make_window(o.window_type, window_size, o.blackman_coeff);
    for (double& w : half_window) w *= 0.5;
    return KaldiTables{
        std::move(half_window),
        SparseFilterBank(kaldi_mel_banks(o.num_mel_bins, padded_size, o.sample_frequency,
                                         o.low_freq, o.high_freq, o.vtln_low, o.vtln_high,
                                         o.vtln_warp),
                         o.num_mel_bins, fft_bins, fft_bins, 1),
        RealFft(padded_size)};
  });
}

}  // namespace

KaldiFbank::KaldiFbank(const KaldiFbankOptions& options) : options_(options) {
  const auto& o = options_;
  if (!(o.sample_frequency > 0) || !(o.frame_shift > 0) || !(o.frame_length > 0)) {
    throw Error(ErrorCode::kInvalidArgument,
                "kaldi fbank: sample_frequency, frame_length and frame_shift must be positive");
  }
  window_shift_ = static_cast<int>(o.sample_frequency * o.frame_shift * 0.001);
  window_size_ = static_cast<int>(o.sample_frequency * o.frame_length * 0.001);
  padded_size_ = window_size_;
  if (o.round_to_power_of_two) {
    padded_size_ = 1;
    while (padded_size_ < window_size_) padded_size_ *= 2;
  }
  if (window_size_ < 2 || window_shift_ <= 0 || padded_size_ % 2 != 0 ||
      window_size_ > padded_size_) {
    throw Error(ErrorCode::kInvalidArgument,
                "kaldi fbank: frame_length " + std::to_string(o.frame_length) + " ms / shift " +
                    std::to_string(o.frame_shift) + " ms give a window of " +
                    std::to_string(window_size_) + " and a padded FFT of " +
                    std::to_string(padded_size_) + " samples (need >= 2, shift > 0, FFT even)");
  }
  if (o.preemphasis_coefficient < 0.0 || o.preemphasis_coefficient > 1.0) {
    throw Error(ErrorCode::kInvalidArgument,
                "kaldi fbank: preemphasis_coefficient must be in [0, 1]");
  }
  if (o.num_mel_bins <= 3) {
    throw Error(ErrorCode::kInvalidArgument,
                "kaldi fbank: num_mel_bins must be > 3, got " + std::to_string(o.num_mel_bins));
  }
  if (o.num_threads <= 0)
    throw Error(ErrorCode::kInvalidArgument, "kaldi fbank: num_threads must be >= 1");
  tables_ = kaldi_tables(o, window_size_, padded_size_);
}

int KaldiFbank::num_features() const {
  return options_.num_mel_bins + (options_.use_energy ? 1 : 0);
}

int64_t KaldiFbank::num_frames(int64_t num_samples) const {
  if (options_.snip_edges) {
    return num_samples < window_size_ ? 0 : 1 + (num_samples - window_size_) / window_shift_;
  }
  return (num_samples + window_shift_ / 2) / window_shift_;
}

FeatureTensor KaldiFbank::compute(const AudioBuffer& audio) const {
  validate_audio(audio, "kaldi fbank input");
  if (audio.sample_rate != static_cast<int>(options_.sample_frequency)) {
    throw Error(ErrorCode::kInvalidArgument,
                "kaldi fbank: audio is " + std::to_string(audio.sample_rate) +
                    " Hz but sample_frequency is " + std::to_string(options_.sample_frequency) +
                    " Hz (resample first)");
  }
  const std::vector<float> samples = audio.channel(std::max(options_.channel, 0));
  return compute(samples.data(), static_cast<int64_t>(samples.size()));
}

int64_t KaldiFbank::output_frames(int64_t num_samples) const {
  // torchaudio returns no frames below min_duration
  return num_samples < options_.min_duration * options_.sample_frequency
             ? 0
             : num_frames(num_samples);
}

FeatureTensor KaldiFbank::compute(const float* samples, int64_t num_samples) const {
  FeatureTensor out;
  const int64_t frames = samples == nullptr ? 0 : output_frames(std::max<int64_t>(num_samples, 0));
  out.shape = {frames, num_features()};
  out.values.resize(static_cast<size_t>(frames * num_features()));
  compute_into(samples, num_samples, out.values.data());
  return out;
}

int64_t KaldiFbank::compute_into(const float* samples, int64_t num_samples, float* values) const {
  const auto& o = options_;
  if (samples == nullptr || num_samples <= 0) {
    throw Error(ErrorCode::kInvalidArgument, "kaldi fbank: audio is empty (0 samples)");
  }
  if (values == nullptr && output_frames(num_samples) > 0) {
    throw Error(ErrorCode::kInvalidArgument, "kaldi fbank: the output buffer is null");
  }
  const SimdKernels& kernels = simd_kernels();
  auto check_finite = [&](int64_t from, int64_t to) {
    if (const int64_t bad = kernels.find_non_finite(samples + from, to - from); bad >= 0) {
      throw Error(ErrorCode::kInvalidArgument, "kaldi fbank: sample " + std::to_string(from + bad) +
                                                   " is not finite (NaN or Inf)");
    }
  };
  const int features = num_features();
  const int64_t frames = num_frames(num_samples);
  const bool too_short = num_samples < o.min_duration * o.sample_frequency;
  if (too_short || frames == 0) {
    check_finite(0, num_samples);
    if (too_short) return 0;
    throw Error(ErrorCode::kInvalidArgument, "kaldi fbank: " + std::to_string(num_samples) +
                                                 " samples is shorter than one frame (" +
                                                 std::to_string(window_size_) +
                                                 " samples) with snip_edges");
  }
  // Without snip_edges torchaudio frames a signal extended by mirrored copies (edge included).
  std::vector<float> extended;
  const float* signal = samples;
  int64_t signal_length = num_samples;
  const int pad = o.snip_edges ? 0 : window_size_ / 2 - window_shift_ / 2;
  if (!o.snip_edges) {
    extended.reserve(static_cast<size_t>(num_samples + std::max(pad, 0) + num_samples));
    for (int i = pad - 1; i >= 0; --i)
      extended.push_back(samples[std::min<int64_t>(i, num_samples - 1)]);
    if (pad < 0) {
      extended.assign(samples - pad, samples + num_samples);
    } else {
      extended.insert(extended.end(), samples, samples + num_samples);
    }
    for (int64_t i = num_samples - 1; i >= 0; --i) extended.push_back(samples[i]);
    signal = extended.data();
    signal_length = static_cast<int64_t>(extended.size());
  }
  // Framing checks every sample a frame covers; frames cover all samples up to the end of the
  // last one unless they leave gaps (a shift longer than the window) or start past sample 0.
  const bool frames_cover = window_shift_ <= window_size_ && pad >= 0;
  if (!frames_cover) check_finite(0, num_samples);
  std::vector<double> dither_noise;
  if (o.dither != 0.0) {
    std::mt19937_64 rng(o.dither_seed);
    std::normal_distribution<double> normal(0.0, 1.0);
    dither_noise.resize(static_cast<size_t>(frames) * window_size_);
    for (double& v : dither_noise) v = normal(rng) * o.dither;
  }
  const int fft_bins = padded_size_ / 2 + 1;
  const int mel_offset = o.use_energy && !o.htk_compat ? 1 : 0;
  const int energy_column = o.htk_compat ? o.num_mel_bins : 0;
  const int slices = parallel_slices(o.num_threads);
  std::vector<char> saw_non_finite(slices, 0);
  parallel_for(frames, o.num_threads, [&](int64_t begin, int64_t end, int slice) {
    // Lane j of every block walks its own quarter of [begin, end): the t-th frames of the
    // quarters sit side by side, so their block is rows t * shift .. t * shift + window of the
    // four interleaved streams, read in place instead of transposed anew for each of the ~2.5
    // frames that overlap every sample. Streams are interleaved kChunk frames at a time, so
    // they stay in the L2 cache; sums of every four rows give the frames' means.
    constexpr int64_t kChunk = 32;
    const int64_t per_lane = (end - begin + kFrameLanes - 1) / kFrameLanes;
    const int64_t chunk_rows = (kChunk - 1) * window_shift_ + window_size_;
    BlockBuffer<double> streams(static_cast<size_t>(chunk_rows) * kFrameLanes);
    BlockBuffer<double> tile_sums(static_cast<size_t>(chunk_rows / 4 + 1) * kFrameLanes);
    const bool sums_by_tile = window_shift_ % 4 == 0 && window_size_ % 4 == 0;
    std::vector<float> spare_row(o.num_mel_bins);
    BlockBuffer<double> block(static_cast<size_t>(padded_size_) * kFrameLanes, 0.0);
    // Frames t and t + 1 of every lane's quarter go through the FFT as two blocks and on as the
    // halves of one wide block.
    BlockBuffer<float> power(static_cast<size_t>(fft_bins) * kWideLanes);
    BlockBuffer<float> mel(static_cast<size_t>(o.num_mel_bins) * kWideLanes);
    BlockBuffer<float> log_mel(mel.size());
    double means[kFrameLanes], centred_energy[kWideLanes], windowed_energy[kWideLanes];
    for (int64_t t0 = 0; t0 < per_lane; t0 += kChunk) {
      const int64_t count = std::min(kChunk, per_lane - t0);
      const int64_t rows = (count - 1) * window_shift_ + window_size_;
      const float* sources[kFrameLanes];
      int64_t common = rows;
      for (int lane = 0; lane < kFrameLanes; ++lane) {
        const int64_t start = (begin + lane * per_lane + t0) * window_shift_;
        sources[lane] = signal + std::min(start, signal_length);
        common = std::min(common, std::max<int64_t>(0, signal_length - start));
      }
      if (kernels.interleave_streams(sources, common, streams.data(), tile_sums.data()))
        saw_non_finite[slice] = 1;
      // Only the last quarter's spare frames (past `end`) run off the signal: zeros there.
      for (int64_t i = common; i < rows; ++i) {
        for (int lane = 0; lane < kFrameLanes; ++lane) {
          const int64_t at = sources[lane] - signal + i;
          streams[i * kFrameLanes + lane] = at < signal_length ? signal[at] : 0.f;
        }
      }
      for (int64_t t_pair = 0; t_pair < count; t_pair += 2) {
        int64_t frame_of_lane[kWideLanes];
        for (int half = 0; half < 2; ++half) {
          // A chunk of odd length repeats its last block in the second half, as spare frames.
          const int64_t t = std::min(t_pair + half, count - 1);
          const bool spare_half = t_pair + half >= count;
          for (int lane = 0; lane < kFrameLanes; ++lane) {
            frame_of_lane[half * kFrameLanes + lane] =
                spare_half ? end : begin + lane * per_lane + t0 + t;
          }
          const int64_t* frame_of = frame_of_lane + half * kFrameLanes;
          const double* source = streams.data() + t * window_shift_ * kFrameLanes;
          // torchaudio's order: dither, DC removal, raw energy, pre-emphasis, window, padding.
          if (!dither_noise.empty()) {
            for (int lane = 0; lane < kFrameLanes; ++lane) {
              // A spare frame (past `end`) has no noise of its own: it takes frame 0's.
              const int64_t frame = frame_of[lane] < end ? frame_of[lane] : 0;
              const double* noise = dither_noise.data() + frame * window_size_;
              for (int i = 0; i < window_size_; ++i) {
                block[i * kFrameLanes + lane] = source[i * kFrameLanes + lane] + noise[i];
              }
            }
            source = block.data();
          }
          if (o.remove_dc_offset) {
            const int64_t first_tile = t * window_shift_ / 4;
            const int64_t end_tile = first_tile + window_size_ / 4;
            if (sums_by_tile && dither_noise.empty() && end_tile <= common / 4) {
              kernels.sum_frames(tile_sums.data() + first_tile * kFrameLanes, window_size_ / 4,
                                 means);
            } else {
              kernels.sum_frames(source, window_size_, means);
            }
            for (double& mean : means) mean /= window_size_;
          } else {
            std::fill(means, means + kFrameLanes, 0.0);
          }
          kernels.condition_frames(source, block.data(), window_size_, means,
                                   o.preemphasis_coefficient, tables_->half_window.data(),
                                   o.use_energy ? centred_energy + half * kFrameLanes : nullptr,
                                   windowed_energy + half * kFrameLanes);
          tables_->fft.power_spectrum_x4(block.data(), power.data() + half * kFrameLanes,
                                         window_size_);
        }
        if (!o.use_power) {
          for (float& value : power) value = std::sqrt(value);
        }
        tables_->mel_banks.apply_to_block(kernels, power.data(), mel.data());
        if (o.use_log_fbank) {
          kernels.log(mel.data(), static_cast<int>(mel.size()), static_cast<float>(kEpsilon), 1.0f,
                      log_mel.data());
        }
        float* rows[kWideLanes];
        for (int lane = 0; lane < kWideLanes; ++lane) {
          rows[lane] = frame_of_lane[lane] < end  // else a spare frame
                           ? values + frame_of_lane[lane] * features + mel_offset
                           : spare_row.data();
        }
        kernels.block_to_rows(o.use_log_fbank ? log_mel.data() : mel.data(), o.num_mel_bins, rows);
        for (int lane = 0; lane < kWideLanes && o.use_energy; ++lane) {
          if (frame_of_lane[lane] >= end) continue;
          // Raw energy is taken before pre-emphasis and window; the zero padding adds nothing.
          // The frames went through half the window: 4x their energy is exact.
          const double energy = o.raw_energy ? centred_energy[lane] : 4.0 * windowed_energy[lane];
          double log_energy = std::log(std::max(energy, kEpsilon));
          if (o.energy_floor != 0.0) log_energy = std::max(log_energy, std::log(o.energy_floor));
          values[frame_of_lane[lane] * features + energy_column] =
              static_cast<float>(log_energy);
        }
      }
    }
  }, slices);
  if (frames_cover) {
    // Samples after the last frame are read by none; any non-finite one framed is found again
    // by the exact search, which names the first.
    const int64_t covered = (frames - 1) * window_shift_ + window_size_ - pad;
    if (std::find(saw_non_finite.begin(), saw_non_finite.end(), 1) != saw_non_finite.end()) {
      check_finite(0, num_samples);
    }
    if (covered < num_samples) check_finite(std::max<int64_t>(covered, 0), num_samples);
  }
  if (o.subtract_mean) {
    for (int c = 0; c < features; ++c) {
      double mean = 0.0;
      for (int64_t t = 0; t < frames; ++t) mean += values[t * features + c];
      mean /= frames;
      for (int64_t t = 0; t < frames; ++t) values[t * features + c] -= static_cast<float>(mean);
    }
  }
  return frames;
}

}  // namespace almkit
