#include "nn/attention_core.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include "nn/flash_attention.h"
#include "nn/layers.h"

namespace almkit::nn {
namespace {

// The fused loop of nn/flash_attention.h on q / k / v as attention_core takes them, or an
// undefined tensor where it cannot run (dtype, device, gradients, head_dim, a per-head mask).
at::Tensor fused_attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                           const at::Tensor& mask, double scale, bool bf16_products) {
  const int64_t batch = q.size(0), heads = q.size(1), queries = q.size(2), head_dim = q.size(3);
  const int64_t kv_heads = k.size(1), keys = k.size(2);
  const auto usable = [&](const at::Tensor& t) {
    return float_on_cpu(t) && !tracks_gradient(t) && t.dim() == 4 && t.stride(3) == 1 &&
           t.size(0) == batch && t.size(3) == head_dim;
  };
  if (!usable(q) || !usable(k) || !usable(v) || v.size(1) != kv_heads || v.size(2) != keys ||
      !flash_attention_supports(head_dim) || heads % kv_heads != 0) {
    return at::Tensor();
  }
  at::Tensor rows;  // the mask as [B or 1, 1, T or 1, S] float32, keys contiguous
  if (mask.defined()) {
    if (!mask.device().is_cpu() || tracks_gradient(mask) || mask.dim() > 4) return at::Tensor();
    rows = mask.to(at::kFloat);
    while (rows.dim() < 4) rows = rows.unsqueeze(0);
    if (rows.size(1) != 1 || (rows.size(0) != 1 && rows.size(0) != batch) ||
        (rows.size(2) != 1 && rows.size(2) != queries) ||
        (rows.size(3) != 1 && rows.size(3) != keys)) {
      return at::Tensor();
    }
    rows = rows.expand({batch, 1, queries, keys});
    if (rows.stride(3) != 1) rows = rows.contiguous();
  }
  FlashAttentionProblem problem;
  problem.batch = batch;
  problem.heads = heads;
  problem.kv_heads = kv_heads;
  problem.queries = queries;
  problem.keys = keys;
  problem.head_dim = head_dim;
  problem.scale = static_cast<float>(scale);
  problem.bf16_products = bf16_products;
  problem.q = q.data_ptr<float>();
  problem.q_batch_stride = q.stride(0), problem.q_head_stride = q.stride(1),
  problem.q_row_stride = q.stride(2);
  problem.k = k.data_ptr<float>();
  problem.k_batch_stride = k.stride(0), problem.k_head_stride = k.stride(1),
  problem.k_row_stride = k.stride(2);
  problem.v = v.data_ptr<float>();
  problem.v_batch_stride = v.stride(0), problem.v_head_stride = v.stride(1),
  problem.v_row_stride = v.stride(2);
  if (rows.defined()) {
    problem.mask = rows.data_ptr<float>();
    problem.mask_batch_stride = rows.stride(0);
    problem.mask_row_stride = rows.stride(2);
  }
  at::Tensor out = at::empty({batch, queries, heads * head_dim}, q.options());
  problem.out = out.data_ptr<float>();
  // through libtorch's allocator, so the caching one keeps the packed keys between calls
  at::Tensor workspace = at::empty({flash_attention_workspace(problem)}, q.options());
  flash_attention(problem, workspace.data_ptr<float>(),
                  at::in_parallel_region() ? 1 : at::get_num_threads());
  return out;
}

}  // namespace

at::Tensor attention_core(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                          const at::Tensor& mask, double scale, at::Tensor* probabilities,
                          AttentionCore core, bool bf16_products) {
  const bool fused_wanted = core == AttentionCore::kFused ||
                            (core == AttentionCore::kAuto && q.size(2) >= kFusedMinQueries);
  if (fused_wanted && !probabilities) {
    at::Tensor out = fused_attention(q, k, v, mask, scale, bf16_products);
    if (out.defined()) return out;
  }
  // Grouped-query attention without copying the keys once per query head: the `groups` query
  // heads that share a KV head are stacked along the query axis ([B, kv, groups*T, D]) and meet
  // their KV head in one product. Repeating K and V instead copied the whole cache `groups`
  // times per layer and step (7x for Qwen2-0.5B), which dominated decoding after long audio.
  const int64_t batch = q.size(0), heads = q.size(1), kv_heads = k.size(1);
  const int64_t queries = q.size(2), keys = k.size(2), head_dim = q.size(3);
  const int64_t groups = heads / kv_heads;
  const at::Tensor grouped_q = q.reshape({batch, kv_heads, groups * queries, head_dim});
  at::Tensor scores =
      at::matmul(grouped_q, k.transpose(2, 3)).view({batch, heads, queries, keys}) * scale;
  if (mask.defined()) scores = scores + mask;
  const at::Tensor weights = at::softmax(scores, -1, at::kFloat).to(q.scalar_type());
  if (probabilities) *probabilities = weights;
  const at::Tensor out = at::matmul(weights.view({batch, kv_heads, groups * queries, keys}), v)
                             .view({batch, heads, queries, head_dim});
  return out.transpose(1, 2).reshape({batch, queries, heads * head_dim});
}

}  // namespace almkit::nn
