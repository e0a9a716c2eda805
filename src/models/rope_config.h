// config.json's rope_theta / rope_scaling -> nn::RopeScaling, shared by every RoPE architecture.
#pragma once

#include "models/config.h"
#include "nn/rope.h"

namespace almkit {

// Reads c["rope_parameters"] or c["rope_scaling"] ("rope_type" or the older "type"); null or
// absent is the default
// RoPE. An unknown type or a missing required key is a kUnsupported / kInvalidFormat error
// naming the file.
nn::RopeScaling read_rope_scaling(const ModelConfig& c, int64_t max_positions);
// rope_theta, from `rope_parameters` (transformers 5) or the top level (4.x).
double read_rope_theta(const ModelConfig& c, double fallback);

}  // namespace almkit
