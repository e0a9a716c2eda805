#include "models/rope_config.h"

#include "almkit/error.h"

namespace almkit {
namespace {

double field(const nlohmann::json& scaling, const char* key, double fallback, bool required,
             const std::string& source) {
  const auto it = scaling.find(key);
  if (it == scaling.end() || it->is_null()) {
    if (required) {
      throw Error(ErrorCode::kInvalidFormat,
                  source + ": rope_scaling of type '" + scaling.value("rope_type", scaling.value("type", "")) +
                      "' needs '" + key + "'");
    }
    return fallback;
  }
  if (!it->is_number()) {
    throw Error(ErrorCode::kInvalidFormat, source + ": rope_scaling." + key + " must be a number, not " + it->dump());
  }
  return it->get<double>();
}

}  // namespace

nn::RopeScaling read_rope_scaling(const ModelConfig& c, int64_t max_positions) {
  nn::RopeScaling out;
  out.max_positions = max_positions;
  // transformers 5 writes `rope_parameters` (rope_type, rope_theta and the scaling fields
  // together) where 4.x wrote `rope_theta` and `rope_scaling`.
  auto it = c.json().find("rope_parameters");
  if (it == c.json().end() || it->is_null()) it = c.json().find("rope_scaling");
  if (it == c.json().end() || it->is_null()) return out;
  const nlohmann::json& s = *it;
  if (!s.is_object()) throw Error(ErrorCode::kInvalidFormat, c.source() + ": rope_scaling must be an object or null");
  const auto type = s.find("rope_type") != s.end() ? s["rope_type"] : s.value("type", nlohmann::json("default"));
  if (!type.is_string()) throw Error(ErrorCode::kInvalidFormat, c.source() + ": rope_scaling.rope_type must be a string");
  out.type = type.get<std::string>();
  const std::string& source = c.source();
  if (out.type == "default") return out;
  if (out.type != "linear" && out.type != "dynamic" && out.type != "yarn" && out.type != "llama3") {
    throw Error(ErrorCode::kUnsupported, source + ": rope_scaling type '" + out.type +
                                             "' is not supported (supported: default, linear, dynamic, yarn, llama3)");
  }
  out.factor = field(s, "factor", 1.0, true, source);
  if (out.factor <= 0) throw Error(ErrorCode::kInvalidFormat, source + ": rope_scaling.factor must be > 0");
  if (out.type == "yarn") {
    out.attention_factor = field(s, "attention_factor", 0.0, false, source);
    // transformers: `get("beta_fast") or 32`, so 0 also means the default
    out.beta_fast = field(s, "beta_fast", 32.0, false, source);
    out.beta_slow = field(s, "beta_slow", 1.0, false, source);
    if (out.beta_fast == 0) out.beta_fast = 32.0;
    if (out.beta_slow == 0) out.beta_slow = 1.0;
  }
  if (out.type == "llama3") {
    out.low_freq_factor = field(s, "low_freq_factor", 1.0, true, source);
    out.high_freq_factor = field(s, "high_freq_factor", 4.0, true, source);
    out.original_max_positions = static_cast<int64_t>(field(s, "original_max_position_embeddings", 0, true, source));
    if (out.high_freq_factor <= out.low_freq_factor || out.original_max_positions <= 0) {
      throw Error(ErrorCode::kInvalidFormat, source + ": rope_scaling needs high_freq_factor > low_freq_factor and "
                                                      "original_max_position_embeddings > 0");
    }
  }
  return out;
}

double read_rope_theta(const ModelConfig& c, double fallback) {
  const auto parameters = c.json().find("rope_parameters");
  if (parameters != c.json().end() && parameters->is_object() && parameters->contains("rope_theta")) {
    const auto& theta = (*parameters)["rope_theta"];
    if (!theta.is_number()) throw Error(ErrorCode::kInvalidFormat, c.source() + ": rope_parameters.rope_theta must be a number");
    return theta.get<double>();
  }
  return c.number("rope_theta", fallback);
}

}  // namespace almkit
