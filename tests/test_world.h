// The expensive setup many tests share: the small random Qwen2-Audio checkpoint (`almkit
// init-model`, the real Qwen vocabulary from .cache/tokenizers/qwen3) and a perception suite of
// one item per task. ctest writes it once per run (the TestWorld.Setup fixture, into the folder
// in ALMKIT_TEST_WORLD); a test binary run by hand writes its own under /tmp, once per process.
#pragma once

#include <string>

namespace almkit::test {

struct TestWorld {
  std::string dir, model, data;  // data: the suite's perception.json
  size_t items = 0;
};

// Writes the world into `dir` (model/, perception/, then the marker file `ready`).
TestWorld write_test_world(const std::string& dir);
// The shared world: the fixture's when ALMKIT_TEST_WORLD holds a finished one, else this
// process's own (removed when the process ends). Read-only for tests: write into temp_dir().
const TestWorld& test_world();

}  // namespace almkit::test
