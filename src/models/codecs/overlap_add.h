// transformers' EncodecModel._linear_overlap_add, one chunk at a time: decoded chunks of equal
// length placed `stride` samples apart, each weighted by a triangle (0.5 - |t - 0.5| over
// linspace(0, 1, length + 2)[1:-1]) and divided by the summed weights. Only the overlap still to
// be completed is kept, so a long decode needs one chunk of memory; every sample gets the same
// sums in the same order as the whole-signal version, so the result is the same to the bit.
#pragma once

#include <ATen/ATen.h>

namespace almkit::codecs {

class StreamingOverlapAdd {
 public:
  explicit StreamingOverlapAdd(int64_t stride) : stride_(stride) {}
  // Adds the next chunk [B, C, length] (every chunk as long as the first, length >= stride) and
  // returns the samples no later chunk touches: `stride` of them, or none for the first call's
  // part that a later chunk still overlaps. Returns [B, C, n].
  at::Tensor push(const at::Tensor& chunk);
  // The rest after the last chunk (length - stride samples, or all of a lone chunk).
  at::Tensor finish();

 private:
  int64_t stride_;
  at::Tensor weight_;      // [length]
  at::Tensor sum_;         // [B, C, length]: weighted sum from the first unfinished sample on
  at::Tensor sum_weight_;  // [length]
};

}  // namespace almkit::codecs
