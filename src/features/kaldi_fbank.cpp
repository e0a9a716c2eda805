// Kaldi filterbank features as torchaudio.compliance.kaldi.fbank computes them, option for
// option: frames and spectra in double precision, logs in float (~1e-7 relative), four frames at
// a time through the vector kernels of simd_kernels.h.
#include <algorithm>
#include <cmath>
#include <random>
#include <string>

#include "almkit/error.h"
#include "almkit/features.h"
#include "core/parallel.h"
#include "features/fft.h"
#include "features/mel_filters.h"

namespace almkit {
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
  window_ = make_window(o.window_type, window_size_, o.blackman_coeff);
  const int fft_bins = padded_size_ / 2 + 1;
  mel_banks_ = std::make_shared<SparseFilterBank>(
      kaldi_mel_banks(o.num_mel_bins, padded_size_, o.sample_frequency, o.low_freq, o.high_freq, o.vtln_low,
                      o.vtln_high, o.vtln_warp),
      o.num_mel_bins, fft_bins, fft_bins, 1);
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

FeatureTensor KaldiFbank::compute(const float* samples, int64_t num_samples) const {
  const auto& o = options_;
  if (samples == nullptr || num_samples <= 0) {
    throw Error(ErrorCode::kInvalidArgument, "kaldi fbank: audio is empty (0 samples)");
  }
  const SimdKernels& kernels = simd_kernels();
  if (const int64_t bad = kernels.find_non_finite(samples, num_samples); bad >= 0) {
    throw Error(ErrorCode::kInvalidArgument,
                "kaldi fbank: sample " + std::to_string(bad) + " is not finite (NaN or Inf)");
  }
  FeatureTensor out;
  const int features = num_features();
  if (num_samples < o.min_duration * o.sample_frequency) {
    out.shape = {0, features};  // torchaudio returns no frames below min_duration
    return out;
  }
  const int64_t frames = num_frames(num_samples);
  if (frames == 0) {
    throw Error(ErrorCode::kInvalidArgument, "kaldi fbank: " + std::to_string(num_samples) +
                                                 " samples is shorter than one frame (" +
                                                 std::to_string(window_size_) +
                                                 " samples) with snip_edges");
  }
  // Without snip_edges torchaudio frames a signal extended by mirrored copies (edge included).
  std::vector<float> extended;
  const float* signal = samples;
  if (!o.snip_edges) {
    const int pad = window_size_ / 2 - window_shift_ / 2;
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
  }
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
  out.shape = {frames, features};
  out.values.resize(static_cast<size_t>(frames * features));
  parallel_for(frames, o.num_threads, [&](int64_t begin, int64_t end, int) {
    const RealFft fft(padded_size_);
    BlockBuffer<double> block(static_cast<size_t>(padded_size_) * kFrameLanes);
    BlockBuffer<double> power(static_cast<size_t>(fft_bins) * kFrameLanes);
    BlockBuffer<double> mel(static_cast<size_t>(o.num_mel_bins) * kFrameLanes);
    BlockBuffer<float> log_mel(mel.size());
    double means[kFrameLanes], centred_energy[kFrameLanes], windowed_energy[kFrameLanes];
    for (int64_t first = begin; first < end; first += kFrameLanes) {
      // kFrameLanes frames side by side; lanes past `end` repeat the last frame and are dropped.
      const int lanes = static_cast<int>(std::min<int64_t>(kFrameLanes, end - first));
      const float* sources[kFrameLanes];
      int64_t frame_of_lane[kFrameLanes];
      for (int lane = 0; lane < kFrameLanes; ++lane) {
        frame_of_lane[lane] = first + std::min(lane, lanes - 1);
        sources[lane] = signal + frame_of_lane[lane] * window_shift_;
      }
      // torchaudio's order: dither, DC removal, raw energy, pre-emphasis, window, zero padding.
      kernels.gather_frames(sources, window_size_, block.data(), means);
      if (!dither_noise.empty()) {
        for (int lane = 0; lane < kFrameLanes; ++lane) {
          const double* noise = dither_noise.data() + frame_of_lane[lane] * window_size_;
          means[lane] = 0.0;
          for (int i = 0; i < window_size_; ++i) {
            block[i * kFrameLanes + lane] += noise[i];
            means[lane] += block[i * kFrameLanes + lane];
          }
        }
      }
      for (double& mean : means) mean = o.remove_dc_offset ? mean / window_size_ : 0.0;
      kernels.condition_frames(block.data(), window_size_, means, o.preemphasis_coefficient,
                               window_.data(), centred_energy, windowed_energy);
      std::fill(block.begin() + static_cast<ptrdiff_t>(window_size_) * kFrameLanes, block.end(),
                0.0);
      fft.power_spectrum(block.data(), power.data());
      if (!o.use_power) {
        for (double& value : power) value = std::sqrt(value);
      }
      mel_banks_->apply_to_block(kernels, power.data(), mel.data());
      if (o.use_log_fbank) {
        kernels.log(mel.data(), static_cast<int>(mel.size()), kEpsilon, 1.0f, log_mel.data());
      } else {
        std::copy(mel.begin(), mel.end(), log_mel.begin());
      }
      for (int lane = 0; lane < lanes; ++lane) {
        float* row = out.values.data() + (first + lane) * features;
        for (int b = 0; b < o.num_mel_bins; ++b)
          row[mel_offset + b] = log_mel[b * kFrameLanes + lane];
        if (o.use_energy) {
          // Raw energy is taken before pre-emphasis and window; the zero padding adds nothing.
          const double energy = o.raw_energy ? centred_energy[lane] : windowed_energy[lane];
          double log_energy = std::log(std::max(energy, kEpsilon));
          if (o.energy_floor != 0.0) log_energy = std::max(log_energy, std::log(o.energy_floor));
          row[energy_column] = static_cast<float>(log_energy);
        }
      }
    }
  });
  if (o.subtract_mean) {
    for (int c = 0; c < features; ++c) {
      double mean = 0.0;
      for (int64_t t = 0; t < frames; ++t) mean += out.values[t * features + c];
      mean /= frames;
      for (int64_t t = 0; t < frames; ++t) out.values[t * features + c] -= static_cast<float>(mean);
    }
  }
  return out;
}

}  // namespace almkit
