#include "test_world.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "almkit/synth.h"
#include "models/init_model.h"
#include "test_support.h"

namespace almkit::test {
namespace {

TestWorld describe(const std::string& dir) {
  TestWorld world;
  world.dir = dir;
  world.model = dir + "/model";
  world.data = dir + "/perception/perception.json";
  world.items = perception_task_names().size();
  return world;
}

}  // namespace

TestWorld write_test_world(const std::string& dir) {
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  TestWorld world = describe(dir);
  InitModelOptions model;
  model.tokenizer_dir = data_dir() + "/../tokenizers/qwen3";
  model.output_dir = world.model;
  init_model(model);
  PerceptionSuiteOptions suite;
  suite.n = static_cast<int>(world.items);
  suite.seed = 3;
  suite.output_dir = dir + "/perception";
  world.items = generate_perception_suite(suite).size();
  write_file(dir + "/ready", "");
  return world;
}

const TestWorld& test_world() {
  static const TestWorld world = [] {
    const char* shared = std::getenv("ALMKIT_TEST_WORLD");
    if (shared && file_exists(std::string(shared) + "/ready")) return describe(shared);
    if (shared) std::fprintf(stderr, "[ note ] no finished test world in %s: writing this process's own\n", shared);
    // ~160 MB per process: removed when the process ends
    static const std::string own = "/tmp/almkit-test-world-" + std::to_string(::getpid());
    std::atexit([] { std::filesystem::remove_all(own); });
    return write_test_world(own);
  }();
  return world;
}

// The ctest fixture TestWorld.Setup runs this test alone (tests/CMakeLists.txt); the discovered
// tests leave it out.
TEST(TestWorldSetup, WritesTheSharedModelAndSuite) {
  const char* dir = std::getenv("ALMKIT_TEST_WORLD");
  if (!dir) GTEST_SKIP() << "runs as the ctest fixture, with ALMKIT_TEST_WORLD set";
  const TestWorld world = write_test_world(dir);
  EXPECT_TRUE(file_exists(world.model + "/config.json"));
  EXPECT_TRUE(file_exists(world.model + "/model.safetensors"));
  EXPECT_TRUE(file_exists(world.data));
  EXPECT_EQ(world.items, perception_task_names().size());
}

}  // namespace almkit::test
