// rope_scaling and sliding windows read from config.json: neutral settings leave the reference
// Qwen2 fixture's scores unchanged, real ones change them, bad ones are named errors.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "almkit/model.h"
#include "test_support.h"

namespace almkit {
namespace {

namespace fs = std::filesystem;

// A copy of the qwen2 fixture with `changes` merged into its config.json.
std::string fixture_with(const nlohmann::json& changes) {
  const std::string source = test::reference_dir() + "/qwen2", folder = test::temp_dir();
  fs::create_symlink(source + "/model.safetensors", folder + "/model.safetensors");
  nlohmann::json config = nlohmann::json::parse(test::read_file(source + "/config.json"));
  config.merge_patch(changes);
  test::write_file(folder + "/config.json", config.dump(2));
  return folder;
}

double score(const std::string& folder) {
  ModelOptions options;
  options.load_tokenizer = false;
  const auto model = Model::load(folder, options);
  Request request;
  for (int i = 0; i < 40; ++i) request.prompt_ids.push_back(3 + (i * 37) % 250);
  return model->score_ids(request, {{5, 9, 17, 33}})[0].sum_logprob;
}

TEST(RopeScalingModel, NeutralSettingsChangeNothingAndRealOnesDo) {
  const double reference = score(test::reference_dir() + "/qwen2");
  EXPECT_EQ(score(fixture_with({{"rope_scaling", {{"rope_type", "linear"}, {"factor", 1.0}}}})), reference);
  EXPECT_EQ(score(fixture_with({{"use_sliding_window", true}, {"sliding_window", 100}})), reference);
  EXPECT_NE(score(fixture_with({{"rope_scaling", {{"type", "linear"}, {"factor", 4.0}}}})), reference);
  EXPECT_NE(score(fixture_with({{"rope_scaling", {{"rope_type", "yarn"}, {"factor", 4.0}}}})), reference);
  EXPECT_NE(score(fixture_with({{"use_sliding_window", true}, {"sliding_window", 8}})), reference);
  // a window set but not enabled is ignored, as transformers does
  EXPECT_EQ(score(fixture_with({{"use_sliding_window", false}, {"sliding_window", 8}})), reference);
}

TEST(RopeScalingModel, UnknownTypesAndMissingKeysAreNamed) {
  EXPECT_ALMKIT_ERROR(score(fixture_with({{"rope_scaling", {{"rope_type", "longrope"}, {"factor", 2.0}}}})),
                      ErrorCode::kUnsupported, "rope_scaling type 'longrope' is not supported");
  EXPECT_ALMKIT_ERROR(score(fixture_with({{"rope_scaling", {{"rope_type", "llama3"}, {"factor", 8.0}}}})),
                      ErrorCode::kInvalidFormat, "needs 'low_freq_factor'");
  EXPECT_ALMKIT_ERROR(score(fixture_with({{"rope_scaling", {{"rope_type", "linear"}}}})), ErrorCode::kInvalidFormat,
                      "needs 'factor'");
}

}  // namespace
}  // namespace almkit
