#include "models/codecs/rvq.h"

#include "almkit/error.h"
#include "io/weight_store.h"

namespace almkit::codecs {
namespace {

// [B, D, T] through a kernel-1 convolution (how DAC and Mimi store their projections).
at::Tensor project(const ProjectionTensors& projection, const at::Tensor& x) {
  if (!projection.defined()) return x;
  return at::conv1d(x, projection.weight.unsqueeze(-1), projection.bias);
}

int64_t stage_dim(const RvqStageTensors& stage) {
  if (stage.in_proj.defined()) return stage.in_proj.weight.size(1);
  return stage.codewords.size(1);
}

// Codes [B, T] of one stage -> its codewords [B, D, T].
at::Tensor lookup(const RvqStageTensors& stage, const at::Tensor& indices) {
  return at::embedding(stage.codewords, indices).permute({0, 2, 1});
}

void check_codes(const RvqTensors& rvq, const at::Tensor& codes) {
  if (codes.dim() != 3) {
    throw Error(ErrorCode::kShapeMismatch, rvq.name + ": codes must be [batch, quantizers, frames], got " +
                                               shape_text(codes.sizes()));
  }
  if (codes.size(1) > static_cast<int64_t>(rvq.stages.size())) {
    throw Error(ErrorCode::kInvalidArgument, rvq.name + ": " + std::to_string(codes.size(1)) +
                                                 " quantizers in the codes, the model has " +
                                                 std::to_string(rvq.stages.size()));
  }
  if (codes.size(1) < 1) throw Error(ErrorCode::kInvalidArgument, rvq.name + ": codes have no quantizer rows");
  if (codes.scalar_type() != at::kLong) {
    throw Error(ErrorCode::kInvalidArgument, rvq.name + ": codes must be int64");
  }
  for (int64_t q = 0; q < codes.size(1); ++q) {
    const at::Tensor row = codes.select(1, q);
    if (row.numel() == 0) continue;
    const int64_t low = row.min().item<int64_t>(), high = row.max().item<int64_t>();
    const int64_t size = rvq.stages[q].codewords.size(0);
    if (low < 0 || high >= size) {
      throw Error(ErrorCode::kInvalidArgument,
                  rvq.name + ": code " + std::to_string(low < 0 ? low : high) + " of quantizer " +
                      std::to_string(q) + " is outside its codebook [0, " + std::to_string(size) + ")");
    }
  }
}

}  // namespace

at::Tensor nearest_codeword(CodebookLookup lookup_kind, const at::Tensor& x, const at::Tensor& codewords) {
  switch (lookup_kind) {
    case CodebookLookup::kEuclidean: {  // as transformers' EncodecEuclideanCodebook.quantize
      const at::Tensor embed = codewords.t();
      const at::Tensor squared = x.pow(2).sum(1, true);
      const at::Tensor dist = -(squared - 2 * at::matmul(x, embed) + embed.pow(2).sum(0, true));
      return std::get<1>(dist.max(-1));
    }
    case CodebookLookup::kL2Normalised: {  // as DacVectorQuantize.decode_latents
      auto normalise = [](const at::Tensor& t) { return t / t.norm(2, {1}, true).clamp_min(1e-12).expand_as(t); };
      const at::Tensor encodings = normalise(x), codebook = normalise(codewords);
      const at::Tensor squared = encodings.pow(2).sum(1, true);
      const at::Tensor dist =
          -(squared - 2 * at::matmul(encodings, codebook.t())) + codebook.pow(2).sum(1, true).t();
      return std::get<1>(dist.max(1));
    }
    case CodebookLookup::kCdist:  // as MimiEuclideanCodebook.quantize
      return at::cdist(x.unsqueeze(0), codewords.unsqueeze(0), 2.0).squeeze(0).argmin(-1);
  }
  throw Error(ErrorCode::kInternal, "unknown codebook lookup");
}

at::Tensor rvq_encode(const RvqTensors& rvq, const at::Tensor& latent, int64_t num_quantizers,
                      RvqEncodeTrace* trace) {
  if (num_quantizers < 1 || num_quantizers > static_cast<int64_t>(rvq.stages.size())) {
    throw Error(ErrorCode::kInvalidArgument, rvq.name + ": asked for " + std::to_string(num_quantizers) +
                                                 " quantizers, the model has " + std::to_string(rvq.stages.size()));
  }
  if (latent.dim() != 3) {
    throw Error(ErrorCode::kShapeMismatch,
                rvq.name + ": latent must be [batch, dim, frames], got " + shape_text(latent.sizes()));
  }
  const int64_t expected_dim =
      rvq.input_proj.defined() ? rvq.input_proj.weight.size(1) : stage_dim(rvq.stages.front());
  if (latent.size(1) != expected_dim) {
    throw Error(ErrorCode::kShapeMismatch, rvq.name + ": latent has dim " + std::to_string(latent.size(1)) +
                                               ", the codebooks expect " + std::to_string(expected_dim));
  }
  const int64_t batch = latent.size(0), frames = latent.size(2);
  if (trace && trace->forced_codes.defined()) {
    if (trace->forced_codes.dim() != 3 || trace->forced_codes.size(0) != batch ||
        trace->forced_codes.size(1) < num_quantizers || trace->forced_codes.size(2) != frames) {
      throw Error(ErrorCode::kShapeMismatch, rvq.name + ": forced codes " + shape_text(trace->forced_codes.sizes()) +
                                                 " do not cover the latent " + shape_text(latent.sizes()));
    }
    check_codes(rvq, trace->forced_codes.narrow(1, 0, num_quantizers));
  }
  at::Tensor residual = project(rvq.input_proj, latent);
  std::vector<at::Tensor> all_codes;
  for (int64_t q = 0; q < num_quantizers; ++q) {
    const RvqStageTensors& stage = rvq.stages[q];
    const at::Tensor projected = project(stage.in_proj, residual);
    const at::Tensor rows = projected.permute({0, 2, 1}).reshape({-1, projected.size(1)});
    const at::Tensor codes = trace && trace->forced_codes.defined()
                                 ? trace->forced_codes.select(1, q).to(at::kLong)
                                 : nearest_codeword(rvq.lookup, rows, stage.codewords).view({batch, frames});
    at::Tensor quantized = lookup(stage, codes);
    // DAC keeps the straight-through form projected + (quantized - projected) in its forward pass.
    if (stage.out_proj.defined()) quantized = project(stage.out_proj, projected + (quantized - projected));
    residual = residual - quantized;
    all_codes.push_back(codes);
    if (trace) {
      trace->projected.push_back(projected);
      trace->quantized = q == 0 ? quantized : trace->quantized + quantized;
    }
  }
  return at::stack(all_codes, 1);
}

at::Tensor rvq_decode(const RvqTensors& rvq, const at::Tensor& codes) {
  check_codes(rvq, codes);
  at::Tensor sum = at::zeros({}, rvq.stages.front().codewords.options());
  for (int64_t q = 0; q < codes.size(1); ++q) {
    const RvqStageTensors& stage = rvq.stages[q];
    sum = sum + project(stage.out_proj, lookup(stage, codes.select(1, q)));
  }
  return project(rvq.output_proj, sum);
}

namespace {

ProjectionTensors projection_tensors(const Projection& projection, const std::string& what) {
  ProjectionTensors out;
  if (projection.empty()) return out;
  if (static_cast<int64_t>(projection.weight.size()) != projection.out_dim * projection.in_dim ||
      (!projection.bias.empty() && static_cast<int64_t>(projection.bias.size()) != projection.out_dim)) {
    throw Error(ErrorCode::kShapeMismatch, what + ": weight/bias sizes do not match [" +
                                               std::to_string(projection.out_dim) + ", " +
                                               std::to_string(projection.in_dim) + "]");
  }
  auto* weight = const_cast<float*>(projection.weight.data());
  out.weight = at::from_blob(weight, {projection.out_dim, projection.in_dim}, at::kFloat);
  if (!projection.bias.empty()) {
    out.bias = at::from_blob(const_cast<float*>(projection.bias.data()), {projection.out_dim}, at::kFloat);
  }
  return out;
}

}  // namespace

RvqTensors to_tensors(const ResidualVectorQuantizer& rvq) {
  if (rvq.stages.empty()) throw Error(ErrorCode::kInvalidArgument, "residual quantizer has no stages");
  RvqTensors out;
  out.lookup = rvq.lookup;
  out.input_proj = projection_tensors(rvq.input_proj, "input_proj");
  out.output_proj = projection_tensors(rvq.output_proj, "output_proj");
  for (size_t i = 0; i < rvq.stages.size(); ++i) {
    const RvqStage& stage = rvq.stages[i];
    const Codebook& book = stage.codebook;
    const std::string what = "stage " + std::to_string(i);
    if (book.size < 1 || book.dim < 1 || static_cast<int64_t>(book.codewords.size()) != book.size * book.dim) {
      throw Error(ErrorCode::kShapeMismatch, what + ": codebook holds " + std::to_string(book.codewords.size()) +
                                                 " floats, expected " + std::to_string(book.size) + " x " +
                                                 std::to_string(book.dim));
    }
    RvqStageTensors tensors;
    tensors.codewords = at::from_blob(const_cast<float*>(book.codewords.data()), {book.size, book.dim}, at::kFloat);
    tensors.in_proj = projection_tensors(stage.in_proj, what + " in_proj");
    tensors.out_proj = projection_tensors(stage.out_proj, what + " out_proj");
    out.stages.push_back(tensors);
  }
  return out;
}

}  // namespace almkit::codecs

namespace almkit {

int64_t ResidualVectorQuantizer::latent_dim() const {
  if (!input_proj.empty()) return input_proj.in_dim;
  if (stages.empty()) return 0;
  if (!stages.front().in_proj.empty()) return stages.front().in_proj.in_dim;
  return stages.front().codebook.dim;
}

namespace {

at::Tensor latent_tensor(const float* latent, int64_t dim, int64_t frames) {
  if (frames < 1 || dim < 1 || latent == nullptr) {
    throw Error(ErrorCode::kInvalidArgument, "rvq_encode: empty latent (" + std::to_string(dim) + " x " +
                                                 std::to_string(frames) + ")");
  }
  return at::from_blob(const_cast<float*>(latent), {1, dim, frames}, at::kFloat);
}

CodeMatrix to_matrix(const at::Tensor& codes) {  // [1, n_q, T]
  CodeMatrix out;
  out.num_quantizers = codes.size(1);
  out.frames = codes.size(2);
  const at::Tensor flat = codes.contiguous().view({-1});
  out.values.assign(flat.data_ptr<int64_t>(), flat.data_ptr<int64_t>() + flat.numel());
  return out;
}

at::Tensor codes_tensor(const CodeMatrix& codes) {
  if (codes.num_quantizers < 1 || codes.frames < 0 ||
      static_cast<int64_t>(codes.values.size()) != codes.num_quantizers * codes.frames) {
    throw Error(ErrorCode::kShapeMismatch, "code matrix holds " + std::to_string(codes.values.size()) +
                                               " values for " + std::to_string(codes.num_quantizers) + " x " +
                                               std::to_string(codes.frames));
  }
  return at::from_blob(const_cast<int64_t*>(codes.values.data()), {1, codes.num_quantizers, codes.frames},
                       at::kLong);
}

std::vector<float> to_vector(const at::Tensor& t) {
  const at::Tensor flat = t.contiguous().view({-1});
  return std::vector<float>(flat.data_ptr<float>(), flat.data_ptr<float>() + flat.numel());
}

}  // namespace

CodeMatrix rvq_encode(const ResidualVectorQuantizer& rvq, const float* latent, int64_t dim, int64_t frames,
                      int64_t num_quantizers) {
  return to_matrix(codecs::rvq_encode(codecs::to_tensors(rvq), latent_tensor(latent, dim, frames), num_quantizers));
}

std::vector<float> rvq_decode(const ResidualVectorQuantizer& rvq, const CodeMatrix& codes) {
  return to_vector(codecs::rvq_decode(codecs::to_tensors(rvq), codes_tensor(codes)));
}

CodeMatrix rvq_encode(const SplitResidualVectorQuantizer& rvq, const float* latent, int64_t dim, int64_t frames,
                      int64_t num_quantizers) {
  const int64_t semantic = static_cast<int64_t>(rvq.semantic.stages.size());
  const int64_t total = semantic + static_cast<int64_t>(rvq.acoustic.stages.size());
  if (num_quantizers < semantic || num_quantizers > total) {
    throw Error(ErrorCode::kInvalidArgument, "split quantizer: asked for " + std::to_string(num_quantizers) +
                                                 " quantizers, valid is " + std::to_string(semantic) + ".." +
                                                 std::to_string(total));
  }
  const at::Tensor x = latent_tensor(latent, dim, frames);
  at::Tensor codes = codecs::rvq_encode(codecs::to_tensors(rvq.semantic), x, semantic);
  if (num_quantizers > semantic) {
    codes = at::cat({codes, codecs::rvq_encode(codecs::to_tensors(rvq.acoustic), x, num_quantizers - semantic)}, 1);
  }
  return to_matrix(codes);
}

std::vector<float> rvq_decode(const SplitResidualVectorQuantizer& rvq, const CodeMatrix& codes) {
  const int64_t semantic = static_cast<int64_t>(rvq.semantic.stages.size());
  const at::Tensor all = codes_tensor(codes);
  if (all.size(1) < semantic) {
    throw Error(ErrorCode::kInvalidArgument, "split quantizer: codes have " + std::to_string(all.size(1)) +
                                                 " rows, fewer than the " + std::to_string(semantic) +
                                                 " semantic quantizers");
  }
  at::Tensor out = codecs::rvq_decode(codecs::to_tensors(rvq.semantic), all.narrow(1, 0, semantic));
  if (all.size(1) > semantic) {
    out = out + codecs::rvq_decode(codecs::to_tensors(rvq.acoustic), all.narrow(1, semantic, all.size(1) - semantic));
  }
  return to_vector(out);
}

}  // namespace almkit
