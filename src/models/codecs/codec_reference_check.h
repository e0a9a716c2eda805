// The codec half of `almkit reference-check`: computes, from a reference file's inputs, the
// codec tensors it names (latent, [bwX_|nqN_]audio_codes, [bwX_|nqN_]audio_values[_from_codes],
// quantized_representation, projected_latents).
#pragma once

#include <ATen/ATen.h>

#include <string>
#include <vector>

#include "almkit/safetensors.h"

namespace almkit::codecs {

struct CodecReferenceTensor {
  std::string name;
  at::Tensor tensor;
  // Codes only: the fraction of codes that may differ from the reference (near-ties of DAC's
  // cosine lookup, where float rounding decides); 0 = identical.
  double allowed_flip_rate = 0.0;
};

// Only names the file holds are computed; anything else in it stays unknown to the caller.
// Audio decoded "from codes" and the quantizer's intermediate outputs are computed from the
// reference's own codes (teacher forcing), so that a flipped near-tie code is counted once, in
// the codes, and does not also fail the audio.
std::vector<CodecReferenceTensor> compute_codec_reference_tensors(const std::string& model_dir,
                                                                  const SafetensorsFile& io);

}  // namespace almkit::codecs
