#include "models/projectors/frame_stacking.h"

#include "almkit/error.h"

namespace almkit {

EncodedAudio stack_frames(const EncodedAudio& encoded, int64_t factor) {
  if (factor <= 0) throw Error(ErrorCode::kInvalidArgument, "stack factor must be positive, got " + std::to_string(factor));
  const at::Tensor& h = encoded.hidden;
  const int64_t frames = h.size(1), padded = (frames + factor - 1) / factor * factor;
  at::Tensor x = padded == frames ? h : at::constant_pad_nd(h, {0, 0, 0, padded - frames}, 0.0);
  x = x.contiguous().view({h.size(0), padded / factor, h.size(2) * factor});
  return {x, at::floor_divide(encoded.output_lengths + (factor - 1), factor)};
}

}  // namespace almkit
