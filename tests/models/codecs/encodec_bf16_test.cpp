// EnCodec with WeightOptions::dtype = bf16: the weights are read (or stored) as bf16 and widened
// to fp32 at load, and the model computes in fp32 (libtorch 1.13 has no bf16 LSTM on the CPU).
// So when every weight is a bf16 value, a bf16 load computes exactly what an fp32 load does.
#include <gtest/gtest.h>

#include <cstdlib>

#include "almkit/safetensors.h"
#include "models/codecs/codec.h"
#include "test_support.h"

namespace almkit {
namespace {

std::string encodec_dir() {
  return test::reference_dir() + "/encodec";
}

at::Tensor fixture_tensor(const std::string& file, const std::string& name) {
  const auto io = SafetensorsFile::open(file);
  const TensorView& view = io->tensor(name);
  const at::ScalarType type = view.dtype == DType::kI64 ? at::kLong : at::kFloat;
  return at::from_blob(const_cast<void*>(view.data), view.shape, at::TensorOptions().dtype(type))
      .clone();
}

// The fixture's weights rounded to bf16, stored as `dtype` (F32 or BF16), in `dir`.
std::string write_bf16_valued_fixture(const std::string& dir, DType dtype) {
  std::system(("mkdir -p '" + dir + "'").c_str());
  test::write_file(dir + "/config.json", test::read_file(encodec_dir() + "/config.json"));
  const std::string weights = encodec_dir() + "/model.safetensors";
  const auto fixture = SafetensorsFile::open(weights);
  SafetensorsWriter writer;
  for (const std::string& name : fixture->names()) {
    at::Tensor tensor = fixture_tensor(weights, name).to(at::kBFloat16);
    if (dtype == DType::kF32) tensor = tensor.to(at::kFloat);
    tensor = tensor.contiguous();
    writer.add(name, dtype, tensor.sizes().vec(), tensor.data_ptr(), tensor.nbytes());
  }
  writer.write(dir + "/model.safetensors");
  return dir;
}

WeightOptions bf16_weights() {
  WeightOptions options;
  options.dtype = at::kBFloat16;
  return options;
}

TEST(EncodecBf16, Bf16WeightsGiveTheFp32CodesAndAudioExactlyWhenTheWeightsAreBf16Values) {
  const std::string dir = test::temp_dir();
  const std::string f32_stored = write_bf16_valued_fixture(dir + "/f32", DType::kF32);
  const std::string bf16_stored = write_bf16_valued_fixture(dir + "/bf16", DType::kBF16);
  const at::Tensor audio = fixture_tensor(encodec_dir() + "/io.safetensors", "input_values");

  const auto reference = codecs::load_codec(f32_stored, WeightOptions{});
  for (const double bandwidth : {1.5, 3.0}) {
    const auto expected = reference->encode(audio, bandwidth);
    const at::Tensor expected_audio = reference->decode(expected);
    for (const auto& [folder, options] :
         {std::pair{f32_stored, bf16_weights()}, std::pair{bf16_stored, WeightOptions{}},
          std::pair{bf16_stored, bf16_weights()}}) {
      const auto codec = codecs::load_codec(folder, options);
      const auto encoded = codec->encode(audio, bandwidth);
      const std::string label = folder + (options.dtype == at::kBFloat16 ? " bf16" : " fp32");
      EXPECT_TRUE(at::equal(encoded.codes, expected.codes))
          << label << " at " << bandwidth << " kbps";
      EXPECT_TRUE(at::equal(codec->decode(encoded), expected_audio))
          << label << " at " << bandwidth << " kbps";
    }
  }
}

// The fixture's own fp32 weights loaded as bf16: WeightStore rounds the 2-D weights (LSTM,
// codebooks) to bf16, the convolutions keep fp32. The codes stay those of transformers (fp32) and
// the audio moves by at most 1e-5 (measured: 3.6e-7 at 1.5 kbps, 4.0e-7 at 3 kbps, of max |ref|
// 0.047). A latent near a tie between two codewords could flip a code on other weights or input.
TEST(EncodecBf16, RoundingTheFixtureToBf16KeepsTheReferenceCodes) {
  const std::string io = encodec_dir() + "/io.safetensors";
  const auto codec = codecs::load_codec(encodec_dir(), bf16_weights());
  const at::Tensor audio = fixture_tensor(io, "input_values");
  for (const char* bandwidth : {"1.5", "3.0"}) {
    const auto encoded = codec->encode(audio, std::atof(bandwidth));
    const at::Tensor expected = fixture_tensor(io, std::string("bw") + bandwidth + "_audio_codes");
    ASSERT_EQ(encoded.codes.sizes(), expected.sizes());
    const int64_t differing = encoded.codes.ne(expected).sum().item<int64_t>();
    const at::Tensor decoded = codec->decode(encoded);
    const at::Tensor reference_audio =
        fixture_tensor(io, std::string("bw") + bandwidth + "_audio_values");
    const double audio_diff = (decoded - reference_audio).abs().max().item<double>();
    EXPECT_EQ(differing, 0) << bandwidth << " kbps";
    EXPECT_LE(audio_diff, 1e-5) << bandwidth << " kbps";
  }
}

}  // namespace
}  // namespace almkit
