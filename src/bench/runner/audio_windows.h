// Long clips: the model takes at most max_audio_seconds (30 s for Whisper-style encoders; a
// family whose processor cuts long audio itself says its own maximum, docs/models.md). almkit's
// rule (docs/eval.md): a longer clip is split into the fewest equal windows that fit, each given
// to the model as its own clip, in order.
#pragma once

#include <string>
#include <vector>

#include "almkit/audio.h"

namespace almkit::bench {

// Duration from the file's header (no decoding); kFileNotFound / kInvalidFormat naming it.
double audio_file_seconds(const std::string& path);
// How many windows a clip of `seconds` needs (at least 1).
int window_count(double seconds, double max_seconds);
// The clip cut into window_count() equal consecutive windows.
std::vector<AudioBuffer> split_into_windows(const AudioBuffer& clip, double max_seconds);
// --long-audio for a clip longer than max_seconds: "" or "windows" split_into_windows, "truncate"
// the first max_seconds, "refuse" throws kInvalidArgument naming `path` (the unit is refused).
std::vector<AudioBuffer> apply_long_audio_policy(AudioBuffer clip, const std::string& path,
                                                 const std::string& policy, double max_seconds);

}  // namespace almkit::bench
