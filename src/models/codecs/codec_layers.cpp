#include "models/codecs/codec_layers.h"

#include <cmath>
#include <cstdio>

#include "almkit/error.h"

namespace almkit::codecs {

at::Tensor load_conv_weight(WeightStore& weights, const std::string& prefix, const std::vector<int64_t>& shape) {
  if (weights.has(prefix + ".weight")) return weights.take(prefix + ".weight", shape);
  std::string g_name = prefix + ".weight_g", v_name = prefix + ".weight_v";
  if (!weights.has(g_name) && weights.has(prefix + ".parametrizations.weight.original0")) {
    g_name = prefix + ".parametrizations.weight.original0";
    v_name = prefix + ".parametrizations.weight.original1";
  }
  if (!weights.has(g_name)) {
    throw Error(ErrorCode::kNotFound, "checkpoint '" + weights.folder() + "' has neither '" + prefix +
                                          ".weight' nor its weight-norm pair '" + g_name + "' / '" + v_name + "'");
  }
  std::vector<int64_t> g_shape(shape.size(), 1);
  g_shape[0] = shape[0];
  const at::Tensor g = weights.take(g_name, g_shape).to(at::kFloat);
  const at::Tensor v = weights.take(v_name, shape).to(at::kFloat);
  return at::_weight_norm(v, g, 0);
}

at::Tensor snake(const at::Tensor& x, const at::Tensor& alpha) {
  return x + (alpha + 1e-9).reciprocal() * at::sin(alpha * x).pow(2);
}

std::vector<double> quantizer_bandwidths(int64_t codebook_size, double frame_rate, int64_t min_quantizers,
                                         int64_t max_quantizers) {
  const double per_quantizer = std::log2(static_cast<double>(codebook_size)) * frame_rate / 1000.0;
  std::vector<double> out;
  for (int64_t n = std::max<int64_t>(1, min_quantizers); n <= max_quantizers; ++n) out.push_back(n * per_quantizer);
  return out;
}

int64_t quantizers_for_listed_bandwidth(const std::string& codec, double bandwidth, int64_t codebook_size,
                                        double frame_rate, int64_t min_quantizers, int64_t max_quantizers) {
  const std::vector<double> listed = quantizer_bandwidths(codebook_size, frame_rate, min_quantizers, max_quantizers);
  const int64_t first = std::max<int64_t>(1, min_quantizers);
  for (size_t i = 0; i < listed.size(); ++i) {
    if (std::fabs(listed[i] - bandwidth) <= 0.005) return first + static_cast<int64_t>(i);
  }
  std::string list;
  for (double b : listed) {
    char text[32];
    std::snprintf(text, sizeof text, "%.4g", b);
    list += (list.empty() ? "" : ", ") + std::string(text);
  }
  char asked[32];
  std::snprintf(asked, sizeof asked, "%g", bandwidth);
  throw Error(ErrorCode::kInvalidArgument, codec + ": bandwidth " + asked + " kbps is not one of the model's (" +
                                               list + " kbps for " + std::to_string(first) + ".." +
                                               std::to_string(max_quantizers) + " quantizers)");
}

}  // namespace almkit::codecs
