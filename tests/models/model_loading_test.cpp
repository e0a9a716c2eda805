// Bad checkpoints are named errors: unknown model types, missing / extra / misshapen tensors,
// malformed or incomplete config.json.
#include <gtest/gtest.h>

#include <fstream>
#include <functional>

#include "models/registry.h"
#include "almkit/safetensors.h"
#include "test_support.h"

namespace almkit {
namespace {

// A copy of a reference checkpoint whose config and weights a test may then spoil.
std::string copy_checkpoint(const std::string& name) {
  const std::string dir = test::temp_dir() + "/" + name;
  std::system(("mkdir -p " + dir + " && cp " + test::reference_dir() + "/" + name + "/config.json " +
               test::reference_dir() + "/" + name + "/model.safetensors " + dir).c_str());
  return dir;
}

void rewrite_weights(const std::string& dir, const std::function<void(const SafetensorsFile&, SafetensorsWriter&)>& edit) {
  auto original = SafetensorsFile::open(dir + "/model.safetensors");
  SafetensorsWriter writer;
  edit(*original, writer);
  original.reset();
  writer.write(dir + "/model.safetensors");
}

void copy_all_except(const SafetensorsFile& file, SafetensorsWriter& writer, const std::string& skip) {
  for (const auto& name : file.names()) {
    if (name == skip) continue;
    const TensorView& v = file.tensor(name);
    writer.add(name, v.dtype, v.shape, v.data, v.nbytes);
  }
}

TEST(ModelLoading, LoadsEveryReferenceArchitecture) {
  for (const std::string name : {"whisper", "qwen2", "qwen2_audio"}) {
    const ModelParts parts = load_model_parts(test::reference_dir() + "/" + name, {});
    EXPECT_EQ(parts.model_type, name);
    EXPECT_EQ(parts.language_model->vocab_size(), 256);
  }
}

TEST(ModelLoading, UnknownModelTypeListsTheSupportedOnes) {
  const std::string dir = copy_checkpoint("qwen2");
  test::write_file(dir + "/config.json", R"({"model_type": "mamba"})");
  EXPECT_ALMKIT_ERROR(load_model_parts(dir, {}), ErrorCode::kUnsupported, "'mamba' is not supported (supported: ");
  for (const std::string name : supported_model_types()) {
    EXPECT_ALMKIT_ERROR(load_model_parts(dir, {}), ErrorCode::kUnsupported, name);
  }
  EXPECT_GE(supported_model_types().size(), 12u);  // whisper, qwen2, llama, qwen2_audio, ultravox, voxtral, ...
  // A codec has its own registry: loading one as a language model names the right loader.
  test::write_file(dir + "/config.json", R"({"model_type": "encodec"})");
  EXPECT_ALMKIT_ERROR(load_model_parts(dir, {}), ErrorCode::kUnsupported, "is a neural audio codec, not a language model");
}

TEST(ModelLoading, MalformedOrIncompleteConfig) {
  const std::string dir = copy_checkpoint("qwen2");
  test::write_file(dir + "/config.json", R"({"model_type": "qwen2", "hidden_size": )");
  EXPECT_ALMKIT_ERROR(load_model_parts(dir, {}), ErrorCode::kInvalidFormat, "config.json");
  test::write_file(dir + "/config.json", R"({"hidden_size": 64})");
  EXPECT_ALMKIT_ERROR(load_model_parts(dir, {}), ErrorCode::kInvalidFormat, "model_type");
  test::write_file(dir + "/config.json", R"({"model_type": "qwen2", "hidden_size": "wide"})");
  EXPECT_ALMKIT_ERROR(load_model_parts(dir, {}), ErrorCode::kInvalidFormat, "hidden_size");
  std::remove((dir + "/config.json").c_str());
  EXPECT_ALMKIT_ERROR(load_model_parts(dir, {}), ErrorCode::kFileNotFound, "config.json");
}

TEST(ModelLoading, MissingTensorIsNamed) {
  const std::string dir = copy_checkpoint("qwen2");
  rewrite_weights(dir, [](const SafetensorsFile& f, SafetensorsWriter& w) {
    copy_all_except(f, w, "model.layers.1.mlp.up_proj.weight");
  });
  EXPECT_ALMKIT_ERROR(load_model_parts(dir, {}), ErrorCode::kNotFound, "model.layers.1.mlp.up_proj.weight");
}

TEST(ModelLoading, ExtraTensorIsNamed) {
  const std::string dir = copy_checkpoint("qwen2");
  rewrite_weights(dir, [](const SafetensorsFile& f, SafetensorsWriter& w) {
    copy_all_except(f, w, "");
    w.add_f32("model.layers.7.unexpected.weight", {1}, {0.f});
  });
  EXPECT_ALMKIT_ERROR(load_model_parts(dir, {}), ErrorCode::kInvalidFormat, "model.layers.7.unexpected.weight");
}

TEST(ModelLoading, ShapeMismatchNamesTensorAndShapes) {
  const std::string dir = copy_checkpoint("qwen2");
  std::string config = test::read_file(dir + "/config.json");
  config.replace(config.find("\"intermediate_size\": 128"), 24, "\"intermediate_size\": 100");
  test::write_file(dir + "/config.json", config);
  EXPECT_ALMKIT_ERROR(load_model_parts(dir, {}), ErrorCode::kShapeMismatch, "[128, 64]");
}

TEST(ModelLoading, TiedEmbeddingsNeedNoHead) {
  const std::string dir = copy_checkpoint("qwen2");
  std::string config = test::read_file(dir + "/config.json");
  config.replace(config.find("\"tie_word_embeddings\": false"), 28, "\"tie_word_embeddings\": true");
  test::write_file(dir + "/config.json", config);
  rewrite_weights(dir, [](const SafetensorsFile& f, SafetensorsWriter& w) { copy_all_except(f, w, "lm_head.weight"); });
  const ModelParts parts = load_model_parts(dir, {});
  const at::Tensor ids = at::tensor({5, 6}, at::TensorOptions().dtype(at::kLong)).view({1, 2});
  nn::KvCache cache = parts.language_model->new_cache();
  const at::Tensor hidden = parts.language_model->forward(
      {parts.language_model->embed(ids), at::arange(2).view({1, 2}), at::ones({1, 2}, at::kLong)}, cache, nullptr);
  // with a tied head the logits are the hidden state against the embedding matrix
  const at::Tensor embedding = parts.language_model->embed(at::arange(256).view({1, 256}))[0];
  EXPECT_TRUE(at::allclose(parts.language_model->logits(hidden), at::matmul(hidden, embedding.t()), 1e-5, 1e-5));
}

TEST(ModelLoading, TruncatedWeightsFile) {
  const std::string dir = copy_checkpoint("whisper");
  const std::string bytes = test::read_file(dir + "/model.safetensors");
  test::write_file(dir + "/model.safetensors", bytes.substr(0, bytes.size() / 2));
  EXPECT_ALMKIT_ERROR(load_model_parts(dir, {}), ErrorCode::kInvalidFormat, "model.safetensors");
}

}  // namespace
}  // namespace almkit
