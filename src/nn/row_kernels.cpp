#include "nn/row_kernels.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace almkit::nn::rows {

void rms_norm(const float* x, int64_t rows, int64_t dim, const float* weight, float eps, float* out) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* in = x + r * dim;
    // eight partial sums, as a vectorised reduction would keep them
    float partial[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int64_t i = 0;
    for (; i + 8 <= dim; i += 8) {
      for (int j = 0; j < 8; ++j) partial[j] += in[i + j] * in[i + j];
    }
    for (; i < dim; ++i) partial[0] += in[i] * in[i];
    float sum = 0.f;
    for (float p : partial) sum += p;
    const float inverse = 1.f / std::sqrt(sum / static_cast<float>(dim) + eps);
    float* o = out + r * dim;
    for (i = 0; i < dim; ++i) o[i] = weight[i] * (in[i] * inverse);
  }
}

void rotate_half(float* x, int64_t rows, int64_t heads, int64_t head_dim, const float* cos, const float* sin) {
  const int64_t half = head_dim / 2;
  for (int64_t r = 0; r < rows; ++r) {
    const float* c = cos + r * head_dim;
    const float* s = sin + r * head_dim;
    for (int64_t h = 0; h < heads; ++h) {
      float* v = x + (r * heads + h) * head_dim;
      for (int64_t d = 0; d < half; ++d) {
        const float first = v[d], second = v[d + half];
        v[d] = first * c[d] + (-second) * s[d];
        v[d + half] = second * c[d + half] + first * s[d + half];
      }
    }
  }
}

void silu_times(const float* gate, const float* up, int64_t count, float* out) {
  for (int64_t i = 0; i < count; ++i) out[i] = gate[i] / (1.f + std::exp(-gate[i])) * up[i];
}

void attend_one_query(const OneQueryAttention& shape, const float* q, const float* k, const float* v,
                      const float* mask, float* scores, float* out) {
  const int64_t groups = shape.heads / shape.kv_heads, d = shape.head_dim, n = shape.keys;
  for (int64_t h = 0; h < shape.heads; ++h) {
    const float* query = q + h * d;
    const float* keys = k + (h / groups) * shape.key_head_stride;
    const float* values = v + (h / groups) * shape.value_head_stride;
    float best = -std::numeric_limits<float>::infinity();
    for (int64_t j = 0; j < n; ++j) {
      const float* key = keys + j * d;
      float dot = 0.f;
      for (int64_t i = 0; i < d; ++i) dot += query[i] * key[i];
      float score = dot * shape.scale;
      if (mask) score += mask[j];
      scores[j] = score;
      best = std::max(best, score);
    }
    float total = 0.f;
    for (int64_t j = 0; j < n; ++j) {
      scores[j] = std::exp(scores[j] - best);
      total += scores[j];
    }
    float* o = out + h * d;
    std::fill(o, o + d, 0.f);
    for (int64_t j = 0; j < n; ++j) {
      const float weight = scores[j] / total;
      const float* value = values + j * d;
      for (int64_t i = 0; i < d; ++i) o[i] += weight * value[i];
    }
  }
}

}  // namespace almkit::nn::rows
