// Residual vector quantization on ATen tensors: the numerics the codecs use (the same float
// operations as transformers, so that codes are identical), and the engine behind the
// torch-free API of almkit/quantizers.h.
#pragma once

#include <ATen/ATen.h>

#include <string>
#include <vector>

#include "almkit/quantizers.h"

namespace almkit::codecs {

// A 1x1 projection: weight [out, in], bias [out] or undefined. Undefined weight = identity.
struct ProjectionTensors {
  at::Tensor weight, bias;
  bool defined() const { return weight.defined(); }
};

struct RvqStageTensors {
  at::Tensor codewords;  // [size, dim]
  ProjectionTensors in_proj, out_proj;
};

struct RvqTensors {
  CodebookLookup lookup = CodebookLookup::kEuclidean;
  ProjectionTensors input_proj, output_proj;
  std::vector<RvqStageTensors> stages;
  std::string name = "quantizer";  // for error messages
};

// What rvq_encode saw on the way, for reference checks (DAC's encode returns these too).
struct RvqEncodeTrace {
  // When defined ([B, >= num_quantizers, T]), these codes are used instead of the nearest
  // codewords (teacher forcing): the other outputs then follow the reference's choices even
  // where a near-tie flipped a code.
  at::Tensor forced_codes;
  std::vector<at::Tensor> projected;  // per stage, the lookup's input [B, d, T] (DAC projected_latents)
  at::Tensor quantized;               // sum of the stages' (projected-back) codewords [B, D, T]
};

// latent [B, D, T] -> codes [B, num_quantizers, T] int64.
at::Tensor rvq_encode(const RvqTensors& rvq, const at::Tensor& latent, int64_t num_quantizers,
                      RvqEncodeTrace* trace = nullptr);
// codes [B, n_q, T] -> [B, D, T]; codes outside a codebook or too many rows are kInvalidArgument.
at::Tensor rvq_decode(const RvqTensors& rvq, const at::Tensor& codes);

// Nearest codeword of each row of x [N, D] in codewords [K, D] -> [N] int64.
at::Tensor nearest_codeword(CodebookLookup lookup, const at::Tensor& x, const at::Tensor& codewords);

// The torch-free structs as tensors (views of their buffers: keep the struct alive).
RvqTensors to_tensors(const ResidualVectorQuantizer& rvq);

}  // namespace almkit::codecs
