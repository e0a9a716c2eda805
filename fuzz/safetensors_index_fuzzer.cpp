// Fuzzes SafetensorsCheckpoint::open_folder through model.safetensors.index.json; the folder
// also holds two small valid shards, so weight maps that name real files reach the shard checks,
// and a copy of the first in sub/, a decoy: only plain file names in the folder may load.
#include <cstdint>
#include <cstdlib>

#include "almkit/error.h"
#include "almkit/safetensors.h"
#include "fuzz_support.h"

namespace {

void write_shards() {
  if (std::system(("mkdir -p '" + almkit::fuzz::scratch_dir() + "/sub'").c_str()) != 0)
    std::abort();
  for (int shard = 1; shard <= 2; ++shard) {
    almkit::SafetensorsWriter writer;
    const std::string prefix = "model.layers." + std::to_string(shard - 1) + ".";
    writer.add_f32(prefix + "weight", {2, 2}, {1.0f, 2.0f, 3.0f, 4.0f});
    writer.add_i64(prefix + "index", {2}, {7, 8});
    const std::string name = "/model-0000" + std::to_string(shard) + "-of-00002.safetensors";
    writer.write(almkit::fuzz::scratch_dir() + name);
    if (shard == 1) writer.write(almkit::fuzz::scratch_dir() + "/sub" + name);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool shards_written = (write_shards(), true);
  (void)shards_written;
  almkit::fuzz::write_scratch("model.safetensors.index.json", data, size);
  try {
    auto checkpoint = almkit::SafetensorsCheckpoint::open_folder(almkit::fuzz::scratch_dir());
    const std::string folder = almkit::fuzz::scratch_dir() + "/";
    for (const auto& name : checkpoint.names()) {
      const std::string& path = checkpoint.file_of(name)->path();
      if (path.compare(0, folder.size(), folder) != 0 ||
          path.find('/', folder.size()) != std::string::npos) {
        std::abort();  // a shard from outside the folder (or from sub/) was loaded
      }
      const almkit::TensorView& view = checkpoint.tensor(name);
      if (view.nbytes <= (size_t(1) << 20)) (void)checkpoint.file_of(name)->to_float(name);
    }
  } catch (const almkit::Error&) {
  }
  return 0;
}
