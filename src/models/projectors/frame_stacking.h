// Frame stacking, the step of projectors that trade frames for width (Ultravox's stack_factor,
// Voxtral's 4 frames per row): s consecutive frames become one row of s x width.
#pragma once

#include "models/model_parts.h"

namespace almkit {

// hidden [clips, T, C] -> [clips, ceil(T / factor), C * factor], frames zero-padded at the end
// to a multiple of `factor` and concatenated in time order; each clip's length becomes
// ceil(length / factor).
EncodedAudio stack_frames(const EncodedAudio& encoded, int64_t factor);

}  // namespace almkit
