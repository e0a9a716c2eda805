// Audio longer than one Whisper encoder window (2 x max_source_positions mel frames, 30 s) for
// the towers whose processors take it: each family cuts it its own way (docs/models.md, "Long
// audio"), encodes every window on its own and gives the clip its windows' rows in order.
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "almkit/features.h"
#include "models/config.h"
#include "models/model_parts.h"
#include "models/whisper_encoder.h"

namespace almkit {

enum class LongAudioSplit {
  kRefuse,          // one window at most (Whisper, Qwen2-Audio)
  kMelThenWindows,  // the mel of the whole clip, its frames cut into windows (Voxtral, Ultravox)
  kWindowsThenMel,  // the samples cut into windows, each with its own padded mel (Audio Flamingo 3)
};

struct LongAudioRule {
  LongAudioSplit split = LongAudioSplit::kRefuse;
  int64_t max_windows =
      0;  // the most windows a clip may fill (not kRefuse); longer clips are refused
  int64_t row_multiple = 1;  // every window's rows padded to a multiple (Ultravox's stack_factor)
};

// The features of a tower with a long-audio rule: a clip's windows one after the other along
// the frames, clips zero-padded to the longest. `full_window`: every window is a whole 30 s
// (Voxtral pads the samples to whole windows, Audio Flamingo 3 pads each window's mel);
// otherwise the samples are padded to a hop (Ultravox). valid_frames: the frames up to the end
// of the clip's real audio (Voxtral: of its last window).
std::unique_ptr<FeatureExtractor> make_long_audio_features(const WhisperMelOptions& mel,
                                                           bool full_window,
                                                           const LongAudioRule& rule);

// A Whisper tower (build_whisper_tower with `full_window`) that takes clips up to the rule's
// windows: features from make_long_audio_features (the checkpoint's preprocessor_config.json,
// whose chunk_length must give 2 x max_source_positions frames); features longer than a window
// are encoded as a batch of windows, each like a clip of its own, and joined per clip; shorter
// ones go to the tower unchanged.
std::unique_ptr<AudioEncoder> with_long_audio(std::unique_ptr<AudioEncoder> tower,
                                              const ModelConfig& config,
                                              const WhisperEncoderShape& shape, bool full_window,
                                              const LongAudioRule& rule);

// Each clip's frames in windows of `window_frames` (the last holds the rest).
struct AudioWindows {
  std::vector<int64_t> clip, start, length;  // per window
  std::vector<int64_t> windows_per_clip;
};
AudioWindows plan_audio_windows(const at::Tensor& clip_frames, int64_t window_frames);

// Encoded windows [windows, rows, dim] (real rows in output_lengths) -> each clip's windows'
// rows in order, [clips, rows, dim]. With `row_multiple` > 1 every window's rows are padded to a
// multiple of it: the last window's with the encoder's rows past its end (as a batch of windows
// padded to the longest computes them), the others with zeros, so that stacking the clip equals
// stacking each window; the clip's length stops at its last window's real rows.
EncodedAudio join_audio_windows(const EncodedAudio& windows, const AudioWindows& plan,
                                int64_t row_multiple);

}  // namespace almkit
