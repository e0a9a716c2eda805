#include "nn/attention.h"

#include <cmath>
#include <limits>
#include <vector>

#include "almkit/error.h"
#include "nn/attention_core.h"
#include "nn/linear_group.h"
#include "nn/prompt_rows.h"
#include "nn/row_kernels.h"

namespace almkit::nn {
namespace {

// The most negative finite value of the compute dtype, as transformers uses for masked keys
// (not -inf, so a fully masked row stays finite).
double mask_value(at::ScalarType dtype) {
  if (dtype == at::kBFloat16) return -3.3895313892515355e38;
  if (dtype == at::kHalf) return -65504.0;
  return std::numeric_limits<float>::lowest();
}

// Keys / values laid out as [B, kv_heads, S, head_dim] with rows of head_dim contiguous and S rows
// back to back (the cache's buffer views are), so one head's keys are one block.
bool row_blocks(const at::Tensor& t, int64_t head_dim) {
  return float_on_cpu(t) && t.dim() == 4 && t.stride(3) == 1 && t.stride(2) == head_dim;
}

// The prompt's q / k projections [B, T, heads * D] (fresh float32 rows) and cos / sin [B, 1, T, D]
// float32: what prompt_rows::rotate_half rotates in place.
bool rotates_rows_in_place(const at::Tensor& q, const at::Tensor& k, const at::Tensor& cos, const at::Tensor& sin,
                           int64_t head_dim) {
  const auto rows_ok = [](const at::Tensor& t) {
    return float_on_cpu(t) && t.dim() == 3 && t.is_contiguous() && !tracks_gradient(t);
  };
  const auto table_ok = [&](const at::Tensor& t) {
    return float_on_cpu(t) && !tracks_gradient(t) && t.dim() == 4 && t.size(0) == q.size(0) && t.size(1) == 1 &&
           t.size(2) == q.size(1);
  };
  return rows_ok(q) && rows_ok(k) && q.size(1) > kMatvecRowLimit && table_ok(cos) && table_ok(sin) && cos.size(3) == head_dim &&
         sin.size(3) == head_dim && k.size(0) == q.size(0) && k.size(1) == q.size(1);
}

}  // namespace

double AttentionShape::softmax_scale() const {
  return scale > 0.0 ? scale : 1.0 / std::sqrt(static_cast<double>(head_dim));
}

MultiHeadAttention MultiHeadAttention::load(WeightStore& weights, const std::string& prefix,
                                            const AttentionShape& shape) {
  MultiHeadAttention attention;
  attention.shape_ = shape;
  const int64_t q_out = shape.num_heads * shape.head_dim, kv_out = shape.num_kv_heads * shape.head_dim;
  const int64_t context = shape.context_width > 0 ? shape.context_width : shape.hidden;
  attention.q_proj_ = Linear::load(weights, prefix + "." + shape.query_name, shape.hidden, q_out, shape.query_bias);
  attention.k_proj_ = Linear::load(weights, prefix + "." + shape.key_name, context, kv_out, shape.key_bias);
  attention.v_proj_ = Linear::load(weights, prefix + "." + shape.value_name, context, kv_out, shape.value_bias);
  attention.o_proj_ = Linear::load(weights, prefix + "." + shape.output_name, q_out, shape.hidden,
                                   shape.output_bias);
  return attention;
}

at::Tensor MultiHeadAttention::split_heads(const at::Tensor& x, int64_t heads) const {
  return x.view({x.size(0), x.size(1), heads, shape_.head_dim}).transpose(1, 2);
}

at::Tensor MultiHeadAttention::attend(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                                      const at::Tensor& mask, at::Tensor* probabilities,
                                      const HeadHook* head_hook) const {
  // bf16 weights: attention's products in bf16 too, as the model's own dtype would do them
  const bool bf16 = o_proj_.weight.scalar_type() == at::kBFloat16;
  return output_projection(
      attention_core(q, k, v, mask, shape_.softmax_scale(), probabilities, AttentionCore::kAuto, bf16), head_hook);
}

at::Tensor MultiHeadAttention::output_projection(const at::Tensor& heads_flat, const HeadHook* head_hook) const {
  if (!head_hook || !*head_hook) return o_proj_(heads_flat);
  at::Tensor per_head = heads_flat.reshape({heads_flat.size(0), heads_flat.size(1), shape_.num_heads, shape_.head_dim});
  const auto expected = per_head.sizes().vec();
  (*head_hook)(per_head);
  if (per_head.sizes().vec() != expected) {
    throw Error(ErrorCode::kShapeMismatch,
                "a head hook changed the heads' output " + shape_text(expected) + " to " + shape_text(per_head.sizes()));
  }
  return o_proj_(per_head.reshape(heads_flat.sizes()));
}

at::Tensor MultiHeadAttention::decode_step(const at::Tensor& x, const at::Tensor& mask, KeyValue& cache,
                                           const at::Tensor& cos, const at::Tensor& sin,
                                           const HeadHook* head_hook) const {
  const int64_t batch = x.size(0), heads = shape_.num_heads, kv_heads = shape_.num_kv_heads, d = shape_.head_dim;
  const std::vector<at::Tensor> qkv = apply_to_same_input(x, {&q_proj_, &k_proj_, &v_proj_});
  const at::Tensor &q = qkv[0], &k = qkv[1], &v = qkv[2];  // [B, 1, heads * D], float32, contiguous
  if (cos.defined()) {
    const at::Tensor c = cos.to(at::kFloat).contiguous(), s = sin.to(at::kFloat).contiguous();
    rows::rotate_half(q.data_ptr<float>(), batch, heads, d, c.data_ptr<float>(), s.data_ptr<float>());
    rows::rotate_half(k.data_ptr<float>(), batch, kv_heads, d, c.data_ptr<float>(), s.data_ptr<float>());
  }
  cache.append(split_heads(k, kv_heads), split_heads(v, kv_heads));
  const at::Tensor& keys = cache.key;
  const at::Tensor& values = cache.value;
  const int64_t length = keys.size(2);
  at::Tensor mask_rows;  // [B or 1, S] float32
  if (mask.defined()) mask_rows = mask.to(at::kFloat).reshape({-1, length}).contiguous();
  rows::OneQueryAttention shape{heads, kv_heads, d, length, keys.stride(1), values.stride(1),
                                static_cast<float>(shape_.softmax_scale())};
  at::Tensor out = at::empty({batch, 1, heads * d}, q.options());
  std::vector<float> scores(length);
  for (int64_t b = 0; b < batch; ++b) {
    const float* mask_row = mask_rows.defined() ? mask_rows.data_ptr<float>() + (mask_rows.size(0) == 1 ? 0 : b) * length
                                                : nullptr;
    rows::attend_one_query(shape, q.data_ptr<float>() + b * heads * d, keys.data_ptr<float>() + b * keys.stride(0),
                           values.data_ptr<float>() + b * values.stride(0), mask_row, scores.data(),
                           out.data_ptr<float>() + b * heads * d);
  }
  return output_projection(out, head_hook);
}

bool MultiHeadAttention::can_decode_step(const at::Tensor& x, const at::Tensor& mask, const KeyValue* cache,
                                         const at::Tensor& cos, at::Tensor* probabilities) const {
  // Decoding one position from a filled float32 cache on the CPU; the first pass (the prompt),
  // requests for attention weights and other dtypes / devices take the ATen path.
  if (probabilities || !cache || !cache->key.defined() || x.dim() != 3 || x.size(1) != 1 || !float_on_cpu(x) ||
      tracks_gradient(x) || tracks_gradient(cache->key)) {
    return false;
  }
  if (!row_blocks(cache->key, shape_.head_dim) || !row_blocks(cache->value, shape_.head_dim)) return false;
  if (cache->key.size(0) != x.size(0)) return false;
  if (cos.defined() && (cos.numel() != x.size(0) * shape_.head_dim || !cos.device().is_cpu())) return false;
  if (mask.defined() && (!mask.device().is_cpu() || mask.numel() % (cache->key.size(2) + 1) != 0 ||
                         (mask.numel() != cache->key.size(2) + 1 && mask.size(0) != x.size(0)))) {
    return false;
  }
  // the projections must come out float32: bf16 weights (almkit's kernel) or float32 weights
  const auto weight_ok = [](const Linear& l) {
    return l.int8 || (l.weight.device().is_cpu() && (l.weight.scalar_type() == at::kBFloat16 || l.weight.scalar_type() == at::kFloat));
  };
  return weight_ok(q_proj_) && weight_ok(k_proj_) && weight_ok(v_proj_);
}

at::Tensor MultiHeadAttention::self_attention(const at::Tensor& x, const at::Tensor& mask,
                                              KeyValue* cache, const at::Tensor& cos,
                                              const at::Tensor& sin, at::Tensor* probabilities,
                                              const HeadHook* head_hook) const {
  if (can_decode_step(x, mask, cache, cos, probabilities)) return decode_step(x, mask, *cache, cos, sin, head_hook);
  const std::vector<at::Tensor> qkv = apply_to_same_input(x, {&q_proj_, &k_proj_, &v_proj_});
  const at::Tensor &q_rows = qkv[0], &k_rows = qkv[1];  // [B, T, heads * D]
  // A prompt's rotation in place on the projections' float32 rows (threaded; the same numbers as
  // Rope::apply's five ATen ops, which took 4 % of a Qwen2-0.5B prefill).
  const bool rotate_rows = cos.defined() && rotates_rows_in_place(q_rows, k_rows, cos, sin, shape_.head_dim);
  if (rotate_rows) {
    const at::Tensor c = cos.contiguous(), s = sin.contiguous();
    const int64_t rows = q_rows.numel() / q_rows.size(-1);
    prompt_rows::rotate_half(q_rows.data_ptr<float>(), rows, shape_.num_heads, shape_.head_dim, c.data_ptr<float>(),
                             s.data_ptr<float>());
    prompt_rows::rotate_half(k_rows.data_ptr<float>(), rows, shape_.num_kv_heads, shape_.head_dim,
                             c.data_ptr<float>(), s.data_ptr<float>());
  }
  at::Tensor q = split_heads(q_rows, shape_.num_heads);
  at::Tensor k = split_heads(k_rows, shape_.num_kv_heads);
  at::Tensor v = split_heads(qkv[2], shape_.num_kv_heads);
  if (cos.defined() && !rotate_rows) {
    q = Rope::apply(q, cos, sin);
    k = Rope::apply(k, cos, sin);
  }
  if (cache) {
    cache->append(k, v);
    k = cache->key;
    v = cache->value;
  }
  return attend(q, k, v, mask, probabilities, head_hook);
}

at::Tensor MultiHeadAttention::cross_attention(const at::Tensor& x, const at::Tensor& context,
                                               KeyValue* cache, at::Tensor* probabilities,
                                               const at::Tensor& mask) const {
  const at::Tensor q = split_heads(q_proj_(x), shape_.num_heads);
  at::Tensor k, v;
  if (cache && cache->key.defined()) {
    k = cache->key;
    v = cache->value;
  } else {
    k = split_heads(k_proj_(context), shape_.num_kv_heads);
    v = split_heads(v_proj_(context), shape_.num_kv_heads);
    if (cache) {
      *cache = KeyValue();
      cache->key = k;
      cache->value = v;
    }
  }
  return attend(q, k, v, mask, probabilities);
}

at::Tensor causal_mask(const at::Tensor& attention_mask, int64_t query_length, at::ScalarType dtype,
                       int64_t sliding_window) {
  const int64_t total = attention_mask.size(1), past = total - query_length;
  const auto options = at::TensorOptions().device(attention_mask.device());
  // key j is visible from query i when j <= past + i and key j is not padding
  const at::Tensor query_positions = at::arange(query_length, options.dtype(at::kLong)).view({-1, 1}) + past;
  const at::Tensor key_positions = at::arange(total, options.dtype(at::kLong)).view({1, -1});
  at::Tensor causal = key_positions <= query_positions;
  // a sliding window also hides keys sliding_window or more positions back (as transformers)
  if (sliding_window > 0) causal = causal & (key_positions > query_positions - sliding_window);
  const at::Tensor visible = causal.unsqueeze(0).unsqueeze(0) &
                             attention_mask.to(at::kBool).view({attention_mask.size(0), 1, 1, total});
  return at::zeros(visible.sizes(), options.dtype(dtype)).masked_fill(visible.logical_not(), mask_value(dtype));
}

at::Tensor padding_mask(const at::Tensor& key_mask, at::ScalarType dtype) {
  const at::Tensor hidden = key_mask.to(at::kBool).logical_not().view({key_mask.size(0), 1, 1, key_mask.size(1)});
  return at::zeros(hidden.sizes(), at::TensorOptions().dtype(dtype).device(key_mask.device()))
      .masked_fill(hidden, mask_value(dtype));
}

}  // namespace almkit::nn
