#include "models/whisper_long_audio.h"

#include <algorithm>
#include <string>

#include "almkit/error.h"
#include "models/audio_frontend.h"

namespace almkit {
namespace {

// Per-clip feature matrices [bins, frames_c] -> one batch [clips, bins, longest], zero-padded.
FeatureBatch pack(const std::vector<std::vector<float>>& clips, const std::vector<int64_t>& frames,
                  const std::vector<int64_t>& valid, int64_t bins) {
  const auto batch_size = static_cast<int64_t>(clips.size());
  const int64_t longest = *std::max_element(frames.begin(), frames.end());
  FeatureBatch batch;
  batch.features.shape = {batch_size, bins, longest};
  batch.features.values.assign(static_cast<size_t>(batch_size * bins * longest), 0.f);
  batch.attention_mask.assign(static_cast<size_t>(batch_size * longest), 0);
  for (int64_t b = 0; b < batch_size; ++b) {
    for (int64_t m = 0; m < bins; ++m) {
      std::copy_n(clips[b].data() + m * frames[b], frames[b],
                  batch.features.values.data() + (b * bins + m) * longest);
    }
    std::fill_n(batch.attention_mask.begin() + b * longest, valid[b], 1);
    batch.valid_frames.push_back(valid[b]);
  }
  return batch;
}

class LongAudioFeatures : public FeatureExtractor {
 public:
  LongAudioFeatures(const WhisperMelOptions& options, bool full_window, const LongAudioRule& rule)
      : window_mel_(options),
        whole_mel_(unpadded(options)),
        full_window_(full_window),
        rule_(rule) {}

  std::string kind() const override { return "whisper-mel"; }
  int sampling_rate() const override { return window_mel_.options().sampling_rate; }
  double max_seconds() const override {
    return static_cast<double>(rule_.max_windows) * window_mel_.options().chunk_length;
  }

  FeatureBatch extract(const std::vector<AudioBuffer>& clips) const override {
    std::vector<std::vector<float>> mono;
    for (size_t i = 0; i < clips.size(); ++i) {
      validate_audio(clips[i], "clip " + std::to_string(i));
      mono.push_back(clips[i].sample_rate == sampling_rate()
                         ? clips[i].mono()
                         : resample(clips[i], sampling_rate()).mono());
    }
    const int64_t hop = window_mel_.options().hop_length;
    if (!full_window_) {
      // Ultravox: padding="longest", pad_to_multiple_of one hop; the batch's mel as one.
      for (auto& samples : mono) samples.resize((samples.size() + hop - 1) / hop * hop, 0.f);
      return whole_mel_.compute_batch(mono);
    }
    const int64_t window =
        static_cast<int64_t>(window_mel_.options().chunk_length) * sampling_rate();
    const int64_t bins = window_mel_.options().feature_size;
    std::vector<std::vector<float>> features;
    std::vector<int64_t> frames, valid;
    for (auto& samples : mono) {
      const auto n = static_cast<int64_t>(samples.size());
      const int64_t windows = std::max<int64_t>(1, (n + window - 1) / window);
      if (rule_.split == LongAudioSplit::kMelThenWindows) {
        // Voxtral: zeros to whole windows, then one mel of it all (its max - 8 floor included).
        samples.resize(static_cast<size_t>(windows * window), 0.f);
        FeatureBatch whole = whole_mel_.compute(samples);
        frames.push_back(whole.features.shape[2]);
        valid.push_back(whole.valid_frames[0]);
        features.push_back(std::move(whole.features.values));
        continue;
      }
      // Audio Flamingo 3: each window's samples through the padded 30 s mel on their own.
      const int64_t window_frames = window_mel_.num_frames(window);
      std::vector<float> clip(static_cast<size_t>(bins * windows * window_frames));
      int64_t real = 0;
      for (int64_t w = 0; w < windows; ++w) {
        const int64_t begin = w * window, length = std::min(window, n - begin);
        const FeatureBatch part = window_mel_.compute(samples.data() + begin, length);
        for (int64_t m = 0; m < bins; ++m) {
          std::copy_n(part.features.values.data() + m * window_frames, window_frames,
                      clip.data() + m * windows * window_frames + w * window_frames);
        }
        real = w * window_frames + part.valid_frames[0];
      }
      frames.push_back(windows * window_frames);
      valid.push_back(real);
      features.push_back(std::move(clip));
    }
    return pack(features, frames, valid, bins);
  }

 private:
  static WhisperMelOptions unpadded(WhisperMelOptions options) {
    options.pad_to_chunk = false;
    return options;
  }
  WhisperMel window_mel_, whole_mel_;
  bool full_window_;
  LongAudioRule rule_;
};

class LongAudioTower : public AudioEncoder {
 public:
  LongAudioTower(std::unique_ptr<AudioEncoder> tower, std::unique_ptr<FeatureExtractor> features,
                 int64_t window_frames, bool full_window, int64_t row_multiple)
      : tower_(std::move(tower)),
        features_(std::move(features)),
        window_frames_(window_frames),
        full_window_(full_window),
        row_multiple_(row_multiple) {}

  const FeatureExtractor& features() const override { return *features_; }

  EncodedAudio encode(const at::Tensor& features, const at::Tensor& feature_lengths,
                      const LayerHook* hook) const override {
    if (features.size(2) <= window_frames_) return tower_->encode(features, feature_lengths, hook);
    const at::Tensor frames =
        feature_lengths.defined()
            ? feature_lengths
            : at::full({features.size(0)}, features.size(2), at::TensorOptions().dtype(at::kLong));
    const AudioWindows plan = plan_audio_windows(frames, window_frames_);
    const auto count = static_cast<int64_t>(plan.clip.size());
    const int64_t width =
        full_window_ ? window_frames_ : *std::max_element(plan.length.begin(), plan.length.end());
    at::Tensor windows = at::zeros({count, features.size(1), width}, features.options());
    for (int64_t w = 0; w < count; ++w) {
      // A whole window keeps its mel past the audio (Audio Flamingo 3's padded window goes through
      // the convolutions unmasked); a clip-length window only its own frames.
      const int64_t copied =
          full_window_ ? std::min(width, features.size(2) - plan.start[w]) : plan.length[w];
      windows[w]
          .narrow(1, 0, copied)
          .copy_(features[plan.clip[w]].narrow(1, plan.start[w], copied));
    }
    const at::Tensor lengths = at::tensor(plan.length, at::TensorOptions().dtype(at::kLong));
    return join_audio_windows(tower_->encode(windows, lengths, hook), plan, row_multiple_);
  }

 private:
  std::unique_ptr<AudioEncoder> tower_;
  std::unique_ptr<FeatureExtractor> features_;
  int64_t window_frames_;
  bool full_window_;
  int64_t row_multiple_;
};

}  // namespace

std::unique_ptr<AudioEncoder> with_long_audio(std::unique_ptr<AudioEncoder> tower,
                                              const ModelConfig& config,
                                              const WhisperEncoderShape& shape, bool full_window,
                                              const LongAudioRule& rule) {
  const WhisperMelOptions mel =
      checkpoint_whisper_mel(config, WhisperMelOptions{}, shape.num_mel_bins);
  const int64_t window_frames =
      WhisperMel(mel).num_frames(int64_t{mel.chunk_length} * mel.sampling_rate);
  if (window_frames != 2 * shape.max_source_positions) {
    throw Error(ErrorCode::kUnsupported,
                config.source() + ": a " + std::to_string(mel.chunk_length) +
                    " s window (preprocessor chunk_length) gives " + std::to_string(window_frames) +
                    " mel frames, not the encoder's " +
                    std::to_string(2 * shape.max_source_positions) + " (2 x max_source_positions)");
  }
  return std::make_unique<LongAudioTower>(std::move(tower),
                                          make_long_audio_features(mel, full_window, rule),
                                          window_frames, full_window, rule.row_multiple);
}

std::unique_ptr<FeatureExtractor> make_long_audio_features(const WhisperMelOptions& mel,
                                                           bool full_window,
                                                           const LongAudioRule& rule) {
  if (rule.split == LongAudioSplit::kRefuse || rule.max_windows <= 0) {
    throw Error(ErrorCode::kInvalidArgument,
                "long-audio features need a split and a positive number of windows");
  }
  return std::make_unique<LongAudioFeatures>(mel, full_window, rule);
}

AudioWindows plan_audio_windows(const at::Tensor& clip_frames, int64_t window_frames) {
  AudioWindows plan;
  const at::Tensor frames = clip_frames.to(at::kLong).cpu().contiguous();
  for (int64_t c = 0; c < frames.size(0); ++c) {
    const int64_t total = std::max<int64_t>(1, frames[c].item<int64_t>());
    int64_t count = 0;
    for (int64_t start = 0; start < total; start += window_frames, ++count) {
      plan.clip.push_back(c);
      plan.start.push_back(start);
      plan.length.push_back(std::min(window_frames, total - start));
    }
    plan.windows_per_clip.push_back(count);
  }
  return plan;
}

EncodedAudio join_audio_windows(const EncodedAudio& windows, const AudioWindows& plan,
                                int64_t row_multiple) {
  const at::Tensor rows = windows.output_lengths.to(at::kLong).cpu().contiguous();
  const int64_t available = windows.hidden.size(1), dim = windows.hidden.size(2);
  std::vector<std::vector<at::Tensor>> parts(plan.windows_per_clip.size());
  std::vector<int64_t> lengths(plan.windows_per_clip.size(), 0);
  for (size_t w = 0; w < plan.clip.size(); ++w) {
    const int64_t clip = plan.clip[w], real = rows[static_cast<int64_t>(w)].item<int64_t>();
    const bool last = w + 1 == plan.clip.size() || plan.clip[w + 1] != clip;
    const int64_t padded = (real + row_multiple - 1) / row_multiple * row_multiple;
    // The last window's rows past its end are only read by stacking; the clip's length stops there.
    const int64_t taken = last ? std::min(padded, available) : real;
    at::Tensor part = windows.hidden[static_cast<int64_t>(w)].narrow(0, 0, taken);
    if (!last && padded > real) part = at::constant_pad_nd(part, {0, 0, 0, padded - real}, 0.0);
    lengths[clip] += last ? real : padded;
    parts[clip].push_back(part);
  }
  std::vector<at::Tensor> clips;
  int64_t longest = 0;
  for (auto& clip_parts : parts) {
    clips.push_back(at::cat(clip_parts, 0));
    longest = std::max(longest, clips.back().size(0));
  }
  at::Tensor hidden =
      at::zeros({static_cast<int64_t>(clips.size()), longest, dim}, windows.hidden.options());
  for (size_t c = 0; c < clips.size(); ++c)
    hidden[static_cast<int64_t>(c)].narrow(0, 0, clips[c].size(0)).copy_(clips[c]);
  return {hidden, at::tensor(lengths, at::TensorOptions().dtype(at::kLong))};
}

}  // namespace almkit
