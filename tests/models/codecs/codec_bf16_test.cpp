// Codecs loaded with WeightOptions::dtype = bf16. EnCodec and DAC read (or store) bf16 weights and
// widen them to fp32 at load, then compute in fp32 (libtorch 1.13 has no bf16 LSTM on the CPU and
// its bf16 convolutions are >15x slower here), so when every weight is a bf16 value a bf16 load
// computes exactly what an fp32 load does. Mimi keeps its transformer weights in bf16; linear()
// widens them for an fp32 GEMM on calls of more than 16 frames (the fixture's 1 s is 25 frames at
// the transformer), so it is exact too. (Calls of <= 16 frames take the bf16 mat-vec kernel,
// which sums in another order: close, not equal; not covered here.)
#include <gtest/gtest.h>

#include <cstdlib>

#include "almkit/safetensors.h"
#include "core/cpu_features.h"
#include "models/codecs/codec.h"
#include "nn/bf16_gemm.h"
#include "test_support.h"

namespace almkit {
namespace {

std::string fixture_dir(const std::string& name) {
  return test::reference_dir() + "/" + name;
}

at::Tensor fixture_tensor(const std::string& file, const std::string& name) {
  const auto io = SafetensorsFile::open(file);
  const TensorView& view = io->tensor(name);
  const at::ScalarType type = view.dtype == DType::kI64 ? at::kLong : at::kFloat;
  return at::from_blob(const_cast<void*>(view.data), view.shape, at::TensorOptions().dtype(type))
      .clone();
}

at::Tensor fixture_audio(const std::string& name) {
  return fixture_tensor(fixture_dir(name) + "/io.safetensors", "input_values");
}

// The fixture's weights rounded to bf16, stored as `dtype` (F32 or BF16), in `dir`.
std::string write_bf16_valued_fixture(const std::string& name, const std::string& dir,
                                      DType dtype) {
  std::system(("mkdir -p '" + dir + "'").c_str());
  test::write_file(dir + "/config.json", test::read_file(fixture_dir(name) + "/config.json"));
  const std::string weights = fixture_dir(name) + "/model.safetensors";
  const auto fixture = SafetensorsFile::open(weights);
  SafetensorsWriter writer;
  for (const std::string& tensor_name : fixture->names()) {
    at::Tensor tensor = fixture_tensor(weights, tensor_name);
    if (at::isFloatingType(tensor.scalar_type())) {
      tensor = tensor.to(at::kBFloat16);
      if (dtype == DType::kF32) tensor = tensor.to(at::kFloat);
    }
    tensor = tensor.contiguous();
    const DType stored = tensor.scalar_type() == at::kLong ? DType::kI64 : dtype;
    writer.add(tensor_name, stored, tensor.sizes().vec(), tensor.data_ptr(), tensor.nbytes());
  }
  writer.write(dir + "/model.safetensors");
  return dir;
}

WeightOptions bf16_weights() {
  WeightOptions options;
  options.dtype = at::kBFloat16;
  return options;
}

// Loads of the bf16-valued fixture against its fp32 load: the largest |difference| of the
// decoded audio over every other load, and whether every load gave the same codes.
struct Bf16Comparison {
  bool same_codes = true;
  double max_audio_diff = 0.0;
};

Bf16Comparison compare_bf16_loads(const std::string& name, double bandwidth) {
  const std::string dir = test::temp_dir();
  const std::string f32_stored = write_bf16_valued_fixture(name, dir + "/f32", DType::kF32);
  const std::string bf16_stored = write_bf16_valued_fixture(name, dir + "/bf16", DType::kBF16);
  const at::Tensor audio = fixture_audio(name);
  const auto reference = codecs::load_codec(f32_stored, WeightOptions{});
  const auto expected = reference->encode(audio, bandwidth);
  const at::Tensor expected_audio = reference->decode(expected);
  Bf16Comparison result;
  for (const auto& [folder, options] :
       {std::pair{f32_stored, bf16_weights()}, std::pair{bf16_stored, WeightOptions{}},
        std::pair{bf16_stored, bf16_weights()}}) {
    const auto codec = codecs::load_codec(folder, options);
    const auto encoded = codec->encode(audio, bandwidth);
    result.same_codes = result.same_codes && at::equal(encoded.codes, expected.codes);
    const at::Tensor decoded = codec->decode(encoded);
    EXPECT_EQ(decoded.sizes(), expected_audio.sizes()) << folder;
    if (decoded.sizes() == expected_audio.sizes()) {
      result.max_audio_diff =
          std::max(result.max_audio_diff, (decoded - expected_audio).abs().max().item<double>());
    }
  }
  return result;
}

TEST(CodecBf16, EncodecWithBf16ValuedWeightsGivesTheFp32CodesAndAudioExactly) {
  for (const double bandwidth : {1.5, 3.0}) {
    const Bf16Comparison result = compare_bf16_loads("encodec", bandwidth);
    EXPECT_TRUE(result.same_codes) << bandwidth << " kbps";
    EXPECT_EQ(result.max_audio_diff, 0.0) << bandwidth << " kbps";
  }
}

TEST(CodecBf16, DacWithBf16ValuedWeightsGivesTheFp32CodesAndAudioExactly) {
  const Bf16Comparison result =
      compare_bf16_loads("dac", 1.2);  // every codebook: 4 x 6 bits x 50 Hz
  EXPECT_TRUE(result.same_codes);
  EXPECT_EQ(result.max_audio_diff, 0.0);
}

TEST(CodecBf16, MimiWithBf16ValuedWeightsGivesTheFp32CodesAndAudioExactly) {
  const Bf16Comparison result =
      compare_bf16_loads("mimi", 0.3);  // every codebook: 4 x 6 bits x 12.5 Hz
  EXPECT_TRUE(result.same_codes);
  // With AVX512-BF16, the transformer's products of more than 16 frames run on the bf16 weights
  // with activations rounded to bf16 (nn/bf16_gemm.h), no longer an fp32 GEMM of the widened
  // weights: the audio moves by ~1e-6 (measured 8.3e-7), the codes stay.
  EXPECT_LE(result.max_audio_diff, cpu_features().avx512_bf16 ? 1e-5 : 0.0);
}

// The fixtures' own fp32 weights loaded as bf16 (WeightStore rounds the 2-D weights: EnCodec's
// LSTM and codebooks, DAC's codebooks, Mimi's transformer and codebooks; convolutions keep fp32):
// codes against transformers' (fp32), and the decode of transformers' codes against its audio,
// within 5e-3 x max|ref| (about 2.5 bf16 ulps). Measured: codes identical for all three;
// audio 3.6e-7 / 4.0e-7 of max|ref| 0.047 (EnCodec 1.5 / 3 kbps), 1.9e-3 of 0.89 (DAC), 1.6e-3
// of 1.52 (Mimi). A latent near a tie between two codewords could flip a code on other input.
struct RoundedCase {
  const char* name;
  double bandwidth;
  const char* codes_key;
  const char* audio_key;
};

TEST(CodecBf16, RoundingTheFixturesToBf16KeepsTheReferenceCodes) {
  for (const RoundedCase& c :
       {RoundedCase{"encodec", 1.5, "bw1.5_audio_codes", "bw1.5_audio_values"},
        RoundedCase{"encodec", 3.0, "bw3.0_audio_codes", "bw3.0_audio_values"},
        RoundedCase{"dac", 1.2, "audio_codes", "audio_values_from_codes"},
        RoundedCase{"mimi", 0.3, "audio_codes", "audio_values"}}) {
    const std::string io = fixture_dir(c.name) + "/io.safetensors";
    const auto codec = codecs::load_codec(fixture_dir(c.name), bf16_weights());
    const auto encoded = codec->encode(fixture_audio(c.name), c.bandwidth);
    const at::Tensor expected = fixture_tensor(io, c.codes_key);
    ASSERT_EQ(encoded.codes.numel(), expected.numel()) << c.name;
    const int64_t differing =
        encoded.codes.reshape(expected.sizes()).ne(expected).sum().item<int64_t>();

    codecs::EncodedAudioCodes reference_codes;
    reference_codes.codes = expected.reshape(encoded.codes.sizes());
    reference_codes.scales = encoded.scales;  // none: these fixtures do not normalise
    const at::Tensor decoded = codec->decode(reference_codes);
    const at::Tensor reference_audio = fixture_tensor(io, c.audio_key);
    ASSERT_EQ(decoded.numel(), reference_audio.numel()) << c.name;
    const double audio_diff =
        (decoded.flatten() - reference_audio.flatten()).abs().max().item<double>();
    const double audio_scale = reference_audio.abs().max().item<double>();
    EXPECT_EQ(differing, 0) << c.name << " at " << c.bandwidth;
    EXPECT_LE(audio_diff, 5e-3 * audio_scale) << c.name << " at " << c.bandwidth;
  }
}

}  // namespace
}  // namespace almkit
