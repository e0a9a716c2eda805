// The codec half of `almkit reference-check`: computes, from a reference file's inputs, the
// codec tensors it names (latent, bwX_audio_codes, bwX_audio_values, audio_codes, audio_values).
#pragma once

#include <ATen/ATen.h>

#include <string>
#include <utility>
#include <vector>

#include "almkit/safetensors.h"

namespace almkit::codecs {

// Only names the file holds are computed; anything else in it stays unknown to the caller.
std::vector<std::pair<std::string, at::Tensor>> compute_codec_reference_tensors(const std::string& model_dir,
                                                                                const SafetensorsFile& io);

}  // namespace almkit::codecs
