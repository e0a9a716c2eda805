// The two-layer projector of LLaVA-style audio LMs (Voxtral, Audio Flamingo 3): optional frame
// stacking, then linear_1 -> activation -> linear_2, under `multi_modal_projector` by default.
#pragma once

#include <string>

#include "models/model_parts.h"
#include "nn/layers.h"

namespace almkit {

struct MlpProjectorShape {
  std::string prefix = "multi_modal_projector";
  int64_t stack_factor = 1;  // frames per row before linear_1 (Voxtral: 4)
  int64_t input = 0;         // encoder width (x stack_factor is linear_1's input)
  int64_t hidden = 0;        // linear_1's output
  int64_t output = 0;        // the LM width
  bool bias = true;
  std::string activation = "gelu";
};

class MlpProjector : public Projector {
 public:
  MlpProjector(WeightStore& weights, const MlpProjectorShape& shape);
  EncodedAudio project(const EncodedAudio& encoded, const LayerHook* hook) const override;

 private:
  MlpProjectorShape shape_;
  nn::Linear linear_1_, linear_2_;
};

}  // namespace almkit
