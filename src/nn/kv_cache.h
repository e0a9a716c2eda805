// Key/value cache of one decoder: self-attention keys and values grow with each step;
// cross-attention ones (encoder-decoder models) are computed once per input.
#pragma once

#include <ATen/ATen.h>

#include <memory>
#include <vector>

namespace almkit::nn {

struct KeyValue {
  at::Tensor key, value;  // [B, kv_heads, S, head_dim]; undefined when empty
  // Appends [B, kv_heads, T, head_dim] along S. key / value become views of a buffer with room
  // to spare, grown by half each time it fills: concatenating per step copied the whole cache
  // on every token.
  void append(const at::Tensor& new_key, const at::Tensor& new_value);

  // Owned by append(): [B, kv_heads, capacity, head_dim]. Code that replaces or trims key /
  // value directly (a sliding window) may ignore them; append() notices and starts a new buffer.
  at::Tensor key_buffer, value_buffer;
  // Positions of the buffer some copy of this cache has filled. Copies (a scoring branch per
  // continuation) share the buffer; only a copy at that frontier appends in place, any other
  // starts its own buffer, so copies never overwrite each other's positions.
  std::shared_ptr<int64_t> filled;
};

struct KvCache {
  std::vector<KeyValue> self_attention;   // one per layer
  std::vector<KeyValue> cross_attention;  // one per layer (encoder-decoder models)
  at::Tensor encoder_states;              // what cross-attention attends to
  int64_t length() const {
    return self_attention.empty() || !self_attention[0].key.defined() ? 0 : self_attention[0].key.size(2);
  }
  // Repeats every row `times` (batch 1 prompt -> N continuations sharing it).
  KvCache expand_batch(int64_t times) const;
};

}  // namespace almkit::nn
