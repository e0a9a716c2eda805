#include "almkit/safetensors.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "test_support.h"

namespace almkit {
namespace {

std::string make_file(const std::string& header_json, const std::string& data) {
  std::string bytes(8, '\0');
  const uint64_t n = header_json.size();
  std::memcpy(bytes.data(), &n, 8);
  return bytes + header_json + data;
}

TEST(Safetensors, WriterAndReaderRoundTripEveryDtype) {
  const std::string dir = test::temp_dir();
  SafetensorsWriter writer;
  writer.add_f32("a.weight", {2, 3}, {1, 2, 3, 4, 5, 6});
  writer.add_i64("ids", {4}, {7, -8, 9, 1ll << 40});
  const uint16_t bf16[2] = {0x3f80, 0xc000};  // 1.0, -2.0
  writer.add("b", DType::kBF16, {2}, bf16, 4);
  const uint16_t f16[3] = {0x3c00, 0x0001, 0xfc00};  // 1.0, smallest subnormal, -inf
  writer.add("h", DType::kF16, {3}, f16, 6);
  const uint8_t flags[2] = {1, 0};
  writer.add("mask", DType::kBool, {2}, flags, 2);
  writer.set_metadata("format", "pt");
  writer.write(dir + "/t.safetensors");

  auto file = SafetensorsFile::open(dir + "/t.safetensors");
  EXPECT_EQ(file->names(), (std::vector<std::string>{"a.weight", "ids", "b", "h", "mask"}));
  EXPECT_EQ(file->tensor("a.weight").shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(file->to_float("a.weight"), (std::vector<float>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(file->to_float("b"), (std::vector<float>{1.f, -2.f}));
  const auto h = file->to_float("h");
  EXPECT_EQ(h[0], 1.f);
  EXPECT_FLOAT_EQ(h[1], 5.960464477539063e-08f);
  EXPECT_TRUE(std::isinf(h[2]) && h[2] < 0);
  int64_t ids[4];
  std::memcpy(ids, file->tensor("ids").data, sizeof(ids));
  EXPECT_EQ(ids[3], 1ll << 40);
  EXPECT_EQ(file->metadata().at("format"), "pt");
  EXPECT_EQ(reinterpret_cast<uintptr_t>(file->tensor("a.weight").data) % 8, 0u);
}

TEST(Safetensors, ReadsTheTransformersReferenceCheckpoint) {
  auto file = SafetensorsFile::open(test::reference_dir() + "/whisper/model.safetensors");
  EXPECT_TRUE(file->contains("model.decoder.layers.0.self_attn.k_proj.weight"));
  EXPECT_EQ(file->tensor("model.decoder.layers.0.self_attn.k_proj.weight").dtype, DType::kF32);
}

TEST(Safetensors, ShardedCheckpointsResolveThroughTheIndex) {
  const std::string dir = test::temp_dir();
  SafetensorsWriter first, second;
  first.add_f32("x", {1}, {1.f});
  second.add_f32("y", {2}, {2.f, 3.f});
  first.write(dir + "/model-00001-of-00002.safetensors");
  second.write(dir + "/model-00002-of-00002.safetensors");
  test::write_file(dir + "/model.safetensors.index.json",
                   R"({"metadata": {}, "weight_map": {"x": "model-00001-of-00002.safetensors",
                       "y": "model-00002-of-00002.safetensors"}})");
  auto checkpoint = SafetensorsCheckpoint::open_folder(dir);
  EXPECT_EQ(checkpoint.names().size(), 2u);
  EXPECT_EQ(checkpoint.tensor("y").shape, std::vector<int64_t>{2});
  EXPECT_ALMKIT_ERROR(checkpoint.tensor("z"), ErrorCode::kNotFound, "'z'");
  test::write_file(dir + "/model.safetensors.index.json",
                   R"({"weight_map": {"x": "model-00002-of-00002.safetensors"}})");
  EXPECT_ALMKIT_ERROR(SafetensorsCheckpoint::open_folder(dir), ErrorCode::kInvalidFormat, "'x'");
}

TEST(SafetensorsErrors, EachCorruptionIsNamed) {
  const std::string dir = test::temp_dir();
  const std::string good_entry = R"("w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]})";
  struct Case {
    std::string name, bytes, fragment;
  };
  std::string huge_length(8, '\xff');
  const std::vector<Case> cases = {
      {"short", "abc", "shorter than the 8-byte header"},
      {"header_too_long", huge_length + "{}", "does not fit"},
      {"bad_json", make_file("{\"w\": {", std::string(8, 0)), "not valid JSON"},
      {"unknown_dtype", make_file(R"({"w": {"dtype": "F8", "shape": [2], "data_offsets": [0, 2]}})", std::string(2, 0)), "unsupported dtype 'F8'"},
      {"outside", make_file("{" + good_entry + "}", std::string(4, 0)), "outside"},
      {"wrong_count", make_file(R"({"w": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}})", std::string(8, 0)), "needs 12"},
      {"overlap", make_file("{" + good_entry + R"(, "v": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}})", std::string(8, 0)), "overlap"},
      {"negative_shape", make_file(R"({"w": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 0]}})", ""), "negative"},
      {"missing_fields", make_file(R"({"w": {"dtype": "F32"}})", ""), "needs dtype, shape and data_offsets"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string path = dir + "/" + c.name + ".safetensors";
    test::write_file(path, c.bytes);
    EXPECT_ALMKIT_ERROR(SafetensorsFile::open(path), ErrorCode::kInvalidFormat, c.fragment);
    EXPECT_ALMKIT_ERROR(SafetensorsFile::open(path), ErrorCode::kInvalidFormat, c.name);
  }
}

TEST(SafetensorsErrors, TruncatedRealCheckpoint) {
  const std::string dir = test::temp_dir();
  const std::string bytes = test::read_file(test::reference_dir() + "/qwen2/model.safetensors");
  test::write_file(dir + "/cut.safetensors", bytes.substr(0, bytes.size() - 1000));
  EXPECT_ALMKIT_ERROR(SafetensorsFile::open(dir + "/cut.safetensors"), ErrorCode::kInvalidFormat,
                      "truncated");
}

TEST(SafetensorsErrors, MissingFilesAndFolders) {
  EXPECT_ALMKIT_ERROR(SafetensorsFile::open("/nonexistent.safetensors"), ErrorCode::kFileNotFound, "nonexistent");
  const std::string dir = test::temp_dir();
  EXPECT_ALMKIT_ERROR(SafetensorsCheckpoint::open_folder(dir), ErrorCode::kFileNotFound, "neither");
  EXPECT_ALMKIT_ERROR(SafetensorsFile::open(dir), ErrorCode::kInvalidArgument, "directory");
  SafetensorsWriter writer;
  EXPECT_ALMKIT_ERROR(writer.add_f32("x", {3}, {1.f}), ErrorCode::kShapeMismatch, "'x'");
}

}  // namespace
}  // namespace almkit
