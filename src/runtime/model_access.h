// What almkit's own tools (src/research) need from a loaded Model beyond its public API: the
// pipeline and a request as the tensors the pipeline takes. Not part of the public API.
#pragma once

#include <ATen/ATen.h>

#include <vector>

#include "almkit/model.h"
#include "generate/pipeline.h"

namespace almkit {

struct RequestTensors {
  at::Tensor ids, attention_mask;        // [1, T]
  at::Tensor features, feature_lengths;  // [clips, bins, frames], [clips]; undefined without audio
  std::vector<int64_t> clips_per_row;
  std::vector<std::vector<float>> samples;  // each clip, mono at the encoder's rate
};

struct ModelAccess {
  static const Pipeline& pipeline(const Model& model);
  // ModelOptions::num_threads, for a ComputeThreadsScope around work on the pipeline
  static int num_threads(const Model& model);
  static RequestTensors request_tensors(const Model& model, const Request& request);
};

}  // namespace almkit
