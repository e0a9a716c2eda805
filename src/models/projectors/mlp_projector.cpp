#include "models/projectors/mlp_projector.h"

#include "models/projectors/frame_stacking.h"

namespace almkit {

MlpProjector::MlpProjector(WeightStore& weights, const MlpProjectorShape& shape) : shape_(shape) {
  nn::check_activation(shape.activation, shape.prefix);
  linear_1_ = nn::Linear::load(weights, shape.prefix + ".linear_1", shape.input * shape.stack_factor, shape.hidden,
                               shape.bias);
  linear_2_ = nn::Linear::load(weights, shape.prefix + ".linear_2", shape.hidden, shape.output, shape.bias);
}

EncodedAudio MlpProjector::project(const EncodedAudio& encoded, const LayerHook*) const {
  const EncodedAudio rows = shape_.stack_factor > 1 ? stack_frames(encoded, shape_.stack_factor) : encoded;
  return {linear_2_(nn::activation(shape_.activation, linear_1_(rows.hidden))), rows.output_lengths};
}

}  // namespace almkit
