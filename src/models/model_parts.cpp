#include "models/model_parts.h"

#include "almkit/error.h"

namespace almkit {

at::Tensor EncodedAudio::frame_mask() const {
  const at::Tensor frames = at::arange(hidden.size(1), at::TensorOptions().dtype(at::kLong).device(output_lengths.device()));
  return frames.unsqueeze(0) < output_lengths.to(at::kLong).unsqueeze(1);
}

at::Tensor LanguageModel::final_norm(const at::Tensor& /*hidden*/) const {
  throw Error(ErrorCode::kUnsupported, "this language model does not expose its final norm (logit lens)");
}

at::Tensor LanguageModel::prompt_positions(const at::Tensor& attention_mask, const at::Tensor& /*audio_mask*/) const {
  return (attention_mask.cumsum(-1) - 1).masked_fill(attention_mask == 0, 1);
}

at::Tensor LanguageModel::next_positions(const at::Tensor& previous, int64_t count) const {
  const at::Tensor last = previous.select(-1, previous.size(-1) - 1).unsqueeze(-1);
  return last + at::arange(1, count + 1, previous.options());
}

}  // namespace almkit
