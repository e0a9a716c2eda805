// Audio features for audio encoders: Whisper log-mel (as WhisperFeatureExtractor computes it) and
// Kaldi filterbanks (as torchaudio.compliance.kaldi.fbank computes them). No torch in this header.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "almkit/audio.h"
#include "almkit/export.h"

namespace almkit {

struct KaldiTables;
struct WhisperTables;

// A dense float tensor in row-major order: the exchange format of the front end.
struct FeatureTensor {
  std::vector<int64_t> shape;
  std::vector<float> values;
  int64_t numel() const;
};

// Mirrors WhisperFeatureExtractor's preprocessor_config.json fields one for one.
struct WhisperMelOptions {
  int feature_size = 80;        // number of mel bins (80, or 128 for large-v3 / Qwen2-Audio)
  int sampling_rate = 16000;
  int n_fft = 400;
  int hop_length = 160;
  int chunk_length = 30;        // seconds; the padded form pads or truncates to this
  bool pad_to_chunk = true;     // false: frames for the audio's own length (unpadded form)
  int num_threads = 1;
};

// A batch of feature matrices with the mask that tells real frames from padding.
struct FeatureBatch {
  FeatureTensor features;               // Whisper: [batch, bins, frames]; Kaldi: [batch, frames, bins]
  std::vector<int64_t> attention_mask;  // [batch, frames]: 1 where a frame holds real audio
  std::vector<int64_t> valid_frames;    // per item: number of frames with real audio
};

class ALMKIT_API WhisperMel {
 public:
  explicit WhisperMel(const WhisperMelOptions& options = {});
  const WhisperMelOptions& options() const { return options_; }

  // Frames produced for `num_samples` input samples (3000 for the padded 30 s form).
  int64_t num_frames(int64_t num_samples) const;

  // One clip of mono samples at options().sampling_rate -> [1, bins, frames].
  FeatureBatch compute(const float* samples, int64_t num_samples) const;
  FeatureBatch compute(const std::vector<float>& samples) const;
  // Several clips; in the unpadded form they are zero-padded to the longest (padding="longest").
  FeatureBatch compute_batch(const std::vector<std::vector<float>>& clips) const;
  // Writes [bins, num_frames(num_samples)] into caller memory; returns the valid frame count.
  int64_t compute_into(const float* samples, int64_t num_samples, float* output) const;

  // The slaney mel filter bank, [n_fft / 2 + 1, feature_size] as transformers stores it.
  const std::vector<float>& mel_filters() const;

 private:
  WhisperMelOptions options_;
  std::shared_ptr<const WhisperTables> tables_;  // shared by equal options
};

// Mirrors torchaudio.compliance.kaldi.fbank's keyword arguments one for one.
struct KaldiFbankOptions {
  double blackman_coeff = 0.42;
  int channel = -1;  // -1 or 0: first channel
  double dither = 0.0;
  double energy_floor = 1.0;
  double frame_length = 25.0;  // ms
  double frame_shift = 10.0;   // ms
  double high_freq = 0.0;      // <= 0: offset from Nyquist
  bool htk_compat = false;
  double low_freq = 20.0;
  double min_duration = 0.0;
  int num_mel_bins = 23;
  double preemphasis_coefficient = 0.97;
  bool raw_energy = true;
  bool remove_dc_offset = true;
  bool round_to_power_of_two = true;
  double sample_frequency = 16000.0;
  bool snip_edges = true;
  bool subtract_mean = false;
  bool use_energy = false;
  bool use_log_fbank = true;
  bool use_power = true;
  double vtln_high = -500.0;
  double vtln_low = 100.0;
  double vtln_warp = 1.0;
  std::string window_type = "povey";  // povey, hamming, hanning, rectangular, blackman
  uint64_t dither_seed = 0;           // seeds the dither noise (torchaudio uses torch's RNG)
  int num_threads = 1;
};

class ALMKIT_API KaldiFbank {
 public:
  explicit KaldiFbank(const KaldiFbankOptions& options = {});
  const KaldiFbankOptions& options() const { return options_; }
  int64_t num_frames(int64_t num_samples) const;
  int num_features() const;  // num_mel_bins (+1 with use_energy)
  // Frames compute() returns: num_frames(), or 0 below min_duration (as torchaudio).
  int64_t output_frames(int64_t num_samples) const;
  // Mono samples (scale as given: Kaldi recipes feed int16-range values) -> [frames, features].
  FeatureTensor compute(const float* samples, int64_t num_samples) const;
  // The same into the caller's `out` (output_frames() x num_features() floats), without
  // allocating or copying the result; returns the frames written.
  int64_t compute_into(const float* samples, int64_t num_samples, float* out) const;
  FeatureTensor compute(const AudioBuffer& audio) const;  // picks options().channel

 private:
  KaldiFbankOptions options_;
  int window_size_, window_shift_, padded_size_;
  std::shared_ptr<const KaldiTables> tables_;  // shared by equal options
};

// The features an encoder expects, chosen by an HF checkpoint's preprocessor_config.json.
class ALMKIT_API FeatureExtractor {
 public:
  virtual ~FeatureExtractor() = default;
  virtual std::string kind() const = 0;  // "whisper-mel" or "kaldi-fbank"
  virtual int sampling_rate() const = 0;
  // The longest clip the model's processor takes, in seconds (Whisper: chunk_length, 30; families
  // that cut long audio into windows, such as Voxtral or Audio Flamingo 3: their maximum).
  virtual double max_seconds() const = 0;
  // Resamples / downmixes as needed, then computes features of each clip as one batch.
  virtual FeatureBatch extract(const std::vector<AudioBuffer>& clips) const = 0;
};

// Reads `<folder>/preprocessor_config.json` (or a path to that file) and builds its extractor.
ALMKIT_API std::unique_ptr<FeatureExtractor> load_feature_extractor(const std::string& path);
ALMKIT_API std::unique_ptr<FeatureExtractor> make_whisper_feature_extractor(
    const WhisperMelOptions& options);

}  // namespace almkit
