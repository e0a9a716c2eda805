// Fuzzes SafetensorsCheckpoint::open_folder through model.safetensors.index.json; the folder
// also holds two small valid shards, so weight maps that name real files reach the shard checks.
#include <cstdint>

#include "almkit/error.h"
#include "almkit/safetensors.h"
#include "fuzz_support.h"

namespace {

void write_shards() {
  for (int shard = 1; shard <= 2; ++shard) {
    almkit::SafetensorsWriter writer;
    const std::string prefix = "model.layers." + std::to_string(shard - 1) + ".";
    writer.add_f32(prefix + "weight", {2, 2}, {1.0f, 2.0f, 3.0f, 4.0f});
    writer.add_i64(prefix + "index", {2}, {7, 8});
    writer.write(almkit::fuzz::scratch_dir() + "/model-0000" + std::to_string(shard) +
                 "-of-00002.safetensors");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool shards_written = (write_shards(), true);
  (void)shards_written;
  almkit::fuzz::write_scratch("model.safetensors.index.json", data, size);
  try {
    auto checkpoint = almkit::SafetensorsCheckpoint::open_folder(almkit::fuzz::scratch_dir());
    for (const auto& name : checkpoint.names()) {
      const almkit::TensorView& view = checkpoint.tensor(name);
      if (view.nbytes <= (size_t(1) << 20)) (void)checkpoint.file_of(name)->to_float(name);
    }
  } catch (const almkit::Error&) {
  }
  return 0;
}
