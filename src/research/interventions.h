// Interventions on the residual stream through the pipeline's layer hooks: steering vectors
// (add alpha * v after a layer at chosen positions) and activation patching (replace a layer's
// output by one captured from another input). They compose, in the order they were added, and
// apply to a forward pass, to generation (every decode step) and to scoring alike.
#pragma once

#include <ATen/ATen.h>

#include <string>
#include <vector>

#include "models/model_parts.h"

namespace almkit::research {

// Which positions of a pass an intervention touches. In the prompt pass "audio" / "text" follow
// DecoderInput::audio_mask; tokens decoded (or scored) after the prompt are text, and "last" is
// the newest position of every pass.
enum class Positions { kAll, kAudio, kText, kLast };
Positions parse_positions(const std::string& name);  // all | audio | text | last
std::string positions_name(Positions positions);

// [B, T, 1] (float, hidden's dtype) 1 where `positions` select, for a pass of `length` positions;
// `audio_mask` [B, T] of the prompt pass (undefined: no audio), `prompt_pass` false for the
// decode steps that follow it.
at::Tensor position_weights(Positions positions, const at::Tensor& audio_mask, int64_t rows,
                            int64_t length, bool prompt_pass, const at::TensorOptions& options);

struct Steering {
  std::string stack = "decoder";  // "decoder" or "encoder" (the encoder takes Positions::kAll)
  int layer = 0;                  // added to the output of this layer (-1: to the stack's input)
  at::Tensor vector;              // [hidden]
  double alpha = 1.0;
  Positions positions = Positions::kAll;
};

struct Patch {
  std::string stack = "decoder";
  int layer = 0;      // the output of this layer is replaced (-1: the stack's input)
  at::Tensor source;  // [B, T, hidden] of the prompt pass of another input (same layout)
  Positions positions = Positions::kAudio;
};

// Scales chosen heads' outputs in one self-attention layer before its output projection (scale 0:
// zero ablation, as zeroing those heads' columns of o_proj); with `mean` [heads, head_dim] (e.g.
// the mean of the `head_outputs_L{i}` read-out over a data set) they are replaced by it instead
// (mean ablation; scale unused). Every position of every pass.
struct HeadAblation {
  std::string stack = "decoder";
  int layer = 0;
  std::vector<int> heads;
  double scale = 0.0;
  at::Tensor mean;
};

class Interventions {
 public:
  void add(Steering steering);
  void add(Patch patch);
  void add(HeadAblation ablation);
  bool empty() const { return steering_.empty() && patches_.empty() && ablations_.empty(); }
  // A hook for the prompt pass over `prompt` (its audio mask and length) and the passes after it.
  // Undefined prompt.embeddings (encoder only): every pass counts as a prompt pass.
  LayerHook hook(const DecoderInput& prompt) const;
  // One line per intervention, for results files ("steer decoder.1 alpha=2 positions=all").
  std::vector<std::string> describe() const;

 private:
  std::vector<Steering> steering_;
  std::vector<Patch> patches_;
  std::vector<HeadAblation> ablations_;
};

// Calls each hook in order (interventions before read-outs, so read-outs see their effect);
// head callbacks likewise.
LayerHook compose(std::vector<LayerHook> hooks);

}  // namespace almkit::research
