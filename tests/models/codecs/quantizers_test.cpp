// The quantizers of almkit/quantizers.h, without any model: hand-computed cases and properties.
#include "almkit/quantizers.h"

#include <gtest/gtest.h>

#include <random>
#include <set>

#include "test_support.h"

namespace almkit {
namespace {

RvqStage plain(Codebook codebook) {
  RvqStage stage;
  stage.codebook = std::move(codebook);
  return stage;
}

ResidualVectorQuantizer two_stage_rvq() {
  ResidualVectorQuantizer rvq;
  rvq.stages.push_back(plain(Codebook{3, 2, {0, 0, 1, 0, 0, 1}}));
  rvq.stages.push_back(plain(Codebook{3, 2, {0, 0, 0.5f, 0, 0, 0.25f}}));
  return rvq;
}

TEST(ResidualVectorQuantizer, PicksTheNearestCodewordOfEachResidualByHand) {
  const ResidualVectorQuantizer rvq = two_stage_rvq();
  // x = (1.4, 0.3): stage 1 distances 2.05, 0.25, 2.45 -> 1; residual (0.4, 0.3):
  // stage 2 distances 0.25, 0.10, 0.1625 -> 1.
  const std::vector<float> latent = {1.4f, 0.3f};  // [dim 2, frames 1]
  const CodeMatrix codes = rvq_encode(rvq, latent.data(), 2, 1, 2);
  EXPECT_EQ(codes.values, (std::vector<int64_t>{1, 1}));
  EXPECT_EQ(rvq_decode(rvq, codes), (std::vector<float>{1.5f, 0.f}));
  const CodeMatrix first = rvq_encode(rvq, latent.data(), 2, 1, 1);
  EXPECT_EQ(first.values, (std::vector<int64_t>{1}));
  EXPECT_EQ(rvq_decode(rvq, first), (std::vector<float>{1.f, 0.f}));
}

TEST(ResidualVectorQuantizer, EncodesEveryCodewordOfARandomCodebookToItself) {
  std::mt19937 rng(7);
  std::normal_distribution<float> normal;
  ResidualVectorQuantizer rvq;
  Codebook book{16, 4, {}};
  for (int i = 0; i < 16 * 4; ++i) book.codewords.push_back(normal(rng));
  rvq.stages.push_back(plain(book));
  std::vector<float> latent(4 * 16);  // [dim, frames]: frame f is codeword f
  for (int f = 0; f < 16; ++f) {
    for (int d = 0; d < 4; ++d) latent[d * 16 + f] = book.codewords[f * 4 + d];
  }
  const CodeMatrix codes = rvq_encode(rvq, latent.data(), 4, 16, 1);
  for (int f = 0; f < 16; ++f) EXPECT_EQ(codes.values[f], f);
  EXPECT_EQ(rvq_decode(rvq, codes), latent);
}

TEST(ResidualVectorQuantizer, RefusesBadQuantizerCountsAndCodes) {
  const ResidualVectorQuantizer rvq = two_stage_rvq();
  const std::vector<float> latent = {1.f, 0.f};
  EXPECT_ALMKIT_ERROR(rvq_encode(rvq, latent.data(), 2, 1, 0), ErrorCode::kInvalidArgument, "quantizers");
  EXPECT_ALMKIT_ERROR(rvq_encode(rvq, latent.data(), 2, 1, 3), ErrorCode::kInvalidArgument, "the model has 2");
  EXPECT_ALMKIT_ERROR(rvq_encode(rvq, latent.data(), 3, 1, 1), ErrorCode::kShapeMismatch, "dim 3");
  EXPECT_ALMKIT_ERROR(rvq_encode(rvq, latent.data(), 2, 0, 1), ErrorCode::kInvalidArgument, "empty");
  EXPECT_ALMKIT_ERROR(rvq_decode(rvq, CodeMatrix{1, 1, {3}}), ErrorCode::kInvalidArgument, "outside its codebook");
  EXPECT_ALMKIT_ERROR(rvq_decode(rvq, CodeMatrix{1, 1, {-1}}), ErrorCode::kInvalidArgument, "outside its codebook");
  EXPECT_ALMKIT_ERROR(rvq_decode(rvq, CodeMatrix{3, 1, {0, 0, 0}}), ErrorCode::kInvalidArgument, "3 quantizers");
}

TEST(ResidualVectorQuantizer, DacFactorisedStagesLookUpByDirectionAndProjectBack) {
  ResidualVectorQuantizer rvq;
  rvq.lookup = CodebookLookup::kL2Normalised;
  RvqStage stage = plain(Codebook{2, 1, {1.f, -1.f}});
  stage.in_proj = Projection{2, 1, {1.f, 0.f}, {}};         // codebook space = first latent dim
  stage.out_proj = Projection{1, 2, {2.f, 0.f}, {0.f, 1.f}};  // back: (2c, 1)
  rvq.stages.push_back(stage);
  // Direction only: 0.01 and 10 pick the same codeword (+1), -3 picks -1.
  const std::vector<float> latent = {0.01f, 10.f, -3.f, 5.f, 5.f, 5.f};  // [dim 2, frames 3]
  const CodeMatrix codes = rvq_encode(rvq, latent.data(), 2, 3, 1);
  EXPECT_EQ(codes.values, (std::vector<int64_t>{0, 0, 1}));
  EXPECT_EQ(rvq_decode(rvq, codes), (std::vector<float>{2.f, 2.f, -2.f, 1.f, 1.f, 1.f}));
}

TEST(SplitResidualVectorQuantizer, SemanticAndAcousticSeeTheSameLatentAndAdd) {
  SplitResidualVectorQuantizer split;
  split.semantic.lookup = split.acoustic.lookup = CodebookLookup::kCdist;
  split.semantic.stages.push_back(plain(Codebook{2, 1, {0.f, 1.f}}));
  split.acoustic.stages.push_back(plain(Codebook{2, 1, {0.f, 0.5f}}));
  const std::vector<float> latent = {0.7f};
  const CodeMatrix codes = rvq_encode(split, latent.data(), 1, 1, 2);
  EXPECT_EQ(codes.values, (std::vector<int64_t>{1, 1}));  // acoustic quantizes 0.7 itself, not 0.7 - 1
  EXPECT_EQ(rvq_decode(split, codes), (std::vector<float>{1.5f}));
  EXPECT_ALMKIT_ERROR(rvq_encode(split, latent.data(), 1, 1, 3), ErrorCode::kInvalidArgument, "valid is 1..2");
}

TEST(FiniteScalarQuantizer, EveryIndexRoundTripsAndCodesAreInRange) {
  const FiniteScalarQuantizer fsq({8, 5, 5, 5});
  ASSERT_EQ(fsq.codebook_size(), 1000);
  std::set<std::vector<float>> distinct;
  for (int64_t index = 0; index < fsq.codebook_size(); ++index) {
    const std::vector<float> codes = fsq.index_to_codes(index);
    for (float c : codes) {
      EXPECT_GE(c, -1.f);
      EXPECT_LE(c, 1.f);
    }
    EXPECT_EQ(fsq.codes_to_index(codes.data()), index);
    distinct.insert(codes);
  }
  EXPECT_EQ(distinct.size(), 1000u);  // prod(levels) distinct codewords
}

TEST(FiniteScalarQuantizer, QuantizeGivesValidCodesAndReachesEveryLevel) {
  const FiniteScalarQuantizer fsq({4, 3, 7});
  std::mt19937 rng(3);
  std::normal_distribution<float> normal(0.f, 3.f);
  std::set<int64_t> seen;
  for (int i = 0; i < 20000; ++i) {
    const float z[3] = {normal(rng), normal(rng), normal(rng)};
    const std::vector<float> codes = fsq.quantize(z);
    seen.insert(fsq.codes_to_index(codes.data()));
  }
  EXPECT_EQ(static_cast<int64_t>(seen.size()), fsq.codebook_size());
}

TEST(FiniteScalarQuantizer, HandComputedCases) {
  const FiniteScalarQuantizer even({4});  // half_l 1.5015, offset 0.5: levels -2..1 -> codes -1..0.5
  const float zero = 0.f, big = 10.f, small = -10.f;
  EXPECT_NEAR(even.bound(&zero)[0], 0.f, 1e-6);  // the atanh shift centres the bound (float: -6e-8)
  EXPECT_FLOAT_EQ(even.quantize(&big)[0], 0.5f);
  EXPECT_FLOAT_EQ(even.quantize(&small)[0], -1.f);
  const FiniteScalarQuantizer odd({5});  // tanh(0.3) * 2.002 = 0.583 -> 1 -> 1 / 2
  const float z = 0.3f;
  EXPECT_FLOAT_EQ(odd.quantize(&z)[0], 0.5f);
  const FiniteScalarQuantizer mixed({4, 3});  // index = digit0 + 4 digit1
  const float first[2] = {-1.f, 1.f}, second[2] = {0.5f, 0.f};
  EXPECT_EQ(mixed.codes_to_index(first), 8);   // digits (0, 2)
  EXPECT_EQ(mixed.codes_to_index(second), 7);  // digits (3, 1)
  EXPECT_EQ(mixed.index_to_codes(5), (std::vector<float>{-0.5f, 0.f}));  // digits (1, 1)
}

TEST(FiniteScalarQuantizer, RefusesBadLevelsIndicesAndCodes) {
  EXPECT_ALMKIT_ERROR(FiniteScalarQuantizer({5, 1}), ErrorCode::kInvalidArgument, "must be >= 2");
  EXPECT_ALMKIT_ERROR(FiniteScalarQuantizer(std::vector<int>{}), ErrorCode::kInvalidArgument, "one dimension");
  const FiniteScalarQuantizer fsq({5});
  EXPECT_ALMKIT_ERROR(fsq.index_to_codes(5), ErrorCode::kInvalidArgument, "outside [0, 5)");
  const float not_a_level = 0.3f;
  EXPECT_ALMKIT_ERROR(fsq.codes_to_index(&not_a_level), ErrorCode::kInvalidArgument, "not one of its 5 levels");
}

}  // namespace
}  // namespace almkit
