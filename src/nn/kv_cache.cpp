#include "nn/kv_cache.h"

namespace almkit::nn {
namespace {

KeyValue repeat(const KeyValue& kv, int64_t times) {
  if (!kv.key.defined()) return kv;
  return {kv.key.repeat_interleave(times, 0), kv.value.repeat_interleave(times, 0)};
}

}  // namespace

KvCache KvCache::expand_batch(int64_t times) const {
  KvCache out;
  for (const auto& kv : self_attention) out.self_attention.push_back(repeat(kv, times));
  for (const auto& kv : cross_attention) out.cross_attention.push_back(repeat(kv, times));
  if (encoder_states.defined()) out.encoder_states = encoder_states.repeat_interleave(times, 0);
  return out;
}

}  // namespace almkit::nn
