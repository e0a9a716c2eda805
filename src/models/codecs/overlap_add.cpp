#include "models/codecs/overlap_add.h"

#include "almkit/error.h"
#include "io/weight_store.h"

namespace almkit::codecs {

at::Tensor StreamingOverlapAdd::push(const at::Tensor& chunk) {
  const int64_t length = chunk.size(-1);
  if (!weight_.defined()) {
    if (length < stride_) {
      throw Error(ErrorCode::kInvalidArgument, "overlap-add: chunks of " + std::to_string(length) +
                                                   " samples leave gaps at a stride of " +
                                                   std::to_string(stride_));
    }
    const at::Tensor t = at::linspace(0, 1, length + 2, chunk.options()).narrow(0, 1, length);
    weight_ = 0.5 - (t - 0.5).abs();
    sum_ = at::zeros(chunk.sizes(), chunk.options());
    sum_weight_ = at::zeros({length}, chunk.options());
    sum_.add_(weight_ * chunk);
    sum_weight_.add_(weight_);
    return at::empty({chunk.size(0), chunk.size(1), 0}, chunk.options());
  }
  if (length != weight_.size(0) || chunk.sizes().slice(0, 2) != sum_.sizes().slice(0, 2)) {
    throw Error(ErrorCode::kInvalidArgument, "overlap-add: chunk of shape " +
                                                 shape_text(chunk.sizes()) + " after chunks of " +
                                                 shape_text(sum_.sizes()));
  }
  // The first `stride` samples are complete: no later chunk reaches back to them.
  const at::Tensor done = sum_.narrow(-1, 0, stride_) / sum_weight_.narrow(0, 0, stride_);
  const int64_t keep = length - stride_;
  at::Tensor sum = at::zeros(chunk.sizes(), chunk.options());
  at::Tensor sum_weight = at::zeros({length}, chunk.options());
  sum.narrow(-1, 0, keep).copy_(sum_.narrow(-1, stride_, keep));
  sum_weight.narrow(0, 0, keep).copy_(sum_weight_.narrow(0, stride_, keep));
  sum.add_(weight_ * chunk);
  sum_weight.add_(weight_);
  sum_ = sum;
  sum_weight_ = sum_weight;
  return done;
}

at::Tensor StreamingOverlapAdd::finish() {
  if (!weight_.defined())
    throw Error(ErrorCode::kInternal, "overlap-add: finished before any chunk");
  return sum_ / sum_weight_;
}

}  // namespace almkit::codecs
