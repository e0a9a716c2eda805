#include "nn/kv_cache.h"

#include <algorithm>

namespace almkit::nn {
namespace {

KeyValue repeat(const KeyValue& kv, int64_t times) {
  if (!kv.key.defined()) return kv;
  KeyValue out;  // a fresh cache: no buffer shared with kv
  out.key = kv.key.repeat_interleave(times, 0);
  out.value = kv.value.repeat_interleave(times, 0);
  return out;
}

// True when `view` is the first `length` positions of `buffer` (not replaced or trimmed since).
bool is_prefix_of(const at::Tensor& view, const at::Tensor& buffer) {
  return view.defined() && buffer.defined() && view.data_ptr() == buffer.data_ptr() &&
         view.sizes() == buffer.narrow(2, 0, view.size(2)).sizes() && view.strides() == buffer.strides();
}

}  // namespace

void KeyValue::append(const at::Tensor& new_key, const at::Tensor& new_value) {
  if (!key.defined()) {  // the prompt: kept as computed; the first decode step makes the buffer
    key = new_key;
    value = new_value;
    key_buffer = value_buffer = at::Tensor();
    filled.reset();
    return;
  }
  const int64_t length = key.size(2), added = new_key.size(2), needed = length + added;
  const bool in_place = is_prefix_of(key, key_buffer) && is_prefix_of(value, value_buffer) && filled &&
                        *filled == length && key_buffer.size(2) >= needed && key_buffer.size(0) == new_key.size(0);
  if (!in_place) {
    const int64_t capacity = needed + std::max<int64_t>(64, needed / 2);
    auto grown = [&](const at::Tensor& current) {
      auto sizes = current.sizes().vec();
      sizes[2] = capacity;
      at::Tensor buffer = at::empty(sizes, current.options().memory_format(at::MemoryFormat::Contiguous));
      buffer.narrow(2, 0, length).copy_(current);
      return buffer;
    };
    key_buffer = grown(key);
    value_buffer = grown(value);
    filled = std::make_shared<int64_t>(length);
  }
  key_buffer.narrow(2, length, added).copy_(new_key);
  value_buffer.narrow(2, length, added).copy_(new_value);
  key = key_buffer.narrow(2, 0, needed);
  value = value_buffer.narrow(2, 0, needed);
  *filled = needed;
}

KvCache KvCache::expand_batch(int64_t times) const {
  KvCache out;
  for (const auto& kv : self_attention) out.self_attention.push_back(repeat(kv, times));
  for (const auto& kv : cross_attention) out.cross_attention.push_back(repeat(kv, times));
  if (encoder_states.defined()) out.encoder_states = encoder_states.repeat_interleave(times, 0);
  return out;
}

}  // namespace almkit::nn
