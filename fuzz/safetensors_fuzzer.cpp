// Fuzzes SafetensorsFile::open (header length, JSON header, dtypes, shapes, offsets) and reading
// every tensor it accepts: an input may only be refused with almkit::Error.
#include <cstdint>

#include "almkit/error.h"
#include "almkit/safetensors.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = almkit::fuzz::write_scratch("model.safetensors", data, size);
  try {
    auto file = almkit::SafetensorsFile::open(path);
    for (const auto& name : file->names()) {
      const almkit::TensorView& view = file->tensor(name);
      // A validated view lies inside the mapping: touching every byte is ASan's proof.
      const auto* bytes = static_cast<const uint8_t*>(view.data);
      volatile uint8_t sum = 0;
      for (size_t i = 0; i < view.nbytes; ++i) sum = static_cast<uint8_t>(sum + bytes[i]);
      if (view.nbytes <= (size_t(1) << 20)) (void)file->to_float(name);
    }
  } catch (const almkit::Error&) {
  }
  return 0;
}
