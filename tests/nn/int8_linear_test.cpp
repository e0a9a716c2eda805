// int8 weights (nn/int8_linear.h): the quantisation's error bound (activations with fp32 scales,
// packed weights with fp16 scales), every kernel this CPU runs against a float64 product of the
// same dequantised numbers, and the whole error against the float product of the original
// numbers within the bound the two quantisations imply.
#include "nn/int8_linear.h"

#include <ATen/ATen.h>
#include <c10/util/Half.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>

#include "almkit/error.h"

namespace almkit {
namespace {

// [rows, columns] of the per-block steps of q (each entry's scale).
at::Tensor entry_scales(const nn::Int8Rows& q) {
  const at::Tensor scales = at::from_blob(const_cast<float*>(q.scales.data()), {q.rows, q.blocks}).to(at::kDouble);
  return scales.repeat_interleave(nn::kInt8Block, 1).narrow(1, 0, q.columns);
}

at::Tensor entry_scales(const nn::Int8Weight& w) {
  at::Tensor scales = at::empty({w.rows(), w.blocks()}, at::kDouble);
  for (int64_t r = 0; r < w.rows(); ++r) {
    for (int64_t b = 0; b < w.blocks(); ++b) scales[r][b] = w.scale(r, b);
  }
  return scales.repeat_interleave(nn::kInt8Block, 1).narrow(1, 0, w.columns());
}

at::Tensor dequantized(const nn::Int8Rows& q) {
  std::vector<float> values = nn::dequantize_int8(q);
  return at::from_blob(values.data(), {q.rows, q.columns}).to(at::kDouble);
}

TEST(Int8Quantize, EachBlockTakesItsLargestMagnitudeAndErrsAtMostHalfAStep) {
  at::manual_seed(3);
  // 70 columns: two full blocks and a short one; block scales from 1e-3 to 1e2, one zero block
  at::Tensor w = at::randn({5, 70}) * at::pow(10.0, at::randint(-3, 3, {5, 1})).to(at::kFloat);
  w.index_put_({2, at::indexing::Slice(32, 64)}, 0.f);
  w.index_put_({4, 7}, 500.f);  // an outlier widens only its own block's step
  const nn::Int8Rows q = nn::quantize_int8(w.data_ptr<float>(), 5, 70);
  ASSERT_EQ(q.blocks, 3);
  ASSERT_EQ(q.values.size(), size_t(5 * 96));
  EXPECT_FLOAT_EQ(q.scales[4 * 3 + 0], 500.f / 127.f);
  EXPECT_LT(q.scales[4 * 3 + 1], 500.f / 127.f / 10.f);
  EXPECT_EQ(q.scales[2 * 3 + 1], 0.f);
  for (int64_t r = 0; r < 5; ++r) {
    for (int64_t i = 70; i < 96; ++i) EXPECT_EQ(q.values[r * 96 + i], 0) << "padding of row " << r;
    for (int64_t b = 0; b < 3; ++b) {
      const at::Tensor block = w[r].narrow(0, b * 32, std::min<int64_t>(32, 70 - b * 32));
      EXPECT_FLOAT_EQ(q.scales[r * 3 + b], block.abs().max().item<float>() / 127.f);
    }
  }
  for (const int8_t v : q.values) EXPECT_GE(v, -127);
  for (int64_t r = 0; r < 5; ++r) {
    for (int64_t b = 0; b < 3; ++b) {
      int32_t sum = 0;
      for (int64_t i = 0; i < 32; ++i) sum += q.values[r * 96 + b * 32 + i];
      EXPECT_EQ(q.offsets[r * 3 + b], -128 * sum);
    }
  }
  const at::Tensor error = (dequantized(q) - w.to(at::kDouble)).abs();
  const at::Tensor half_step = entry_scales(q) / 2;
  EXPECT_TRUE(at::all(error <= half_step * (1 + 1e-6) + 1e-12).item<bool>())
      << "largest error / half step: " << at::max(error / (half_step + 1e-30)).item<double>();
}


// The vector quantisers give the scalar one's bytes (same float operations, same rounding), on
// full and short blocks, a zero block and values at the rounding ties.
TEST(Int8Quantize, EveryKernelThisCpuRunsGivesTheSameBytes) {
  at::manual_seed(6);
  at::Tensor x = at::randn({9, 300}) * 3;
  x.index_put_({1, at::indexing::Slice(0, 32)}, 0.f);
  x.index_put_({2, at::indexing::Slice(0, 32)}, at::arange(-16, 16).to(at::kFloat) + 0.5f);  // x.5 ties
  nn::Int8Rows expected, got;
  nn::quantize_int8(x.data_ptr<float>(), 9, 300, expected, nn::Int8Kernel::kScalar);
  for (const nn::Int8Kernel kernel : {nn::Int8Kernel::kAvx2, nn::Int8Kernel::kAvx512Vnni}) {
    if (!nn::cpu_runs(kernel)) continue;
    SCOPED_TRACE(nn::kernel_name(kernel));
    nn::quantize_int8(x.data_ptr<float>(), 9, 300, got, kernel);
    EXPECT_EQ(got.values, expected.values);
    EXPECT_EQ(got.scales, expected.scales);
    EXPECT_EQ(got.offsets, expected.offsets);
  }
}

TEST(Int8Quantize, RoundsAsNearbyintWithTiesToEvenAndClamps) {
  for (float x = -130.f; x <= 130.f; x += 0.25f) {
    ASSERT_EQ(nn::round_to_int8(x), static_cast<int8_t>(std::clamp(std::nearbyint(x), -127.f, 127.f))) << x;
  }
  EXPECT_EQ(nn::round_to_int8(2.5f), 2);
  EXPECT_EQ(nn::round_to_int8(-3.5f), -4);
  EXPECT_EQ(nn::round_to_int8(0.49999997f), 0);
  EXPECT_EQ(nn::round_to_int8(126.50001f), 127);
}

TEST(Int8Half, RoundsScalesToNearestEvenAsC10Does) {
  EXPECT_EQ(nn::scale_to_half(1.f), 0x3c00);
  EXPECT_EQ(nn::scale_to_half(65504.f), 0x7bff);
  EXPECT_EQ(nn::scale_to_half(std::ldexp(1.f, -24)), 1);  // smallest subnormal
  EXPECT_EQ(nn::scale_to_half(0.f), 0);
  for (uint16_t h = 0; h < 0x7c00; ++h) ASSERT_EQ(nn::scale_to_half(nn::half_to_float(h)), h) << h;
  at::manual_seed(5);
  const at::Tensor values = at::exp(at::randn({20000}) * 6);  // 1e-10 .. 1e10, clipped below
  for (int64_t i = 0; i < values.numel(); ++i) {
    const float v = std::min(values[i].item<float>(), 65000.f);
    ASSERT_EQ(nn::scale_to_half(v), c10::Half(v).x) << v;
  }
  EXPECT_THROW(nn::scale_to_half(70000.f), Error);
}

TEST(Int8Weight, PacksEachBlockWithinHalfItsFp16StepAndPadsWithZeros) {
  at::manual_seed(4);
  // 21 rows (a panel and a short one), 70 columns (two blocks and a short one); row scales from
  // 1e-3 to 1e2, a zero block and an outlier
  at::Tensor w = at::randn({21, 70}) * at::pow(10.0, at::randint(-3, 3, {21, 1})).to(at::kFloat);
  w.index_put_({2, at::indexing::Slice(32, 64)}, 0.f);
  w.index_put_({17, 7}, 500.f);
  const nn::Int8Weight q = nn::quantize_int8_weight(w);
  ASSERT_EQ(q.panels(), 2);
  ASSERT_EQ(q.blocks(), 3);
  EXPECT_EQ(q.scale(2, 1), 0.f);
  for (int64_t r = 0; r < 21; ++r) {
    for (int64_t b = 0; b < 3; ++b) {
      const at::Tensor block = w[r].narrow(0, b * 32, std::min<int64_t>(32, 70 - b * 32));
      const double exact = block.abs().max().item<double>() / 127;
      EXPECT_NEAR(q.scale(r, b), exact, exact * std::ldexp(1.0, -11)) << r << " " << b;  // fp16: 11 bits
    }
    for (int64_t c = 70; c < 96; ++c) EXPECT_EQ(q.value(r, c), 0);
  }
  for (int64_t r = 21; r < 32; ++r) {
    for (int64_t c = 0; c < 96; ++c) ASSERT_EQ(q.value(r, c), 0) << "padding row " << r;
  }
  const at::Tensor back = nn::dequantize(q).to(at::kDouble);
  const at::Tensor error = (back - w.to(at::kDouble)).abs();
  const at::Tensor half_step = entry_scales(q) / 2;
  EXPECT_TRUE(at::all(error <= half_step * (1 + 1e-6) + 1e-12).item<bool>())
      << "largest error / half step: " << at::max(error / (half_step + 1e-30)).item<double>();
  // rows read back one by one are the same numbers (the tied-embedding path)
  const at::Tensor ids = at::tensor({20, 0, 17}, at::kLong).view({1, 3});
  const at::Tensor rows = nn::dequantize_rows(q, ids);
  ASSERT_EQ(rows.sizes(), (std::vector<int64_t>{1, 3, 70}));
  EXPECT_TRUE(at::equal(rows[0], back.index_select(0, ids.view({-1})).to(at::kFloat)));
  EXPECT_THROW(nn::dequantize_rows(q, at::tensor({21}, at::kLong)), Error);
}

// The vector packers at load (int8_kernels.inc) give the C++ path's bytes, values and scales:
// 37 rows (two panels and a short one), 101 columns (three blocks and a 5-column one); scales from
// 1e-30 (below the fp16 unit: scale 0) to 1e3, a zero block, denormals, signed zeros, values on
// the rounding ties of their block's step, and NaNs (skipped by the block's largest magnitude, 0).
TEST(Int8Weight, EveryKernelThisCpuRunsPacksTheSameBytes) {
  at::manual_seed(8);
  at::Tensor w = at::randn({37, 101}) * at::pow(10.0, at::randint(-30, 4, {37, 1})).to(at::kFloat);
  w.index_put_({1, at::indexing::Slice(0, 32)}, 0.f);
  w.index_put_({2, at::indexing::Slice(32, 64)}, at::arange(-16, 16).to(at::kFloat) + 0.5f);  // step 16/127 ... ties
  w.index_put_({2, 63}, 127.f);  // step 1: the x.5 values above are ties
  w.index_put_({3, at::indexing::Slice(0, 32)}, at::randn({32}) * 1e-39f);  // denormal block
  w.index_put_({3, 40}, 1e-44f);
  w.index_put_({4, 5}, -0.f);
  w.index_put_({5, 6}, std::nanf(""));
  w.index_put_({5, 7}, -std::nanf(""));
  w.index_put_({36, 100}, std::nanf(""));  // in the short block and the short panel
  w.index_put_({6, at::indexing::Slice(0, 32)}, std::nanf(""));  // a block of NaN only: scale 0
  const nn::Int8Weight expected(w.data_ptr<float>(), 37, 101, nn::Int8Kernel::kScalar);
  EXPECT_EQ(expected.value(5, 6), 0);
  EXPECT_EQ(expected.value(2, 63), 127);
  EXPECT_EQ(expected.scale(6, 0), 0.f);
  for (const nn::Int8Kernel kernel : {nn::Int8Kernel::kAvx2, nn::Int8Kernel::kAvx512Vnni}) {
    if (!nn::cpu_runs(kernel)) continue;
    SCOPED_TRACE(nn::kernel_name(kernel));
    const nn::Int8Weight got(w.data_ptr<float>(), 37, 101, kernel);
    ASSERT_EQ(got.bytes(), expected.bytes());
    EXPECT_EQ(got.unit(), expected.unit());
    EXPECT_EQ(std::memcmp(got.values(0, 0), expected.values(0, 0), expected.bytes()), 0);
    // max |x| at every length and offset, NaN first, last or alone
    at::Tensor x = at::randn({300});
    x.index_put_({0}, std::nanf(""));
    x.index_put_({150}, -std::nanf(""));
    for (int64_t begin : {0, 1, 3, 17}) {
      for (int64_t count = 0; begin + count <= 300; count += count < 70 ? 1 : 37) {
        const float* p = x.data_ptr<float>() + begin;
        ASSERT_EQ(nn::max_magnitude(p, count, kernel), nn::max_magnitude(p, count, nn::Int8Kernel::kScalar))
            << begin << " " << count;
      }
    }
  }
  // blocks of ~1e-38 beside one of 1e-30: their scales are denormal floats, whose inverses are
  // infinite (the products clamp to 127; 0 * inf is NaN: 0)
  at::Tensor tiny = at::randn({16, 64}) * 1e-38f;
  tiny.index_put_({3, at::indexing::Slice(0, 10)}, 0.f);
  tiny.index_put_({0, 0}, 1e-30f);
  const nn::Int8Weight tiny_expected(tiny.data_ptr<float>(), 16, 64, nn::Int8Kernel::kScalar);
  for (const nn::Int8Kernel kernel : {nn::Int8Kernel::kAvx2, nn::Int8Kernel::kAvx512Vnni}) {
    if (!nn::cpu_runs(kernel)) continue;
    const nn::Int8Weight got(tiny.data_ptr<float>(), 16, 64, kernel);
    EXPECT_EQ(std::memcmp(got.values(0, 0), tiny_expected.values(0, 0), tiny_expected.bytes()), 0)
        << nn::kernel_name(kernel);
  }
  // an infinity makes the weight unquantisable, whichever kernel finds it
  w.index_put_({20, 50}, -std::numeric_limits<float>::infinity());
  for (const nn::Int8Kernel kernel : {nn::Int8Kernel::kScalar, nn::Int8Kernel::kAvx2, nn::Int8Kernel::kAvx512Vnni}) {
    if (nn::cpu_runs(kernel)) {
      EXPECT_THROW(nn::Int8Weight(w.data_ptr<float>(), 37, 101, kernel), Error);
    }
  }
}

class Int8Linear : public ::testing::TestWithParam<std::tuple<int64_t, int64_t, int64_t>> {};

// Each kernel computes exactly the integer block sums; only the float scaling and accumulation
// round: relative 1e-5 of the sum of |terms| covers it.
TEST_P(Int8Linear, EveryKernelThisCpuRunsMatchesTheFloat64ProductOfTheDequantisedNumbers) {
  const auto [rows, k, n] = GetParam();
  at::manual_seed(rows * 1000 + k);
  const at::Tensor x = at::randn({rows, k}), w = at::randn({n, k}), bias = at::randn({n});
  const nn::Int8Rows qx = nn::quantize_int8(x.data_ptr<float>(), rows, k);
  const nn::Int8Weight qw = nn::quantize_int8_weight(w);
  const at::Tensor xd = dequantized(qx), wd = nn::dequantize(qw).to(at::kDouble);
  const at::Tensor expected = at::linear(xd, wd, bias.to(at::kDouble));
  const at::Tensor magnitude = at::linear(xd.abs(), wd.abs());
  for (const nn::Int8Kernel kernel : {nn::Int8Kernel::kScalar, nn::Int8Kernel::kAvx2, nn::Int8Kernel::kAvx512Vnni}) {
    if (!nn::cpu_runs(kernel)) {
      std::printf("[ note ] this CPU does not run the %s int8 kernel\n", nn::kernel_name(kernel));
      continue;
    }
    SCOPED_TRACE(nn::kernel_name(kernel));
    at::Tensor got = at::empty({rows, n});
    nn::int8_matmul(qx, qw, got.data_ptr<float>(), bias.data_ptr<float>(), kernel);
    const at::Tensor excess = (got.to(at::kDouble) - expected).abs() - (magnitude * 1e-5 + 1e-5);
    EXPECT_LE(at::max(excess).item<double>(), 0.0);
  }
}

// Against the float product of the unquantised x and w: |x w - x' w'| <= |x| d_w + d_x |w| + d_x d_w
// with d the half steps of each entry (plus float rounding).
TEST_P(Int8Linear, StaysWithinTheBoundOfBothQuantisationsOfTheFloatProduct) {
  const auto [rows, k, n] = GetParam();
  at::manual_seed(rows * 1000 + k + 7);
  const at::Tensor x = at::randn({2, rows, k}), w = at::randn({n, k}), bias = at::randn({n});
  const nn::Int8Weight qw = nn::quantize_int8_weight(w);
  const at::Tensor got = nn::int8_linear(x, qw, bias);
  ASSERT_EQ(got.sizes(), (std::vector<int64_t>{2, rows, n}));
  const at::Tensor flat = x.reshape({-1, k});
  const nn::Int8Rows qx = nn::quantize_int8(flat.data_ptr<float>(), 2 * rows, k);
  const at::Tensor dx = entry_scales(qx) / 2, dw = entry_scales(qw) / 2;
  const at::Tensor xd = flat.to(at::kDouble).abs(), wd = w.to(at::kDouble).abs();
  const at::Tensor bound = at::linear(xd, dw) + at::linear(dx, wd) + at::linear(dx, dw);
  const at::Tensor exact = at::linear(flat.to(at::kDouble), w.to(at::kDouble), bias.to(at::kDouble));
  const at::Tensor error = (got.reshape({-1, n}).to(at::kDouble) - exact).abs();
  EXPECT_TRUE(at::all(error <= bound * (1 + 1e-4) + 1e-4).item<bool>());
  // ...and the bound is not vacuous: the typical error is a small part of the typical output
  EXPECT_LT(error.mean().item<double>(), 0.02 * exact.abs().mean().item<double>());
}

// 1 row (decoding), 2-5 rows (tiles of 4 / 2 and their tails), 17 / 40 / 70 rows (prompt-sized;
// 70 crosses the 64-row chunk); k not a multiple of 32 (padded last block), n not a multiple of
// the 16-row panel, odd and even panel counts (pairs and a single).
INSTANTIATE_TEST_SUITE_P(Shapes, Int8Linear,
                         ::testing::Values(std::make_tuple(1, 64, 48), std::make_tuple(1, 70, 33),
                                           std::make_tuple(1, 896, 130), std::make_tuple(3, 96, 40),
                                           std::make_tuple(5, 48, 17), std::make_tuple(17, 128, 65),
                                           std::make_tuple(40, 200, 130), std::make_tuple(70, 64, 100)));

TEST(Int8Linear, RefusesAWrongWidthAndAnInputThatTracksGradients) {
  const nn::Int8Weight qw = nn::quantize_int8_weight(at::randn({8, 64}));
  EXPECT_THROW(nn::int8_linear(at::randn({2, 63}), qw), Error);
  const at::Tensor x = at::randn({2, 64}).requires_grad_(true);
  try {
    nn::int8_linear(x, qw);
    FAIL() << "an input gradient through int8 weights was not refused";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnsupported);
    EXPECT_NE(std::string(e.what()).find("float32"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace almkit
