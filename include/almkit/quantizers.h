// Discrete audio-token quantizers, usable without loading any model: residual vector
// quantization (the codebook layouts of EnCodec, DAC and Mimi) and finite scalar quantization.
// Plain float buffers at the boundary; no torch types.
//
//   almkit::ResidualVectorQuantizer rvq;                    // EnCodec layout: plain codebooks
//   rvq.stages.push_back({almkit::Codebook{64, 32, codewords}});
//   almkit::CodeMatrix codes = almkit::rvq_encode(rvq, latent.data(), 32, frames, 1);
//   std::vector<float> approx = almkit::rvq_decode(rvq, codes);  // [32, frames]
//
//   almkit::FiniteScalarQuantizer fsq({8, 5, 5, 5});     // 1000 implicit codewords
//   int64_t index = fsq.codes_to_index(fsq.quantize(z).data());
#pragma once

#include <cstdint>
#include <vector>

#include "almkit/export.h"

namespace almkit {

// `size` codewords of `dim` floats, row-major [size, dim].
struct Codebook {
  int64_t size = 0;
  int64_t dim = 0;
  std::vector<float> codewords;
};

// A 1x1 projection (Linear or kernel-1 Conv1d): out[o] = sum_i weight[o, i] in[i] + bias[o].
// Empty (out_dim 0) means identity. `bias` may be empty.
struct Projection {
  int64_t in_dim = 0;
  int64_t out_dim = 0;
  std::vector<float> weight;  // [out_dim, in_dim]
  std::vector<float> bias;    // [out_dim] or empty
  bool empty() const { return out_dim == 0; }
};

// How a stage picks its codeword.
enum class CodebookLookup {
  kEuclidean,     // EnCodec: argmax of -(|x|^2 - 2 x.c + |c|^2)
  kL2Normalised,  // DAC: x and codewords L2-normalised before the Euclidean lookup
  kCdist,         // Mimi: argmin of the Euclidean distance (torch.cdist)
};

struct RvqStage {
  Codebook codebook;
  Projection in_proj;   // DAC: latent -> codebook_dim (factorised codes); empty elsewhere
  Projection out_proj;  // DAC: codebook_dim -> latent
};

// Residual VQ: each stage quantizes what the previous stages left; the decode is the sum of the
// chosen codewords (projected back where the stage has projections).
struct ResidualVectorQuantizer {
  CodebookLookup lookup = CodebookLookup::kEuclidean;
  Projection input_proj;   // Mimi: applied once before the stages
  Projection output_proj;  // Mimi: applied once to the sum
  std::vector<RvqStage> stages;
  int64_t latent_dim() const;  // dimension of the latent fed to rvq_encode
};

// Mimi: the first `semantic.stages.size()` codes come from the semantic RVQ, the rest from the
// acoustic RVQ; both see the same latent and their decodes are added.
struct SplitResidualVectorQuantizer {
  ResidualVectorQuantizer semantic;
  ResidualVectorQuantizer acoustic;
};

// [num_quantizers, frames] codebook indices, row-major.
struct CodeMatrix {
  int64_t num_quantizers = 0;
  int64_t frames = 0;
  std::vector<int64_t> values;
};

// latent: [dim, frames] row-major (channel-first, as the codecs produce it). Uses the first
// `num_quantizers` stages; throws almkit::Error (kInvalidArgument) when num_quantizers is not in
// [1, stages] or dim does not match.
ALMKIT_API CodeMatrix rvq_encode(const ResidualVectorQuantizer& rvq, const float* latent, int64_t dim,
                                 int64_t frames, int64_t num_quantizers);
// Returns [latent_dim, frames]. Throws when a code is outside [0, codebook size) or there are
// more rows than stages.
ALMKIT_API std::vector<float> rvq_decode(const ResidualVectorQuantizer& rvq, const CodeMatrix& codes);
ALMKIT_API CodeMatrix rvq_encode(const SplitResidualVectorQuantizer& rvq, const float* latent, int64_t dim,
                                 int64_t frames, int64_t num_quantizers);
ALMKIT_API std::vector<float> rvq_decode(const SplitResidualVectorQuantizer& rvq, const CodeMatrix& codes);

// Finite scalar quantization (Mentzer et al. 2023, "Finite Scalar Quantization: VQ-VAE Made
// Simple"): each dimension d is bounded to `levels[d]` values, the codeword index is the
// mixed-radix number of the per-dimension digits (first dimension least significant).
class ALMKIT_API FiniteScalarQuantizer {
 public:
  // levels >= 2 each; `eps` widens the tanh bound so that the extreme levels are reachable.
  explicit FiniteScalarQuantizer(std::vector<int> levels, float eps = 1e-3f);

  int64_t dim() const { return static_cast<int64_t>(levels_.size()); }
  int64_t codebook_size() const { return codebook_size_; }  // prod(levels)
  const std::vector<int>& levels() const { return levels_; }

  // tanh(z + shift) * half_l - offset, with offset 0.5 for even levels (so the bound spans
  // exactly `levels` integers) and shift = atanh(offset / half_l) (so bound(0) = 0).
  std::vector<float> bound(const float* z) const;
  // round(bound(z)) in the straight-through form z + (round(z) - z), divided by levels / 2:
  // codes in [-1, 1]. `z` has dim() values.
  std::vector<float> quantize(const float* z) const;
  // Codes (as quantize returns them) <-> implicit codebook index in [0, codebook_size()).
  // codes_to_index throws kInvalidArgument for a value that is not a code of its dimension.
  int64_t codes_to_index(const float* codes) const;
  std::vector<float> index_to_codes(int64_t index) const;

 private:
  std::vector<int> levels_;
  std::vector<int64_t> basis_;
  float eps_;
  int64_t codebook_size_ = 1;
};

}  // namespace almkit
